"""The operator's commands, run as a user would: a real process, a real database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands.process import CliDemo, run


@pytest.fixture(scope="module")
def deployment(cli_demo: CliDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the deployment ``lims db upgrade`` and ``lims demo --if-empty`` made (see conftest)."""
    result = cli_demo.result
    assert "admin" in result.stdout and "ky.thu" in result.stdout and "kh.annam" in result.stdout
    return cli_demo.copy(tmp_path_factory)


def test_demo_is_kept_on_rerun(deployment: Path) -> None:
    result = run(["demo", "--if-empty"], deployment)
    assert result.returncode == 0
    assert "keeping the existing data" in result.stderr


def test_audit_verify_passes_then_catches_tampering(tmp_path: Path, deployment: Path) -> None:
    result = run(["audit", "verify"], deployment)
    assert result.returncode == 0 and "intact" in result.stdout
    copy = tmp_path / "instance"
    copy.mkdir()
    (copy / "lims.db").write_bytes((deployment / "lims.db").read_bytes())
    with sqlite3.connect(copy / "lims.db") as db:
        db.execute("UPDATE audit_entry SET changes = '{}' WHERE seq = 7")
    result = run(["audit", "verify"], copy)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line
    assert "audit entry #7" in result.stderr


def test_create_user_with_weak_password_exits_2(deployment: Path) -> None:
    result = run(
        ["users", "create", "ktv.moi", "--full-name", "Kỹ thuật viên Mới", "--role", "technician"],
        deployment,
        LIMS_NEW_USER_PASSWORD="weak",
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "too weak" in result.stderr


def test_create_duplicate_user_exits_2(deployment: Path) -> None:
    result = run(
        ["users", "create", "admin", "--full-name", "X", "--role", "admin"],
        deployment,
        LIMS_NEW_USER_PASSWORD="Strong#Pass2026x",
    )
    assert result.returncode == 2 and "already taken" in result.stderr


def test_create_user(deployment: Path) -> None:
    result = run(
        ["users", "create", "ktv.hoa", "--full-name", "Nguyễn Thị Hoa", "--role", "technician"],
        deployment,
        LIMS_NEW_USER_PASSWORD="Strong#Pass2026x",
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(deployment / "lims.db") as db:
        assert db.execute("SELECT full_name FROM user_account WHERE username='ktv.hoa'").fetchone() == (
            "Nguyễn Thị Hoa",
        )


def test_unknown_command_exits_2(deployment: Path) -> None:
    result = run(["no-such-command"], deployment)
    assert result.returncode == 2 and result.stderr.startswith("error:")


def test_secret_key_is_generated_once(deployment: Path) -> None:
    key = (deployment / "secret_key").read_text() if (deployment / "secret_key").exists() else None
    code = "from lims.config import Settings, load_secret_key; print(load_secret_key(Settings.from_env()))"
    env = {**os.environ, "LIMS_INSTANCE_PATH": str(deployment)}
    env.pop("LIMS_SECRET_KEY", None)
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 32
    assert key is None or key.strip() == first.stdout.strip()
    assert oct((deployment / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_reminders_send_delivers_by_smtp_once(deployment: Path) -> None:
    """``lims reminders send`` against a local aiosmtpd server: the demo's due instruments arrive, once."""
    import socket

    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            received.append(envelope.content)  # type: ignore[attr-defined]
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            "LIMS_MAIL_SERVER": "127.0.0.1",
            "LIMS_MAIL_PORT": str(port),
            "LIMS_MAIL_SENDER": "lab@example.vn",
        }
        first = run(["reminders", "send", "--days", "30"], deployment, **env)
        assert first.returncode == 0, first.stderr
        assert received and f"{len(received)} sent" in first.stdout
        again = run(["reminders", "send", "--days", "30"], deployment, **env)
        assert again.returncode == 0 and "0 reminders queued, 0 sent" in again.stdout
        bad = run(["reminders", "send", "--today", "31/12/2027"], deployment, **env)
        assert bad.returncode == 2 and "not a date" in bad.stderr
    finally:
        controller.stop()
