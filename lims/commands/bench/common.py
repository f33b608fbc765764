"""What the ``lims bench`` commands share: the journal's place, opening a driver, printing readings and faults,
choosing where readings are delivered, and the options the commands have in common."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from instruments import registry
from instruments.acquisition import Fault
from instruments.agent.http_sink import HttpSink
from instruments.drivers.base import Driver, DriverOptions
from instruments.errors import InstrumentError
from instruments.reading import Reading, utc_now
from instruments.settings import parse_settings
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


def emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj))


def open_driver(port: str, driver_name: str, serial: str | None, timeout_s: float | None, *,
                as_json: bool = False, confirm: bool = True, unit: str | None = None,
                record: Callable[[Fault], None] | None = None) -> Driver:
    """Open the instrument or exit 2 with one line naming what is wrong.

    A fault during the connect sequence is printed like any fault and the sequence is retried with
    bounded back-off; only when every try failed does the command exit 2.
    """

    recorded: list[InstrumentError] = []

    def on_fault(error: InstrumentError) -> None:
        fault = Fault(error, utc_now())
        show(fault, as_json)
        if record is not None:
            record(fault)
            recorded[:] = [error]

    def on_retry(attempt: int, error: InstrumentError) -> None:
        fault = Fault(error, utc_now())
        if as_json:
            emit({**fault.to_json_dict(), "connect_try": attempt, "connect_tries": options.connect_tries})
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


def show(item: Reading | Fault, as_json: bool) -> None:
    if isinstance(item, Reading):
        if as_json:
            emit(item.to_json_dict())
        else:
            stable = {True: "stable", False: "unstable", None: ""}[item.stable]
            click.echo(f"{item.seq:>6}  {item.value_text} {item.unit}  {stable}".rstrip())
    elif as_json:
        emit(item.to_json_dict())
    else:
        click.echo(f"fault: {item.error}", err=True)


def stop_on_sigterm() -> None:
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


def choose_sink(server: str | None, token_file: Path | None, direct: bool, username: str | None) -> Sink:
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
