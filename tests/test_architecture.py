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
    # services raise typed errors; HTTP (statuses, werkzeug) is the web layer's word (lims.web.status)
    "lims.services": (
        "flask",
        "flask_wtf",
        "flask_login",
        "flask_babel",
        "wtforms",
        "lims.web",
        "werkzeug",
        "http",
    ),
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


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
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


def _violations(probes: dict[str, str] | None = None) -> list[str]:
    """Every forbidden import in the tree; ``probes`` adds made-up modules (relative path -> source) checked
    as if they were in the tree, so the checker is tested without writing into the source tree."""
    problems: list[str] = []
    probes = probes or {}
    paths = [*sorted(ROOT.glob("**/*.py")), *(ROOT / rel for rel in probes)]
    for path in paths:
        if any(
            part in {".venv", "tests", "bench", "migrations", "build", ".git"}
            for part in path.relative_to(ROOT).parts
        ):
            continue
        module = _module_name(path)
        source = probes.get(str(path.relative_to(ROOT)))
        for owner, forbidden in FORBIDDEN.items():
            if not _matches(module, owner):
                continue
            for lineno, name in _imports(path, source):
                if any(_matches(name, ok) for ok in ALLOWED.get(owner, ())):
                    continue
                for bad in forbidden:
                    if _matches(name, bad):
                        problems.append(f"{path.relative_to(ROOT)}:{lineno} {module} imports {name}")
    return problems


def test_dependency_direction() -> None:
    assert _violations() == []


def test_checker_catches_a_violation() -> None:
    found = _violations({"lims/domain/_arch_probe_tmp.py": "import flask\nfrom sqlalchemy import select\n"})
    assert any("imports flask" in v for v in found)
    assert any("imports sqlalchemy" in v for v in found)


def test_metrology_stands_alone_and_lims_domain_may_use_it() -> None:
    found = _violations(
        {
            "certificates/metrology/_arch_probe_tmp.py": (
                "from certificates.data import CertificateData\nimport reportlab\n"
            ),
            "lims/domain/_arch_probe_tmp2.py": (
                "from certificates.metrology import Verdict\nfrom certificates.pdf import render_pdf\n"
            ),
        }
    )
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


def test_the_status_table_loads_without_flask() -> None:
    """The bench CLI's direct database sink reads lims.web.status; it must not pull in the web app."""
    import subprocess
    import sys

    code = (
        "import sys, lims.web.status\n"
        "print(','.join(m for m in ('flask', 'flask_babel', 'flask_wtf', 'lims.app') if m in sys.modules))\n"
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


# --------------------------------------------------------------------------------------- lims.services layers

# Areas of lims.services from the bottom up. A module may import modules of its own area and of areas on a
# LOWER layer only; areas on the same layer never import each other. Put a new area package here.
SERVICE_LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"common"}),  # pagination, mail, in-app notifications, rate limits, storage: imports no area
    frozenset({"records", "access"}),  # audit trail, backups; accounts, tokens, authorisations, tenancy
    frozenset({"standards"}),  # standards, traceability, impact, CMC
    frozenset({"jobs"}),  # job lifecycle, a job's test points, procedures, workload
    frozenset({"customers", "bench"}),  # portal and requests (they create jobs); readings and point results
    frozenset({"certificates"}),  # built from a job's results: issue, data, register, signatures
    frozenset({"quality"}),  # nonconforming work, its notices, complaints, corrective action (they amend)
    frozenset({"programme"}),  # the city programme's indicators, read from every record above
    frozenset({"demo"}),  # demonstration data, written through the services above
)


def _service_modules(root: Path) -> dict[str, Path]:
    base = root / "lims" / "services"
    return {_module_name_under(root, path): path for path in sorted(base.rglob("*.py"))}


def _module_name_under(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def service_import_graph(root: Path = ROOT) -> dict[str, dict[str, int]]:
    """module -> {imported lims.services module: line}, counting imports at module level, inside functions
    and under ``if TYPE_CHECKING`` alike (a function-local import hides a cycle, it does not remove it)."""
    modules = _service_modules(root)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join([*base, node.module] if node.module else base)
                else:
                    source = node.module or ""
                # `from lims.services.bench import measurements` imports the module measurements
                names = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                    for alias in node.names
                ]
            for name in names:
                while name and name not in modules:  # `import lims.services.jobs.jobs.x` -> its module
                    name = name.rpartition(".")[0]
                if name and name != module and name != "lims.services":
                    edges.setdefault(name, node.lineno)
        graph[module] = edges
    return graph


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


def layer_violations(graph: dict[str, dict[str, int]]) -> list[str]:
    """Imports from an area to one on the same or a higher layer, and modules outside a known area."""
    rank = {area: level for level, areas in enumerate(SERVICE_LAYERS) for area in areas}
    problems: list[str] = []
    for module, edges in sorted(graph.items()):
        area = _area(module)
        if module == "lims.services":
            continue
        if area not in rank:
            problems.append(f"{module} is not in an area package listed in SERVICE_LAYERS")
            continue
        for target, line in sorted(edges.items()):
            other = _area(target)
            if other is None or other == area:
                continue
            if other not in rank or rank[other] >= rank[area]:
                problems.append(f"{module}:{line} imports {target} ({area} may not import {other})")
    return problems


def test_no_import_cycles_between_service_modules() -> None:
    """The areas of ../shared/house-style.md ("areas as packages"): a circle means a module does two jobs.

    Layers, bottom up (an area imports its own and lower layers only): common → records, access →
    standards → jobs → customers, bench → certificates → quality → programme → demo.
    """
    assert import_cycles(service_import_graph()) == []


def test_service_areas_import_only_lower_layers() -> None:
    """See :data:`SERVICE_LAYERS` for the order and what each layer holds."""
    assert layer_violations(service_import_graph()) == []


def _fake_services(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"__init__.py": "", **files}.items():
        path = root / "lims" / "services" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_cycle_check_sees_function_local_and_relative_imports(tmp_path: Path) -> None:
    root = _fake_services(
        tmp_path,
        {
            "jobs/__init__.py": "",
            "jobs/jobs.py": "def measured():\n    from lims.services.bench.measurements import done\n",
            "bench/__init__.py": "",
            "bench/measurements.py": "from lims.services.jobs import jobs\nfrom .readings import x\n",
            "bench/readings.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from lims.services.bench import measurements\n",
        },
    )
    graph = service_import_graph(root)
    assert graph["lims.services.bench.measurements"] == {
        "lims.services.jobs.jobs": 1,
        "lims.services.bench.readings": 2,
    }
    assert import_cycles(graph) == [
        ["lims.services.bench.measurements", "lims.services.bench.readings", "lims.services.jobs.jobs"]
    ]
    assert layer_violations(graph) == [
        "lims.services.jobs.jobs:2 imports lims.services.bench.measurements (jobs may not import bench)"
    ]


def test_the_layer_check_refuses_siblings_and_unknown_areas(tmp_path: Path) -> None:
    root = _fake_services(
        tmp_path,
        {
            "customers/portal.py": "import lims.services.bench.readings\n",
            "bench/readings.py": "from lims.services.common.storage import Storage\n",
            "common/storage.py": "",
            "flat.py": "",
        },
    )
    graph = service_import_graph(root)
    assert import_cycles(graph) == []
    assert layer_violations(graph) == [
        "lims.services.customers.portal:1 imports lims.services.bench.readings (customers may not import bench)",
        "lims.services.flat is not in an area package listed in SERVICE_LAYERS",
    ]


# ------------------------------------------------------------------------------------------ no SQL in views

# Views call services; the queries live in the service that owns the concept. A view may name the Session
# type in an annotation (`from sqlalchemy.orm import Session`); any other use of SQLAlchemy is refused,
# except in these modules, which handle the database connection itself rather than query it:
WEB_SQLALCHEMY_KNOWN: dict[str, str] = {
    "lims.web.dbsession": "opens, commits and closes the request's session",
    "lims.web.errors": "maps a lost database (DBAPIError, OperationalError) to 503 and a full disk to 507",
    "lims.web.notifications.views": "the header bell still renders after a failed transaction (SQLAlchemyError)",
}
WEB_SQLALCHEMY_ALLOWED = frozenset({"sqlalchemy.orm", "sqlalchemy.orm.Session"})


def web_sqlalchemy_uses(root: Path = ROOT) -> list[str]:
    problems: list[str] = []
    for path in sorted((root / "lims" / "web").rglob("*.py")):
        module = _module_name_under(root, path)
        if module in WEB_SQLALCHEMY_KNOWN:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                source = node.module or ""
                names = [source] if source != "sqlalchemy.orm" else [f"{source}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if _matches(name, "sqlalchemy") and name not in WEB_SQLALCHEMY_ALLOWED:
                    problems.append(f"{path.relative_to(root)}:{node.lineno} {module} imports {name}")
    return problems


def test_views_run_no_queries_themselves() -> None:
    assert web_sqlalchemy_uses() == []


def test_the_view_check_refuses_select_and_text(tmp_path: Path) -> None:
    views = tmp_path / "lims" / "web" / "things"
    views.mkdir(parents=True)
    (views / "views.py").write_text(
        "from sqlalchemy import select\nfrom sqlalchemy.orm import Session, selectinload\nimport sqlalchemy\n"
        "def page():\n    from sqlalchemy import text\n",
        encoding="utf-8",
    )
    assert web_sqlalchemy_uses(tmp_path) == [
        "lims/web/things/views.py:1 lims.web.things.views imports sqlalchemy",
        "lims/web/things/views.py:2 lims.web.things.views imports sqlalchemy.orm.selectinload",
        "lims/web/things/views.py:3 lims.web.things.views imports sqlalchemy",
        "lims/web/things/views.py:5 lims.web.things.views imports sqlalchemy",
    ]
