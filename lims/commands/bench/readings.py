"""``lims bench drivers``, ``read``, ``simulate``, ``capture`` and ``flush``: readings from an instrument, printed
or journaled and delivered to the lab (docs/bench-agent.md)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from instruments import registry
from instruments.acquisition import TooManyFaults, acquire
from instruments.agent.capture import BackgroundSender, Capture, Deliverer
from instruments.agent.journal import Journal
from instruments.agent.sink import SinkRefused
from instruments.drivers.base import Backoff
from instruments.errors import InstrumentError
from instruments.reading import Reading
from instruments.simulators.faults import Faults
from instruments.simulators.pty import PtySimulator
from lims.cli import fail
from lims.commands.bench.common import (
    EXIT_UNSENT,
    choose_sink,
    confirm_option,
    database_option,
    default_journal,
    driver_option,
    flush_option,
    journal_option,
    open_driver,
    port_option,
    serial_option,
    server_option,
    show,
    stop_on_sigterm,
    timeout_option,
    token_option,
    unit_option,
    user_option,
)


@click.command("drivers")
def drivers() -> None:
    """List the stable driver names with their default serial settings."""
    for name in registry.driver_names():
        entry = registry.get(name)
        click.echo(f"{name:<15} {entry.settings.describe():<11} {entry.description}")


@click.command("read")
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
    stop_on_sigterm()
    driver = open_driver(port, driver_name, serial, timeout_s, as_json=as_json, confirm=confirm, unit=unit)
    try:
        for item in acquire(driver, count=count, interval_s=interval_s):
            show(item, as_json)
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


@click.command("simulate")
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
    stop_on_sigterm()
    click.echo(sim.start())
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


@click.command("capture")
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
    sink = choose_sink(server, token_file, direct, username)
    path = journal_path or default_journal()
    journal = Journal(path)
    run = Capture(journal, job_number=job_number, point_id=point_id)
    # Delivery runs beside the reading loop: a slow server never delays a reading.  It starts with
    # whatever earlier runs left unconfirmed.
    sender = BackgroundSender(path, sink, on_event=lambda text: click.echo(f"agent: {text}", err=True))
    stop_on_sigterm()
    status = 0
    sender.start()
    try:
        driver = open_driver(port, driver_name, serial, timeout_s, as_json=as_json, confirm=confirm,
                             unit=unit, record=run.add_fault)
        try:
            for item in acquire(driver, count=count, interval_s=interval_s, backoff=Backoff()):
                if isinstance(item, Reading):
                    run.add(item)
                    sender.notify()
                else:
                    run.add_fault(item)  # the raw bytes stay on record, never as a reading
                show(item, as_json)
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


@click.command("flush")
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
    sink = choose_sink(server, token_file, direct, username)
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
