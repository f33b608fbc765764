"""``lims bench station-add``, ``stations``, ``station`` and ``room-log``: the bench stations, their worker and
the rooms' environment loggers."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from instruments.errors import InstrumentError
from lims.cli import fail
from lims.commands.bench.common import (
    default_journal,
    driver_option,
    emit,
    journal_option,
    port_option,
    unit_option,
)


@click.command("station-add")
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


@click.command("stations")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per station.")
def stations_list(as_json: bool) -> None:
    """List the bench stations."""
    from lims.commands.common import database
    from lims.services.bench.stations import stations

    db = database()
    with db.session() as session:
        for row in stations(session, active_only=False):
            if as_json:
                emit(
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


@click.command("station")
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


@click.command("room-log")
@click.option("--room", "room_code", required=True, help="The room's code (rooms page).")
@journal_option
@click.option("--samples", type=click.IntRange(min=1), default=None, help="Stop after this many samples.")
def room_log(room_code: str, journal_path: Path | None, samples: int | None) -> None:
    """Log a room's temperature and humidity with its station's logger, every logging period, journal first."""
    from lims.commands.common import database
    from lims.errors import LimsError
    from lims.services.bench.room_logs import run_room_logger

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
