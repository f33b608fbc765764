"""The ``lims`` command run as a user would: a real process, a real instance folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.commands import zygote


def run(args: list[str], instance: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "LIMS_INSTANCE_PATH": str(instance), **env}
    environ.pop("LIMS_DATABASE_URL", None)
    return zygote.run(args, environ)


@dataclass(frozen=True)
class CliDemo:
    """The deployment ``lims db upgrade`` and ``lims demo --if-empty`` made (tests/commands/conftest.py)."""

    instance: Path
    result: subprocess.CompletedProcess[str]  # what `lims demo --if-empty` printed

    def copy(self, tmp_path_factory: pytest.TempPathFactory) -> Path:
        """A new instance folder holding a copy of the demo deployment (its SQLite database, its files)."""
        target = tmp_path_factory.mktemp("instance")
        shutil.copytree(self.instance, target, dirs_exist_ok=True)
        return target
