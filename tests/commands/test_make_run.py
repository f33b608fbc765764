"""`make run` points the QR codes at the address it serves on (issue 17, item 6).

The Makefile's commands are replaced by stand-ins (``BIN=``) that print the environment they were given, so
the test runs no server, no install and no demo build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")


def _run(tmp_path: Path, *args: str, **env: str) -> list[str]:
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    for tool in ("lims", "flask", "pybabel", "python"):
        script = fake / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $LIMS_PUBLIC_URL $LIMS_DEMO"\n')
        script.chmod(0o755)
    stamp = fake / ".installed"
    stamp.touch()  # newer than pyproject.toml: nothing to install
    environ = {k: v for k, v in os.environ.items() if k not in {"LIMS_PUBLIC_URL", "LIMS_DEMO", "MAKEFLAGS"}}
    environ.update(env, LIMS_INSTANCE_PATH=str(tmp_path / "instance"))
    assert MAKE is not None
    done = subprocess.run(
        [MAKE, "-s", "-C", str(ROOT), "run", f"BIN={fake}", f"STAMP={stamp}", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if line.startswith(("lims ", "flask "))]


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_public_url_follows_host_and_port_and_marks_a_demo(tmp_path: Path) -> None:
    lines = _run(tmp_path, "HOST=10.1.2.3", "PORT=8080")
    assert lines == ["lims http://10.1.2.3:8080 1", "lims http://10.1.2.3:8080 1", "flask http://10.1.2.3:8080 1"]


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_a_public_url_given_is_kept(tmp_path: Path) -> None:
    lines = _run(tmp_path, "PORT=8080", LIMS_PUBLIC_URL="https://kiemdinh.example.vn", LIMS_DEMO="0")
    assert set(lines) == {"lims https://kiemdinh.example.vn 0", "flask https://kiemdinh.example.vn 0"}
