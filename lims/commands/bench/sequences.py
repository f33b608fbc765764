"""``lims bench sequence``: a job's points run automatically with a calibrator or pressure controller as the source
(docs/instruments.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from instruments.agent.capture import BackgroundSender
from instruments.agent.journal import Journal
from instruments.reading import Reading, utc_now
from lims.cli import fail
from lims.commands.bench.common import (
    EXIT_UNSENT,
    choose_sink,
    database_option,
    default_journal,
    flush_option,
    journal_option,
    open_driver,
    port_option,
    server_option,
    stop_on_sigterm,
    token_option,
    user_option,
)


@click.command("sequence")
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
    sink = choose_sink(server, token_file, direct, username)
    path = journal_path or default_journal()
    journal = Journal(path)
    sender = BackgroundSender(path, sink, on_event=lambda text: click.echo(f"agent: {text}", err=True)).start()
    stop_on_sigterm()
    status = 0
    driver = open_driver(port, driver_name, None, None)
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
