"""The demo deployment the command tests share: ``lims db upgrade`` and ``lims demo --if-empty`` run once per test
run as real processes (by the first pytest-xdist worker that needs it: tests/builtonce.py); each test process
gets its own copy of the deployment, and each test module works on its own copy of that, so what one module
changes (users created, requests decided) no other module sees."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import builtonce
from tests.commands.process import CliDemo, run

# Certificates issued by the demo carry this public address in their QR codes and DCCs.
DEMO_PUBLIC_URL = "https://lims.example.vn"


def _deploy(folder: Path) -> None:
    """``folder/instance``: the deployment; ``folder/demo.json``: what ``lims demo --if-empty`` printed."""
    instance = folder / "instance"
    instance.mkdir(parents=True)
    upgraded = run(["db", "upgrade"], instance)
    assert upgraded.returncode == 0, upgraded.stderr
    result = run(["demo", "--if-empty"], instance, LIMS_PUBLIC_URL=DEMO_PUBLIC_URL)
    assert result.returncode == 0, result.stderr
    printed = {"args": result.args, "returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}
    (folder / "demo.json").write_text(json.dumps(printed))


@pytest.fixture(scope="session")
def cli_demo(tmp_path_factory: pytest.TempPathFactory) -> CliDemo:
    built = builtonce.built_once(tmp_path_factory, "cli-demo", _deploy)
    instance = tmp_path_factory.mktemp("demo-deployment")
    shutil.copytree(built / "instance", instance, dirs_exist_ok=True)
    printed = json.loads((built / "demo.json").read_text())
    return CliDemo(instance, subprocess.CompletedProcess(**printed))
