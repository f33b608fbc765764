"""The demo deployment the command tests share: ``lims db upgrade`` and ``lims demo --if-empty`` run once per test
run as real processes; each test module works on its own copy of the instance folder, so what one module
changes (users created, requests decided) no other module sees."""

from __future__ import annotations

import pytest

from tests.commands.process import CliDemo, run

# Certificates issued by the demo carry this public address in their QR codes and DCCs.
DEMO_PUBLIC_URL = "https://lims.example.vn"


@pytest.fixture(scope="session")
def cli_demo(tmp_path_factory: pytest.TempPathFactory) -> CliDemo:
    instance = tmp_path_factory.mktemp("demo-deployment")
    upgraded = run(["db", "upgrade"], instance)
    assert upgraded.returncode == 0, upgraded.stderr
    result = run(["demo", "--if-empty"], instance, LIMS_PUBLIC_URL=DEMO_PUBLIC_URL)
    assert result.returncode == 0, result.stderr
    return CliDemo(instance, result)
