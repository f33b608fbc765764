"""Every install is Vietnamese: the build (setup.py's build_py step) compiles the message catalogues."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

from babel.support import Translations

ROOT = Path(__file__).resolve().parents[1]


def _setup_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("lims_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() runs only as __main__
    return module


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
