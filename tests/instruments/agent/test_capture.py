"""Bench capture against the contract server: exactly-once delivery across server deaths and restarts."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from instruments.agent.journal import Journal
from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.pty import PtySimulator
from lims.cli import cli

SERVER = Path(__file__).with_name("contract_server.py")
JOB, POINT, TOKEN = "J-2026-0042", "P1", "bench-token-123"


class ContractServer:
    def __init__(self, store: Path) -> None:
        self.store = store
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self, *extra: str) -> str:
        args = [sys.executable, str(SERVER), "--store", str(self.store), "--token", TOKEN]
        if self.port:
            args += ["--port", str(self.port)]
        self.process = subprocess.Popen([*args, *extra], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("LISTENING "), line
        self.port = int(line.split()[1])
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def stored(self) -> list[dict]:
        db = sqlite3.connect(self.store)
        try:
            return [json.loads(body) for (body,) in db.execute("SELECT body FROM reading ORDER BY rowid")]
        finally:
            db.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ContractServer]:
    s = ContractServer(tmp_path / "server.sqlite3")
    yield s
    s.stop()


@pytest.fixture
def balance() -> Iterator[PtySimulator]:
    sim = PtySimulator(MtSicsSimulator(drift_digits=2, seed=11))
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def capture(port: str, url: str, token: Path, journal: Path, *extra: str):
    return CliRunner().invoke(
        cli,
        [
            "bench",
            "capture",
            "--job",
            JOB,
            "--point",
            POINT,
            "--port",
            port,
            "--driver",
            "mt-sics",
            "--server",
            url,
            "--token-file",
            str(token),
            "--journal",
            str(journal),
            "--json",
            *extra,
        ],
    )


def test_capture_delivers_every_reading_once(
    tmp_path: Path, server: ContractServer, balance: PtySimulator, token_file: Path
) -> None:
    url = server.start()
    journal = tmp_path / "journal.sqlite3"
    result = capture(balance.path, url, token_file, journal, "--count", "5")
    assert result.exit_code == 0, result.stderr
    stored = server.stored()
    assert [r["seq"] for r in stored] == [1, 2, 3, 4, 5]
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["value"] for r in stored] == [p["value"] for p in printed]  # the decimal strings as sent
    assert all(r["instrument"]["serial_number"] == "B123456789" for r in stored)
    assert Journal(journal).counts() == {"pending": 0, "sent": 5, "rejected": 0}


def test_server_killed_mid_capture_then_restart_resends_exactly_once(
    tmp_path: Path, server: ContractServer, balance: PtySimulator, token_file: Path
) -> None:
    # The server dies on its 3rd request *after* committing that batch and *before* answering.
    url = server.start("--die-after-store", "3")
    journal = tmp_path / "journal.sqlite3"
    result = capture(
        balance.path,
        url,
        token_file,
        journal,
        "--count",
        "12",
        "--interval",
        "0.02",
        "--flush-timeout",
        "0.5",
    )
    assert result.exit_code == 3, result.stderr  # readings captured, some not confirmed
    assert "server unavailable" in result.stderr
    assert server.process is not None and server.process.wait(timeout=10) == 17
    before = Journal(journal).counts()
    assert before["pending"] > 0 and before["pending"] + before["sent"] == 12
    stored_while_dying = len(server.stored())
    assert stored_while_dying > before["sent"]  # the dying request stored readings it never confirmed

    server.stop()
    server.start()  # restarted on the same port with the same store
    again = capture(balance.path, server.url, token_file, journal, "--count", "3")
    assert again.exit_code == 0, again.stderr

    stored = server.stored()
    keys = [r["idempotency_key"] for r in stored]
    assert len(keys) == len(set(keys)) == 15  # 12 + 3: nothing lost, nothing doubled
    first_run = sorted(r["seq"] for r in stored if r["idempotency_key"].startswith(keys[0].rsplit("-", 1)[0]))
    assert first_run == list(range(1, 13))
    assert Journal(journal).counts() == {"pending": 0, "sent": 15, "rejected": 0}


def test_flush_resends_after_outage(
    tmp_path: Path, server: ContractServer, balance: PtySimulator, token_file: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    server.start()
    url = server.url
    server.stop()  # nothing listens: the whole capture happens during an outage
    result = capture(balance.path, url, token_file, journal, "--count", "4", "--flush-timeout", "0")
    assert result.exit_code == 3
    assert Journal(journal).counts()["pending"] == 4
    server.start()
    flushed = CliRunner().invoke(
        cli, ["bench", "flush", "--server", url, "--token-file", str(token_file), "--journal", str(journal)]
    )
    assert flushed.exit_code == 0, flushed.stderr
    assert [r["seq"] for r in server.stored()] == [1, 2, 3, 4]
    again = CliRunner().invoke(
        cli, ["bench", "flush", "--server", url, "--token-file", str(token_file), "--journal", str(journal)]
    )
    assert again.exit_code == 0 and len(server.stored()) == 4


def test_bad_token_keeps_readings_in_journal(
    tmp_path: Path, server: ContractServer, balance: PtySimulator
) -> None:
    url = server.start()
    wrong = tmp_path / "wrong-token"
    wrong.write_text("not-the-token")
    journal = tmp_path / "journal.sqlite3"
    result = capture(balance.path, url, wrong, journal, "--count", "2")
    assert result.exit_code == 1
    assert "HTTP 401" in result.stderr and "invalid bench token" in result.stderr
    assert Journal(journal).counts()["pending"] >= 1
    assert server.stored() == []


def test_unknown_point_is_refused(
    tmp_path: Path, server: ContractServer, balance: PtySimulator, token_file: Path
) -> None:
    url = server.start()
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "capture",
            "--job",
            JOB,
            "--point",
            "P9",
            "--port",
            balance.path,
            "--driver",
            "mt-sics",
            "--server",
            url,
            "--token-file",
            str(token_file),
            "--journal",
            str(tmp_path / "j.sqlite3"),
            "--count",
            "1",
        ],
    )
    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr and "P9" in result.stderr


@pytest.mark.parametrize(("token_text", "message"), [(None, "token-file"), ("", "is empty")])
def test_token_file_problems_exit_2(tmp_path: Path, token_text: str | None, message: str) -> None:
    token = tmp_path / "token"
    if token_text is not None:
        token.write_text(token_text)
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "capture",
            "--job",
            JOB,
            "--point",
            POINT,
            "--port",
            "loop://",
            "--driver",
            "mt-sics",
            "--server",
            "http://127.0.0.1:9",
            "--token-file",
            str(token),
            "--journal",
            str(tmp_path / "j.sqlite3"),
        ],
    )
    assert result.exit_code == 2
    assert message in result.stderr
