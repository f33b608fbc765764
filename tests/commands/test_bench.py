"""``lims bench`` commands end to end against pty simulators (simulate runs as a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from instruments.settings import Framing, SerialSettings
from instruments.simulators.faults import Faults
from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.pty import PtySimulator
from instruments.simulators.scpi import DmmSimulator
from instruments.transport import SerialTransport
from lims.cli import cli


@pytest.fixture
def sim(tmp_path: Path):
    running: list[PtySimulator] = []

    def start(instrument, faults=None, link=False):
        s = PtySimulator(instrument, faults, link=tmp_path / "ttyBENCH" if link else None)
        s.start()
        running.append(s)
        return s

    yield start
    for s in running:
        s.stop()


def invoke(*args: str):
    return CliRunner().invoke(cli, ["bench", *args])


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_drivers_lists_stable_names() -> None:
    result = invoke("drivers")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert {"mt-sics", "scpi-dmm", "fluke-5520a", "fluke-1529", "druck-pace", "sartorius-sbi"} <= set(names)


def test_read_json_balance(sim) -> None:
    s = sim(MtSicsSimulator(load="200.0001"))
    result = invoke("read", "--port", s.path, "--driver", "mt-sics", "--count", "3", "--json")
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["seq"] for line in lines] == [1, 2, 3]
    first = lines[0]
    assert first["value"] == "200.0001" and first["unit"] == "g" and first["stable"] is True
    assert first["raw"] == "S S   200.0001 g\r\n"
    assert first["time"].endswith("Z")
    assert first["instrument"]["serial_number"] == "B123456789"


def test_read_json_multimeter_keeps_nr3_string(sim) -> None:
    s = sim(DmmSimulator(seed=2))
    result = invoke("read", "--port", s.path, "--driver", "scpi-dmm", "--count", "2", "--json")
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    assert all(line["raw"] == line["value"] + "\r\n" for line in lines)
    assert all("E" in line["value"] and line["stable"] is None for line in lines)


def test_faults_are_json_errors_and_count_is_good_readings(sim) -> None:
    s = sim(MtSicsSimulator(), Faults(seed=1, schedule={5: "garble", 8: "drop"}))
    result = invoke(
        "read", "--port", s.path, "--driver", "mt-sics", "--count", "3", "--json", "--timeout", "0.3"
    )
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    errors = [line for line in lines if "error" in line]
    readings = [line for line in lines if "error" not in line]
    assert [e["kind"] for e in errors] == ["MalformedFrame", "InstrumentTimeout"]
    assert "value" not in errors[0] and errors[0]["raw"].endswith("\r\n")
    assert [r["seq"] for r in readings] == [1, 2, 3]


def test_read_survives_cable_pull(sim) -> None:
    s = sim(MtSicsSimulator(), Faults(disconnect_after=8, reopen_ms=200), link=True)
    result = invoke("read", "--port", s.path, "--driver", "mt-sics", "--count", "5", "--json")
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    # the simulator unplugs after every 8th reply (I2 and I4 twice each, two confirmed SI readings of two
    # replies each): two pulls in five readings
    kinds = [line["kind"] for line in lines if "error" in line]
    assert kinds.count("Disconnected") == 2
    assert set(kinds) <= {"Disconnected", "PortUnavailable"}  # reconnect attempts while still unplugged
    assert [line["seq"] for line in lines if "error" not in line] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--driver", "no-such"], "unknown driver 'no-such'"),
        (["--driver", "mt-sics", "--serial", "9600,9N1"], "bytesize"),
        (["--driver", "mt-sics", "--serial", "fast"], "baudrate"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("read", "--port", str(tmp_path / "ttyUSB0"), *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_port_exits_2(tmp_path: Path) -> None:
    result = invoke("read", "--port", str(tmp_path / "ttyUSB7"), "--driver", "mt-sics")
    assert result.exit_code == 2
    assert "ttyUSB7" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_busy_port_exits_2(sim) -> None:
    s = sim(MtSicsSimulator())
    with SerialTransport(s.path, SerialSettings(), Framing()):
        result = invoke("read", "--port", s.path, "--driver", "mt-sics", "--count", "1")
    assert result.exit_code == 2
    assert "busy" in result.stderr


def test_simulate_prints_device_path_and_serves() -> None:
    code = "from lims.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "bench", "simulate", "--driver", "scpi-dmm", "--seed", "7"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        result = invoke("read", "--port", path, "--driver", "scpi-dmm", "--count", "2", "--json")
        assert result.exit_code == 0, result.stderr
        assert len(json_lines(result.stdout)) == 2
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_simulate_unknown_driver_exits_2() -> None:
    result = invoke("simulate", "--driver", "nope")
    assert result.exit_code == 2
    assert "unknown driver" in result.stderr


def test_profile_without_value_group_exits_2_naming_the_field(tmp_path: Path) -> None:
    profile = tmp_path / "scale.toml"
    profile.write_text('name = "scale"\nunit = "g"\npattern = \'(?P<weight>[0-9.]+) g\'\n')
    result = invoke("read", "--port", "loop://", "--driver", f"line:{profile}")
    assert result.exit_code == 2
    assert "scale.toml: pattern: has no (?P<value>" in result.stderr


def test_text_output_and_faults_on_stderr(sim) -> None:
    s = sim(MtSicsSimulator(load="5.000"), Faults(schedule={5: "wrong"}))
    result = invoke("read", "--port", s.path, "--driver", "mt-sics", "--count", "1")
    assert result.exit_code == 0
    assert result.stdout.split() == ["1", "5.000", "g", "stable"]
    assert "fault:" in result.stderr and "reply ID 'I4'" in result.stderr


def test_bench_command_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, lims.commands.bench\n"
        "print(','.join(m for m in ('flask', 'sqlalchemy', 'lims.app', 'lims.db') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    ("make", "driver", "reply"),
    [
        (MtSicsSimulator, "mt-sics", 1),  # I2
        (MtSicsSimulator, "mt-sics", 3),  # I4
        (DmmSimulator, "scpi-dmm", 1),  # *IDN?
        (DmmSimulator, "scpi-dmm", 3),  # SYST:ERR?
        (DmmSimulator, "scpi-dmm", 4),  # CONF?
    ],
)
def test_garbled_or_dropped_connect_reply_is_retried_not_an_exit(sim, make, driver: str, reply: int) -> None:
    for fault in ("garble", "drop"):
        s = sim(make(), Faults(seed=3, schedule={reply: fault}))
        result = invoke("read", "--port", s.path, "--driver", driver, "--count", "2", "--json", "--timeout", "0.3")
        assert result.exit_code == 0, result.stderr
        lines = json_lines(result.stdout)
        errors = [line for line in lines if "error" in line]
        assert errors and errors[0]["kind"] in ("MalformedFrame", "InstrumentTimeout", "ErrorReply")
        assert [line["seq"] for line in lines if "error" not in line] == [1, 2]


def test_connect_that_never_succeeds_exits_2_after_reporting_each_try(sim) -> None:
    instrument = MtSicsSimulator()
    instrument.handle = (  # type: ignore[method-assign]
        lambda command: ['I2 A "XPE205 220.00 g"'] if command == "I2" else ["ES"]
    )
    s = sim(instrument)
    result = invoke("read", "--port", s.path, "--driver", "mt-sics", "--count", "1", "--timeout", "0.3")
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "did not complete its connect sequence in 5 tries" in last and "ES" in last
    # each of the five tries was reported on its own line before the final one
    tries = [line for line in result.stderr.splitlines() if "connect try" in line]
    assert [line.split(" failed")[0] for line in tries] == [f"fault: connect try {n} of 5" for n in range(1, 6)]


def test_capture_journals_rejected_frames_with_their_bytes(sim, tmp_path: Path) -> None:
    from instruments.agent.journal import Journal

    s = sim(MtSicsSimulator(), Faults(seed=1, schedule={5: "wrong"}))
    journal = tmp_path / "journal.sqlite3"
    token = tmp_path / "token"
    token.write_text("t0ken\n")
    result = invoke(
        "capture", "--job", "J-1", "--point", "P1", "--port", s.path, "--driver", "mt-sics", "--count", "2",
        "--server", "http://127.0.0.1:9", "--token-file", str(token), "--journal", str(journal),
        "--flush-timeout", "0",
    )
    assert result.exit_code == 3, result.stderr  # readings kept: the server is unreachable
    kept = Journal(journal)
    try:
        faults, pending = kept.faults(), kept.pending()
    finally:
        kept.close()
    assert [f.kind for f in faults] == ["UnexpectedReply"]
    assert faults[0].raw == b'I4 A "B123456789"\r\n'
    assert len(pending) == 2 and all(not entry.payload["raw"].startswith("I4") for entry in pending)
