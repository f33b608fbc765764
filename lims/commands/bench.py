"""``lims bench``: bench instruments from the command line (no Flask).

``drivers`` lists the stable driver names; ``read`` prints readings (JSON lines with ``--json``);
``simulate`` serves a simulated instrument on a pseudo-terminal; ``capture`` journals readings for a job's
test point and delivers them to the lab server (docs/bench-agent.md), or with ``--database`` straight into
the lab's database (``LIMS_DATABASE_URL``) on the authority of ``--user``; ``flush`` resends what the journal
still holds. ``station-add``/``stations`` configure bench stations and ``station`` runs a station's worker,
which takes the captures queued from the bench page. Bad input (unknown driver, missing or busy port,
settings the port rejects) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from instruments import registry
from instruments.acquisition import Fault, TooManyFaults, acquire
from instruments.agent.capture import BackgroundSender, Capture, Deliverer
from instruments.agent.http_sink import HttpSink
from instruments.agent.journal import Journal
from instruments.agent.sink import SinkRefused
from instruments.drivers.base import Backoff, Driver, DriverOptions
from instruments.errors import InstrumentError
from instruments.reading import Reading, utc_now
from instruments.settings import parse_settings
from instruments.simulators.faults import Faults
from instruments.simulators.pty import PtySimulator
from lims.cli import fail

if TYPE_CHECKING:
    from instruments.agent.sink import Sink

EXIT_UNSENT = 3


def default_journal() -> Path:
    """``$LIMS_BENCH_JOURNAL``, else ``$XDG_DATA_HOME/lims/bench-journal.sqlite3``."""
    if os.environ.get("LIMS_BENCH_JOURNAL"):
        return Path(os.environ["LIMS_BENCH_JOURNAL"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "lims" / "bench-journal.sqlite3"


def _emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj))


def _open_driver(port: str, driver_name: str, serial: str | None, timeout_s: float | None, *,
                 as_json: bool = False, confirm: bool = True, unit: str | None = None,
                 record: Callable[[Fault], None] | None = None) -> Driver:
    """Open the instrument or exit 2 with one line naming what is wrong.

    A fault during the connect sequence is printed like any fault and the sequence is retried with
    bounded back-off; only when every try failed does the command exit 2.
    """

    recorded: list[InstrumentError] = []

    def on_fault(error: InstrumentError) -> None:
        fault = Fault(error, utc_now())
        _show(fault, as_json)
        if record is not None:
            record(fault)
            recorded[:] = [error]

    def on_retry(attempt: int, error: InstrumentError) -> None:
        fault = Fault(error, utc_now())
        if as_json:
            _emit({**fault.to_json_dict(), "connect_try": attempt, "connect_tries": options.connect_tries})
        else:
            click.echo(f"fault: connect try {attempt} of {options.connect_tries} failed: {error}", err=True)
        if record is not None and not (recorded and recorded[0] is error):
            record(fault)

    try:
        entry = registry.get(driver_name)
        settings = parse_settings(serial) if serial else None
        framing = entry.framing.with_timeout(timeout_s) if timeout_s else None
        options = DriverOptions(confirm=confirm, unit=unit, on_retry=on_retry, on_fault=on_fault)
        return entry.open(port, settings=settings, framing=framing, options=options)
    except InstrumentError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def _show(item: Reading | Fault, as_json: bool) -> None:
    if isinstance(item, Reading):
        if as_json:
            _emit(item.to_json_dict())
        else:
            stable = {True: "stable", False: "unstable", None: ""}[item.stable]
            click.echo(f"{item.seq:>6}  {item.value_text} {item.unit}  {stable}".rstrip())
    elif as_json:
        _emit(item.to_json_dict())
    else:
        click.echo(f"fault: {item.error}", err=True)


def _stop_on_sigterm() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))


port_option = click.option("--port", required=True, help="Port path or pyserial URL (loop://, socket://…).")
driver_option = click.option(
    "--driver",
    "driver_name",
    required=True,
    help="Driver name (see `lims bench drivers`) or line:<profile file>.",
)
serial_option = click.option("--serial", help="Override settings: BAUD[,8N1][,rtscts|xonxoff|dsrdtr].")
timeout_option = click.option("--timeout", "timeout_s", type=float, help="Reply timeout in seconds.")
confirm_option = click.option(
    "--confirm/--no-confirm",
    default=True,
    show_default=True,
    help="A value is a reading only when two consecutive replies agree (docs/instruments.md).",
)
unit_option = click.option("--unit", help="The unit configured for the station, when not the instrument's.")


@click.group()
def bench() -> None:
    """Bench instruments: drivers, readings, simulators and capture to the lab server."""


@bench.command("drivers")
def drivers() -> None:
    """List the stable driver names with their default serial settings."""
    for name in registry.driver_names():
        entry = registry.get(name)
        click.echo(f"{name:<15} {entry.settings.describe():<11} {entry.description}")


@bench.command("read")
@port_option
@driver_option
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many good readings.")
@click.option(
    "--interval",
    "interval_s",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds between readings.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per reading or fault.")
@serial_option
@timeout_option
@confirm_option
@unit_option
def read(
    port: str,
    driver_name: str,
    count: int | None,
    interval_s: float,
    as_json: bool,
    serial: str | None,
    timeout_s: float | None,
    confirm: bool,
    unit: str | None,
) -> None:
    """Print readings from an instrument; exit 0 after --count good readings."""
    _stop_on_sigterm()
    driver = _open_driver(port, driver_name, serial, timeout_s, as_json=as_json, confirm=confirm, unit=unit)
    try:
        for item in acquire(driver, count=count, interval_s=interval_s):
            _show(item, as_json)
    except TooManyFaults as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except InstrumentError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        driver.close()


@bench.command("simulate")
@driver_option
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fault injection.")
@click.option("--delay-ms", type=click.FloatRange(min=0), default=0.0, help="Delay before every reply.")
@click.option("--jitter-ms", type=click.FloatRange(min=0), default=0.0, help="Random extra delay.")
@click.option("--drop-rate", type=click.FloatRange(0, 1), default=0.0, help="Probability a reply is lost.")
@click.option("--garble-rate", type=click.FloatRange(0, 1), default=0.0, help="Probability of a bad byte.")
@click.option("--noise-rate", type=click.FloatRange(0, 1), default=0.0, help="Probability of a noise line.")
@click.option("--truncate-rate", type=click.FloatRange(0, 1), default=0.0, help="Probability of a cut reply.")
@click.option(
    "--wrong-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Probability of a reply to another command.",
)
@click.option(
    "--corrupt-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Probability each byte on the line, both ways, is corrupted (bit flip or random byte).",
)
@click.option("--disconnect-after", type=click.IntRange(min=1), help="Unplug after this many replies.")
@click.option("--reopen-ms", type=click.FloatRange(min=0), help="Re-plug this long after unplugging.")
@click.option(
    "--link",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep a stable symlink to the current pty (like /dev/serial/by-id/…).",
)
def simulate(
    driver_name: str,
    seed: int,
    delay_ms: float,
    jitter_ms: float,
    drop_rate: float,
    garble_rate: float,
    noise_rate: float,
    truncate_rate: float,
    wrong_rate: float,
    corrupt_rate: float,
    disconnect_after: int | None,
    reopen_ms: float | None,
    link: Path | None,
) -> None:
    """Serve a simulated instrument on a pseudo-terminal; prints the device path, runs until interrupted."""
    try:
        entry = registry.get(driver_name)
    except InstrumentError as exc:
        fail(str(exc))
        return
    faults = Faults(
        seed=seed,
        delay_ms=delay_ms,
        jitter_ms=jitter_ms,
        drop_rate=drop_rate,
        garble_rate=garble_rate,
        noise_rate=noise_rate,
        truncate_rate=truncate_rate,
        wrong_rate=wrong_rate,
        corrupt_rate=corrupt_rate,
        command_corrupt_rate=corrupt_rate,
        disconnect_after=disconnect_after,
        reopen_ms=reopen_ms,
    )
    sim = PtySimulator(entry.simulator(seed), faults, link=link, on_event=lambda text: click.echo(text))
    _stop_on_sigterm()
    click.echo(sim.start())
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


def _read_token(token_file: Path) -> str:
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        fail(f"--token-file {token_file}: {exc.strerror or exc}")
    if not token:
        fail(f"--token-file {token_file} is empty")
    return token


def _sink(server: str, token_file: Path) -> HttpSink:
    token = _read_token(token_file)
    try:
        return HttpSink(server, token)
    except ValueError as exc:
        fail(f"--server: {exc}")
        raise


server_option = click.option("--server", help="Base URL of the lab server (or use --database).")
token_option = click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the bench token (with --server).",
)
database_option = click.option(
    "--database",
    "direct",
    is_flag=True,
    help="Deliver straight into the lab database (LIMS_DATABASE_URL) instead of the server.",
)
user_option = click.option("--user", "username", help="With --database: the technician taking the readings.")


def _direct_sink(username: str | None) -> Sink:
    """The database sink on the authority of ``username`` (an active lab user)."""
    from sqlalchemy import select

    from lims.commands.common import database
    from lims.models import User
    from lims.services.bench.readings import ReadingActor
    from lims.services.bench.sink import DatabaseSink
    from lims.web.status import status_for

    if not username:
        fail("--database needs --user (the technician taking the readings)")
    db = database()
    click.get_current_context().call_on_close(db.engine.dispose)
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            fail(f"--user {username}: no such active user")
        assert user is not None
        user_id = user.id
    return DatabaseSink(db.session, ReadingActor(user_id, source="direct"), refusal_status=status_for)


def _choose_sink(server: str | None, token_file: Path | None, direct: bool, username: str | None) -> Sink:
    if direct:
        if server or token_file:
            fail("use either --database or --server with --token-file, not both")
        return _direct_sink(username)
    if not server or not token_file:
        fail("give --server and --token-file, or --database with --user")
    assert server is not None and token_file is not None
    return _sink(server, token_file)


journal_option = click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Journal file (default $LIMS_BENCH_JOURNAL or ~/.local/share/lims/…).",
)
flush_option = click.option(
    "--flush-timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds to keep retrying delivery at the end.",
)


@bench.command("capture")
@click.option("--job", "job_number", required=True, help="Job number.")
@click.option("--point", "point_id", required=True, help="Test point id within the job.")
@port_option
@driver_option
@server_option
@token_option
@database_option
@user_option
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many good readings.")
@click.option("--interval", "interval_s", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print readings and faults as JSON lines.")
@journal_option
@flush_option
@serial_option
@timeout_option
@confirm_option
@unit_option
def capture(
    job_number: str,
    point_id: str,
    port: str,
    driver_name: str,
    server: str | None,
    token_file: Path | None,
    direct: bool,
    username: str | None,
    count: int | None,
    interval_s: float,
    as_json: bool,
    journal_path: Path | None,
    flush_timeout: float,
    serial: str | None,
    timeout_s: float | None,
    confirm: bool,
    unit: str | None,
) -> None:
    """Journal readings for a job's test point and deliver them; unsent readings are resent later."""
    sink = _choose_sink(server, token_file, direct, username)
    path = journal_path or default_journal()
    journal = Journal(path)
    run = Capture(journal, job_number=job_number, point_id=point_id)
    # Delivery runs beside the reading loop: a slow server never delays a reading.  It starts with
    # whatever earlier runs left unconfirmed.
    sender = BackgroundSender(path, sink, on_event=lambda text: click.echo(f"agent: {text}", err=True))
    _stop_on_sigterm()
    status = 0
    sender.start()
    try:
        driver = _open_driver(port, driver_name, serial, timeout_s, as_json=as_json, confirm=confirm,
                              unit=unit, record=run.add_fault)
        try:
            for item in acquire(driver, count=count, interval_s=interval_s, backoff=Backoff()):
                if isinstance(item, Reading):
                    run.add(item)
                    sender.notify()
                else:
                    run.add_fault(item)  # the raw bytes stay on record, never as a reading
                _show(item, as_json)
                if sender.error is not None:
                    break
        except InstrumentError as exc:
            click.echo(f"error: {exc}", err=True)
            status = 1
        except KeyboardInterrupt:
            pass
        finally:
            driver.close()
    finally:
        drained = sender.finish(timeout_s=flush_timeout)
        counts = journal.counts()
        journal.close()
    if sender.error is not None:
        click.echo(f"error: {sender.error}; readings are kept in {path}", err=True)
        sys.exit(1)
    click.echo(
        f"captured {run.recorded} readings ({run.faults} faults journaled); journal: {counts['sent']} sent, "
        f"{counts['pending']} pending, {counts['rejected']} rejected",
        err=True,
    )
    if not drained or counts["pending"]:
        status = status or EXIT_UNSENT
    sys.exit(status)


@bench.command("flush")
@server_option
@token_option
@database_option
@user_option
@journal_option
@flush_option
def flush(
    server: str | None,
    token_file: Path | None,
    direct: bool,
    username: str | None,
    journal_path: Path | None,
    flush_timeout: float,
) -> None:
    """Resend every reading the journal holds unconfirmed (exit 3 if some remain)."""
    sink = _choose_sink(server, token_file, direct, username)
    journal = Journal(journal_path or default_journal())
    deliverer = Deliverer(journal, sink, on_event=lambda text: click.echo(f"agent: {text}", err=True))
    try:
        deliverer.finish(timeout_s=flush_timeout)
        counts = journal.counts()
    except SinkRefused as exc:
        click.echo(f"error: {exc}; readings are kept in {journal.path}", err=True)
        sys.exit(1)
    finally:
        journal.close()
    click.echo(
        f"journal: {counts['sent']} sent, {counts['pending']} pending, {counts['rejected']} rejected",
        err=True,
    )
    sys.exit(EXIT_UNSENT if counts["pending"] else 0)


@bench.command("station-add")
@click.option("--name", required=True, help="Station name shown on the bench page, e.g. can-1.")
@driver_option
@port_option
@click.option("--description", help="Where the station is, what it holds.")
@click.option("--inactive", is_flag=True, help="Hide the station from the bench page.")
@unit_option
def station_add(
    name: str, driver_name: str, port: str, description: str | None, inactive: bool, unit: str | None
) -> None:
    """Create or update a bench station (name -> driver and port on the bench PC)."""
    from lims.commands.common import transaction
    from lims.errors import LimsError
    from lims.services.bench.stations import StationInput, save_station

    try:
        with transaction() as session:
            row = save_station(session, StationInput(name, driver_name, port, description, not inactive, unit))
            click.echo(
                f"station {row.name}: {row.driver} on {row.port_url}"
                + (f", readings in {row.unit}" if row.unit else "")
                + (" (inactive)" if not row.is_active else "")
            )
    except LimsError as exc:
        fail(str(exc))


@bench.command("stations")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per station.")
def stations_list(as_json: bool) -> None:
    """List the bench stations."""
    from lims.commands.common import database
    from lims.services.bench.stations import stations

    db = database()
    with db.session() as session:
        for row in stations(session, active_only=False):
            if as_json:
                _emit(
                    {
                        "name": row.name,
                        "driver": row.driver,
                        "port": row.port_url,
                        "active": row.is_active,
                        "description": row.description,
                        "unit": row.unit,
                    }
                )
            else:
                click.echo(
                    f"{row.name:<15} {row.driver:<15} {row.port_url}"
                    + (f"  unit {row.unit}" if row.unit else "")
                    + ("" if row.is_active else "  inactive")
                )
    db.engine.dispose()


@bench.command("station")
@click.option("--name", required=True, help="The station this bench PC serves.")
@click.option(
    "--database",
    "direct",
    is_flag=True,
    default=True,
    help="Work on the lab database (LIMS_DATABASE_URL); the only mode for now.",
)
@journal_option
@click.option(
    "--poll",
    "poll_s",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between looks at the queue.",
)
def station(name: str, direct: bool, journal_path: Path | None, poll_s: float) -> None:
    """Run the station worker: take the captures queued from the bench page and store their readings."""
    from lims.commands.common import database
    from lims.errors import LimsError
    from lims.services.bench.worker import run_station
    from lims.web.status import status_for

    db = database()
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    path = journal_path or default_journal()
    click.echo(f"station {name}: waiting for capture requests (journal {path})", err=True)
    try:
        run_station(
            db,
            name,
            journal_path=path,
            refusal_status=status_for,
            stop=stop,
            poll_s=poll_s,
            on_event=lambda text: click.echo(f"station: {text}", err=True),
        )
    except LimsError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        pass
    finally:
        db.engine.dispose()


@bench.command("room-log")
@click.option("--room", "room_code", required=True, help="The room's code (rooms page).")
@journal_option
@click.option("--samples", type=click.IntRange(min=1), default=None, help="Stop after this many samples.")
def room_log(room_code: str, journal_path: Path | None, samples: int | None) -> None:
    """Log a room's temperature and humidity with its station's logger, every logging period, journal first."""
    from lims.commands.common import database
    from lims.errors import LimsError
    from lims.services.bench.worker import run_room_logger

    db = database()
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    path = journal_path or default_journal()
    click.echo(f"room {room_code}: logging (journal {path})", err=True)
    try:
        taken = run_room_logger(db, room_code, journal_path=path, stop=stop, samples=samples,
                                on_event=lambda text: click.echo(f"room {room_code}: {text}", err=True))
        click.echo(f"room {room_code}: {taken} samples logged")
    except (LimsError, InstrumentError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        pass
    finally:
        db.engine.dispose()


@bench.command("sequence")
@click.option("--job", "job_number", required=True, help="Job number.")
@click.option("--points", "points_text", required=True,
              help="The job's test points in order, comma-separated (P1 is the first), in the source's unit.")
@click.option("--first-point", type=click.IntRange(min=1), default=1, show_default=True,
              help="Start at this point (P1 = 1): resume after an abort.")
@port_option
@click.option("--driver", "driver_name", type=click.Choice(["fluke-5520a", "druck-pace"]), required=True,
              help="The source: a 5520A-class calibrator (DC voltage) or a PACE-class controller (pressure).")
@click.option("--unit", "unit", default="V", show_default=True, help="The calibrator's output unit (5520A).")
@click.option("--uut-unit", default="V", show_default=True,
              help="The unit of the unit under test's indications (the procedure's unit).")
@click.option("--readings", type=click.IntRange(min=1), default=5, show_default=True,
              help="Readings of the reference and the unit under test at each point.")
@click.option("--window", type=click.IntRange(min=2), default=5, show_default=True, help="Stability window.")
@click.option("--max-slope", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Stable: |slope| of the reference over the window at most this (unit per second).")
@click.option("--max-spread", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Stable: max − min of the reference over the window at most this.")
@click.option("--stable-timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True)
@click.option("--poll", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between reference readings while settling.")
@server_option
@token_option
@database_option
@user_option
@journal_option
@flush_option
def sequence(job_number: str, points_text: str, first_point: int, port: str, driver_name: str, unit: str,
             uut_unit: str, readings: int, window: int, max_slope: float, max_spread: float, stable_timeout: float, poll: float,
             server: str | None, token_file: Path | None, direct: bool, username: str | None,
             journal_path: Path | None, flush_timeout: float) -> None:
    """Run a job's points automatically: set the source, wait until stable, read the reference, ask for the
    unit under test's indications; standby / vent at the end, on a fault and on Ctrl-C (docs/instruments.md)."""
    import uuid
    from decimal import Decimal, InvalidOperation

    from instruments.reading import InstrumentIdentity
    from instruments.sequence import (
        CalibratorSource,
        PressureSource,
        SequenceError,
        SequenceRunner,
        Source,
        recover,
    )
    from instruments.sequence import Stability as SequenceStability

    try:
        points = [Decimal(part.strip()) for part in points_text.split(",") if part.strip()]
    except InvalidOperation:
        fail(f"--points {points_text}: give decimal numbers separated by commas")
    if not points or first_point > len(points):
        fail("--first-point is beyond the points given")
    sink = _choose_sink(server, token_file, direct, username)
    path = journal_path or default_journal()
    journal = Journal(path)
    sender = BackgroundSender(path, sink, on_event=lambda text: click.echo(f"agent: {text}", err=True)).start()
    _stop_on_sigterm()
    status = 0
    driver = _open_driver(port, driver_name, None, None)
    try:
        source: Source = (CalibratorSource(driver, unit) if driver_name == "fluke-5520a"  # type: ignore[arg-type]
                          else PressureSource(driver))  # type: ignore[arg-type]
        for left in journal.open_runs():  # a run a crash left open on this source: make it safe first
            started = journal.events(left)[0].detail
            if (started.get("driver"), started.get("port")) == (driver_name, port):
                resume = recover(journal, left, source)
                click.echo(f"run {left} was left open: source made safe; resume with --first-point "
                           f"{(resume or 0) + 1}", err=True)
        seq = iter(range(1, 10**9))
        typed = InstrumentIdentity("technician", "entry", "", "")

        def entry(index: int) -> list[Reading]:
            values: list[Reading] = []
            while len(values) < readings:
                text = click.prompt(f"P{index + 1} ({points[index]}): indication {len(values) + 1} of {readings}",
                                    err=True).strip().replace(",", ".")
                try:
                    Decimal(text)
                except InvalidOperation:
                    click.echo(f"{text!r} is not a number", err=True)
                    continue
                values.append(Reading(text, uut_unit, None, typed, next(seq),
                                      utc_now(), f"typed {text}".encode()))
            return values

        runner = SequenceRunner(
            journal, source, job_number=job_number, run_id=f"q{uuid.uuid4().hex[:12]}",
            stability=SequenceStability(window=window, max_slope_per_s=max_slope, max_spread=max_spread,
                                        timeout_s=stable_timeout, poll_s=poll),
            readings_per_point=readings, entry=entry, notify=sender.notify,
            on_progress=lambda p: click.echo(f"P{p.point_index + 1}: {p.step}"
                                             + (f" (reference {p.reference})" if p.reference else ""), err=True))
        try:
            means = runner.run(points, start_at=first_point - 1, describe={"driver": driver_name, "port": port})
            for k, mean in enumerate(means, start=first_point):
                click.echo(f"P{k}: reference {mean}")
        except SequenceError as exc:
            click.echo(f"error: {exc}; the source was made safe", err=True)
            status = 1
    finally:
        driver.close()
        drained = sender.finish(timeout_s=flush_timeout)
        counts = journal.counts()
        journal.close()
    if sender.error is not None:
        click.echo(f"error: {sender.error}; readings are kept in {path}", err=True)
        sys.exit(1)
    if not drained or counts["pending"]:
        status = status or EXIT_UNSENT
    sys.exit(status)
