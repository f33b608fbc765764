"""Every install is Vietnamese: the build (setup.py's build_py step) compiles the message catalogues."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.support import Translations

from tests.loadfile import load_file

ROOT = Path(__file__).resolve().parents[1]


def _setup_module():  # type: ignore[no-untyped-def]
    return load_file("lims_setup", ROOT / "setup.py")  # setup() runs only as __main__


def test_the_build_step_compiles_every_catalogue(tmp_path: Path) -> None:
    written = _setup_module().compile_catalogues(ROOT, tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "lims/web/translations/vi/LC_MESSAGES/messages.mo"
    ]
    translations = Translations.load(str(tmp_path / "lims/web/translations"), ["vi"], "messages")
    assert translations.gettext("Dashboard") == "Tổng quan"
    assert translations.gettext("Awaiting my review") == "Chờ tôi soát xét"


def test_the_build_uses_the_step_and_can_run_it() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(req.startswith("babel") for req in pyproject["build-system"]["requires"])
    module = _setup_module()
    assert module.BuildPyWithCatalogues.run is not module.build_py.run  # the step is wired into build_py


@pytest.mark.slow
def test_a_wheel_built_from_clean_sources_holds_the_compiled_catalogue(tmp_path: Path) -> None:
    """What `pip install .` builds: pip's isolated build of a copy of the sources without any ``.mo`` (as a
    fresh clone or an sdist has) writes a wheel whose catalogue translates the interface into Vietnamese."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "*.pyc")
    for package in ("lims", "certificates", "instruments"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    assert not list(source.rglob("*.mo"))
    out = tmp_path / "dist"
    result = subprocess.run(  # an isolated build, with the build requirements pyproject.toml names
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = out.glob("lims-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read("lims/web/translations/vi/LC_MESSAGES/messages.mo")
    translations = Translations(io.BytesIO(data), domain="messages")
    assert translations.gettext("Dashboard") == "Tổng quan"
