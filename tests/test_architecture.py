"""Dependency direction of ../shared/house-style.md, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# package prefix -> top-level or dotted module prefixes it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "certificates": (
        "lims",
        "instruments",
        "flask",
        "flask_wtf",
        "flask_login",
        "flask_babel",
        "sqlalchemy",
        "wtforms",
        "alembic",
    ),
    "instruments": (
        "lims",
        "certificates",
        "flask",
        "flask_wtf",
        "flask_login",
        "flask_babel",
        "sqlalchemy",
        "wtforms",
        "alembic",
        "reportlab",
    ),
    "lims.domain": (
        "flask",
        "flask_wtf",
        "flask_login",
        "flask_babel",
        "sqlalchemy",
        "wtforms",
        "alembic",
        "reportlab",
        "serial",
        "lims.models",
        "lims.services",
        "lims.web",
        "lims.db",
        "lims.app",
        "lims.cli",
        "lims.commands",
        "psycopg",
        "certificates",
        "instruments",
    ),
    "lims.models": (
        "flask",
        "flask_wtf",
        "flask_login",
        "flask_babel",
        "wtforms",
        "lims.web",
        "lims.services",
    ),
    "lims.services": ("flask", "flask_wtf", "flask_login", "flask_babel", "wtforms", "lims.web"),
}


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
    return found


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _violations(root: Path = ROOT) -> list[str]:
    problems: list[str] = []
    for path in sorted(root.glob("**/*.py")):
        if any(
            part in {".venv", "tests", "bench", "migrations", "build", ".git"}
            for part in path.relative_to(root).parts
        ):
            continue
        module = _module_name(path, root)
        for owner, forbidden in FORBIDDEN.items():
            if not _matches(module, owner):
                continue
            for lineno, name in _imports(path, root):
                for bad in forbidden:
                    if _matches(name, bad):
                        problems.append(f"{path.relative_to(root)}:{lineno} {module} imports {name}")
    return problems


def test_dependency_direction() -> None:
    assert _violations() == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    """The checker run over a copy-shaped tree in tmp_path (no test writes into the source tree)."""
    domain = tmp_path / "lims" / "domain"
    domain.mkdir(parents=True)
    (domain / "probe.py").write_text("import flask\nfrom sqlalchemy import select\n", encoding="utf-8")
    (domain / "fine.py").write_text("import math\n", encoding="utf-8")
    found = _violations(tmp_path)
    assert "lims/domain/probe.py:1 lims.domain.probe imports flask" in found
    assert "lims/domain/probe.py:2 lims.domain.probe imports sqlalchemy" in found
    assert not [v for v in found if "fine" in v]


def test_pure_cli_commands_do_not_import_the_web_app() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lims.cli, lims.domain\n"
        "bad = [m for m in ('flask', 'sqlalchemy', 'lims.app') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
