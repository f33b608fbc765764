"""``lims demo --scale N`` as an operator runs it: a real process on a database of its own."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from lims.migrate import upgrade
from tests.commands import zygote


@pytest.fixture
def empty_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite database. The command's output, exit codes and refusal are the same on either
    database; loading the grown demo into PostgreSQL is tested in-process (tests/services/test_demo_scale.py,
    on both backends), so the real process runs once, on SQLite."""
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    upgrade(url)
    return url


def run(args: list[str], url: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIMS_INSTANCE_PATH": str(instance), "LIMS_DATABASE_URL": url}
    return zygote.run(args, env)  # a real process, forked from the zygote (tests/commands/zygote.py)


def test_scale_loads_once_then_refuses(empty_url: str, tmp_path: Path) -> None:
    result = run(["demo", "--scale", "150", "--seed", "4", "--json"], empty_url, tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["instruments"] == 150 and report["rows"]["customer_instrument"] == 150
    assert report["rows"]["enterprise"] == 1 and report["rows"]["job"] == 150
    assert report["rows"]["audit_entry"] > 150
    verify = run(["audit", "verify"], empty_url, tmp_path)
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stderr
    again = run(["demo", "--scale", "150"], empty_url, tmp_path)
    assert again.returncode == 2
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "already holds data" in lines[0], again.stderr
