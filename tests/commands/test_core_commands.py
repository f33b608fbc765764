"""The operator's commands, run as a user would: a real process, a real database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands import zygote
from tests.commands.process import CliDemo, run
from tests.mailbox import local_smtp


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
    with local_smtp() as mail:
        env = mail.env
        first = run(["reminders", "send", "--days", "30"], deployment, **env)
        assert first.returncode == 0, first.stderr
        assert mail.inbox.messages and f"{len(mail.inbox.messages)} sent" in first.stdout
        again = run(["reminders", "send", "--days", "30"], deployment, **env)
        assert again.returncode == 0 and "0 reminders queued, 0 sent" in again.stdout
        bad = run(["reminders", "send", "--today", "31/12/2027"], deployment, **env)
        assert bad.returncode == 2 and "not a date" in bad.stderr


def test_audit_verify_on_a_database_without_tables_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Issue 21: ``lims audit verify`` on an empty database printed a traceback."""
    instance = tmp_path / "empty"
    instance.mkdir()
    sqlite3.connect(instance / "lims.db").close()
    result = run(["audit", "verify"], instance)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no LIMS tables" in result.stderr and "lims db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_audit_verify_on_an_empty_postgresql_schema_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import uuid

    from sqlalchemy import create_engine

    from tests.conftest import NO_POSTGRES, POSTGRES_URL, _with_search_path

    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"lims_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        environ = {
            **os.environ,
            "LIMS_INSTANCE_PATH": str(tmp_path),
            "LIMS_DATABASE_URL": _with_search_path(POSTGRES_URL, schema),
        }
        result = zygote.run(["audit", "verify"], environ)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "no LIMS tables" in result.stderr
        assert "audit_entry" in result.stderr and not (tmp_path / "lims.db").exists()  # PostgreSQL, not a file
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def test_deleting_the_last_audit_entries_and_moving_the_head_back_is_caught(
    tmp_path: Path, deployment: Path
) -> None:
    """Issue 21: the chain alone stays consistent when its end is cut off and the head moved back; the
    signed anchor file in the instance folder (written at every commit) is what catches it."""
    import shutil
    import stat

    anchor = deployment / "audit_anchor.log"
    assert anchor.exists() and stat.S_IMODE(anchor.stat().st_mode) == 0o600
    copy = tmp_path / "instance"
    shutil.copytree(deployment, copy)
    with sqlite3.connect(copy / "lims.db") as db:
        last = db.execute("SELECT max(seq) FROM audit_entry").fetchone()[0]
        keep = last - 3
        new_head = db.execute("SELECT hash FROM audit_entry WHERE seq = ?", (keep,)).fetchone()[0]
        db.execute("DELETE FROM audit_entry WHERE seq > ?", (keep,))
        db.execute("UPDATE audit_chain_head SET seq = ?, hash = ?", (keep, new_head))
    result = run(["audit", "verify"], copy)
    assert result.returncode == 1, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"audit entries #{keep + 1} to #{last} are missing at the end" in result.stderr

    # a forged anchor line (without the key) is itself reported
    forged = tmp_path / "forged"
    shutil.copytree(deployment, forged)
    with open(forged / "audit_anchor.log", "a", encoding="utf-8") as handle:
        handle.write(f"{last + 5}\t{'0' * 64}\t2026-12-06T05:00:00+00:00\t{'f' * 64}\n")
    result = run(["audit", "verify"], forged)
    assert result.returncode == 1 and "is not signed by this deployment's key" in result.stderr


def test_audit_verify_reports_the_anchor_when_intact(deployment: Path) -> None:
    result = run(["audit", "verify"], deployment)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout and "anchored up to #" in result.stdout


def test_audit_verify_reports_a_certificate_status_changed_in_sql(tmp_path: Path, deployment: Path) -> None:
    import shutil

    copy = tmp_path / "instance"
    shutil.copytree(deployment, copy)
    with sqlite3.connect(copy / "lims.db") as db:
        (cert_id,) = db.execute("SELECT min(id) FROM certificate WHERE status = 'valid'").fetchone()
        db.execute("UPDATE certificate SET status = 'withdrawn' WHERE id = ?", (cert_id,))
    result = run(["audit", "verify"], copy)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"certificate {cert_id}: status is 'withdrawn' in the database but 'valid'" in result.stderr
