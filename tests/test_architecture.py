"""Dependency direction of ../shared/house-style.md, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
    # the pure metrology vocabulary: stdlib (+ numpy/scipy), nothing else from certificates
    "certificates.metrology": (
        "certificates",
        "reportlab",
        "xmlschema",
        "pypdf",
        "qrcode",
        "PIL",
        "pint",
        "uncertainties",
    ),
}

# owner -> prefixes it may import although a rule above forbids their parent
ALLOWED: dict[str, tuple[str, ...]] = {
    "lims.domain": ("certificates.metrology",),
    "certificates.metrology": ("certificates.metrology",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path)
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


def _violations() -> list[str]:
    problems: list[str] = []
    for path in sorted(ROOT.glob("**/*.py")):
        if any(
            part in {".venv", "tests", "bench", "migrations", "build", ".git"}
            for part in path.relative_to(ROOT).parts
        ):
            continue
        module = _module_name(path)
        for owner, forbidden in FORBIDDEN.items():
            if not _matches(module, owner):
                continue
            for lineno, name in _imports(path):
                if any(_matches(name, ok) for ok in ALLOWED.get(owner, ())):
                    continue
                for bad in forbidden:
                    if _matches(name, bad):
                        problems.append(f"{path.relative_to(ROOT)}:{lineno} {module} imports {name}")
    return problems


def test_dependency_direction() -> None:
    assert _violations() == []


def test_checker_catches_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = ROOT / "lims" / "domain" / "_arch_probe_tmp.py"
    bad.write_text("import flask\nfrom sqlalchemy import select\n", encoding="utf-8")
    try:
        found = _violations()
    finally:
        bad.unlink()
    assert any("imports flask" in v for v in found)
    assert any("imports sqlalchemy" in v for v in found)


def test_metrology_stands_alone_and_lims_domain_may_use_it() -> None:
    probe = ROOT / "certificates" / "metrology" / "_arch_probe_tmp.py"
    domain_probe = ROOT / "lims" / "domain" / "_arch_probe_tmp2.py"
    probe.write_text("from certificates.data import CertificateData\nimport reportlab\n", encoding="utf-8")
    domain_probe.write_text(
        "from certificates.metrology import Verdict\nfrom certificates.pdf import render_pdf\n", encoding="utf-8"
    )
    try:
        found = _violations()
    finally:
        probe.unlink()
        domain_probe.unlink()
    assert any("metrology._arch_probe_tmp imports certificates.data" in v for v in found)
    assert any("metrology._arch_probe_tmp imports reportlab" in v for v in found)
    assert any("_arch_probe_tmp2 imports certificates.pdf" in v for v in found)
    assert not any("imports certificates.metrology" in v for v in found)


def test_importing_the_vocabulary_does_not_load_the_renderers() -> None:
    import subprocess
    import sys

    code = (
        "import sys, certificates.metrology\n"
        "print(','.join(m for m in ('reportlab', 'certificates.pdf', 'lims') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


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
