"""Automated test points: set the source, wait for stability, read, journal; always leave the output safe.

The runner is pure (no database, no web): it drives a :class:`Source` (a multifunction calibrator for DC
voltage, a pressure controller for pressure) through a job's points and records everything in the bench
journal, so the readings reach the server by the same journal-first delivery as any capture.

For each point (EURAMET cg-15 / DKD-R 6-1 practice of waiting for a settled source before reading, as the
criterion below states; the criterion itself is the procedure's, not a standard's):

1. ``set``: the source is set to the nominal value and energised (5520A ``OUT`` + ``OPER``; PACE
   ``:SOUR:PRES`` + ``:OUTP:STAT ON``);
2. ``stable``: the reference is read every ``poll_s`` until the last ``window`` readings are stable by
   :class:`Stability`: the least-squares slope and the spread (max − min) within their limits; after
   ``timeout_s`` without stability the sequence stops with a ``timeout`` fault;
3. ``reading``: the reference and the unit under test are read ``n`` times; the unit under test's readings
   are journaled as the point's readings (raw frames kept); where the unit under test has no interface the
   runner asks the technician (``entry``) and waits;
4. ``done`` with the mean reference value.

A run is a list of visits (:class:`Visit`), built by :func:`plan_visits`: one per point with ``n`` readings, or
for a pressure gauge the DKD-R 6-1:2014 section 5 sequence (from memory, as :mod:`lims.domain.pressure`
states it): the preloads to the upper range limit and back, then each series over every point, rising
(M1 ↑, M3 ↑ …) in increasing order and falling (M2 ↓, M4 ↓ …) in decreasing order, one reading of the unit
under test per point and series; a point's readings are journaled in series order, as the bench expects.
A unit under test read through its interface may send a frame its driver rejects (unconfirmed, garbled):
the fault is journaled with its raw bytes and the reading asked again, up to ``uut_attempts`` times.

**Safety.** On any fault, abort, pause or timeout the source is made safe first (calibrator ``STBY``;
controller control off and vent) and the ``safe`` step is journaled with what was done. A crash of the
station leaves a run without ``finished``/``aborted`` in the journal: :func:`recover` makes the source safe
at the next start, journals it, and says which point to resume from; nothing is ever left energised by the
runner's own hand (the 5520A driver also sends ``STBY`` when it closes).

>>> Stability(window=4, max_slope_per_s=0.01, max_spread=0.02).is_stable([(0, 1.00), (1, 1.01), (2, 1.00),
...                                                                        (3, 1.01)])
True
>>> Stability(window=4, max_slope_per_s=0.01, max_spread=0.02).is_stable([(0, 1.0), (1, 1.1), (2, 1.2), (3, 1.3)])
False
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from instruments.acquisition import Fault
from instruments.agent.capture import Capture
from instruments.agent.journal import Journal
from instruments.drivers.druck_pace import DruckPace
from instruments.drivers.fluke_5520a import Fluke5520A
from instruments.errors import InstrumentError
from instruments.reading import Reading, utc_now


class SequenceError(InstrumentError, RuntimeError):
    """The sequence stopped: a fault, a timeout or an abort (the source was made safe first)."""


class Command(StrEnum):
    RUN = "run"
    PAUSE = "pause"
    ABORT = "abort"


@dataclass(frozen=True, slots=True)
class Stability:
    """Stable when, over the last ``window`` readings, |slope| ≤ ``max_slope_per_s`` (least squares, units
    per second) and max − min ≤ ``max_spread``; given up after ``timeout_s``."""

    window: int = 5
    max_slope_per_s: float = 0.0
    max_spread: float = 0.0
    timeout_s: float = 60.0
    poll_s: float = 1.0

    def __post_init__(self) -> None:
        if self.window < 2:
            raise ValueError("the stability window needs at least 2 readings")
        if self.max_slope_per_s < 0 or self.max_spread < 0 or self.timeout_s <= 0 or self.poll_s < 0:
            raise ValueError("stability limits must be ≥ 0 and the timeout positive")

    def slope_and_spread(self, samples: Sequence[tuple[float, float]]) -> tuple[float, float]:
        """Least-squares slope b = Σ(t−t̄)(y−ȳ)/Σ(t−t̄)² and spread of the last ``window`` samples.

        >>> Stability(window=3).slope_and_spread([(0, 1.0), (1, 1.2), (2, 1.4)])
        (0.2, 0.4)
        """
        last = list(samples)[-self.window :]
        ts, ys = [t for t, _ in last], [y for _, y in last]
        t_mean, y_mean = sum(ts) / len(ts), sum(ys) / len(ys)
        sxx = sum((t - t_mean) ** 2 for t in ts)
        slope = 0.0 if sxx == 0 else sum((t - t_mean) * (y - y_mean) for t, y in last) / sxx
        return float(f"{slope:.12g}"), float(f"{max(ys) - min(ys):.12g}")

    def is_stable(self, samples: Sequence[tuple[float, float]]) -> bool:
        if len(samples) < self.window:
            return False
        slope, spread = self.slope_and_spread(samples)
        return abs(slope) <= self.max_slope_per_s and spread <= self.max_spread


class Source(Protocol):
    """What the runner needs of a source: set and energise, read the reference, make safe."""

    def apply(self, value: Decimal) -> None: ...

    def reference(self) -> Reading: ...

    def make_safe(self) -> str: ...


class CalibratorSource:
    """A 5520A-class calibrator as the source and reference (``OUT?`` read back) of DC voltage points."""

    def __init__(self, calibrator: Fluke5520A, unit: str = "V") -> None:
        self.calibrator, self.unit = calibrator, unit

    def apply(self, value: Decimal) -> None:
        self.calibrator.set_output(value, self.unit)
        self.calibrator.operate()

    def reference(self) -> Reading:
        return self.calibrator.read()

    def make_safe(self) -> str:
        self.calibrator.standby()
        return "STBY"


class PressureSource:
    """A PACE-class controller as the source and reference (``:SENS:PRES?``) of pressure points."""

    def __init__(self, controller: DruckPace) -> None:
        self.controller = controller

    def apply(self, value: Decimal) -> None:
        self.controller.set_setpoint(value)
        self.controller.set_control(True)

    def reference(self) -> Reading:
        return self.controller.read()

    def make_safe(self) -> str:
        self.controller.vent()
        return ":OUTP:STAT OFF; :SOUR:PRES:LEV:IMM:AMPL:VENT 1"


@dataclass(frozen=True, slots=True)
class Visit:
    """One setting of the source: the job's point (0-based), its nominal value, how many readings of the unit
    under test are taken there (0: a preload, nothing read) and its label (``M1 ↑``; empty for plain points)."""

    point_index: int
    nominal: Decimal
    readings: int
    label: str = ""

    def to_json(self) -> list[object]:
        """``[point index, nominal text, readings, label]``, as stored with the run."""
        return [self.point_index, str(self.nominal), self.readings, self.label]

    @classmethod
    def from_json(cls, data: Sequence[object]) -> Visit:
        point, nominal, readings, label = data
        return cls(int(str(point)), Decimal(str(nominal)), int(str(readings)), str(label))


def plan_visits(
    points: Sequence[Decimal], *, readings: int, directions: Sequence[str] = (), preloads: int = 0
) -> list[Visit]:
    """The visits of a run: each point once with ``readings`` readings; or, with ``directions`` (``up``/
    ``down`` per series, DKD-R 6-1:2014 section 5), ``preloads`` × (top, bottom) without readings, then every
    series over the points, rising ones in increasing and falling ones in decreasing nominal order, one
    reading per point and series.

    >>> pts = [Decimal(0), Decimal(8), Decimal(16)]
    >>> [(v.point_index, v.label) for v in plan_visits(pts, readings=5)]
    [(0, ''), (1, ''), (2, '')]
    >>> [(str(v.nominal), v.readings, v.label) for v in plan_visits(pts, readings=1, directions=("up", "down"),
    ...                                                              preloads=1)]  # doctest: +NORMALIZE_WHITESPACE
    [('16', 0, 'preload 1 ↑'), ('0', 0, 'preload 1 ↓'), ('0', 1, 'M1 ↑'), ('8', 1, 'M1 ↑'), ('16', 1, 'M1 ↑'),
     ('16', 1, 'M2 ↓'), ('8', 1, 'M2 ↓'), ('0', 1, 'M2 ↓')]
    """
    if readings < 1:
        raise ValueError("readings must be ≥ 1")
    if not directions:
        return [Visit(i, p, readings) for i, p in enumerate(points)]
    if any(d not in ("up", "down") for d in directions) or preloads < 0:
        raise ValueError("directions are 'up' or 'down', preloads ≥ 0")
    rising = sorted(range(len(points)), key=lambda i: points[i])
    top, bottom = rising[-1], rising[0]
    visits: list[Visit] = []
    for k in range(1, preloads + 1):
        visits += [
            Visit(top, points[top], 0, f"preload {k} ↑"),
            Visit(bottom, points[bottom], 0, f"preload {k} ↓"),
        ]
    for s, direction in enumerate(directions, start=1):
        order = rising if direction == "up" else rising[::-1]
        label = f"M{s} {'↑' if direction == 'up' else '↓'}"
        visits += [Visit(i, points[i], 1, label) for i in order]
    return visits


class UnitUnderTest(Protocol):
    def read(self) -> Reading: ...


@dataclass(frozen=True, slots=True)
class Progress:
    """What the bench page shows: the point, the step and the last values."""

    point_index: int
    step: str
    reference: str | None = None
    readings: int = 0
    visit_index: int | None = None


class SequenceRunner:
    """Runs the points of one job (see the module docstring)."""

    def __init__(
        self,
        journal: Journal,
        source: Source,
        *,
        job_number: str,
        run_id: str,
        stability: Stability,
        readings_per_point: int,
        uut: UnitUnderTest | None = None,
        entry: Callable[[int], Sequence[Reading] | None] | None = None,
        control: Callable[[], Command] = lambda: Command.RUN,
        on_progress: Callable[[Progress], None] | None = None,
        notify: Callable[[], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        uut_attempts: int = 4,
    ) -> None:
        if readings_per_point < 1:
            raise ValueError("readings_per_point must be ≥ 1")
        if uut is None and entry is None:
            raise ValueError("a unit under test without an interface needs the technician's entry")
        self.journal, self.source, self.job_number, self.run_id = journal, source, job_number, run_id
        self.stability, self.n = stability, readings_per_point
        self.uut, self.entry, self.control = uut, entry, control
        self.on_progress, self.notify = on_progress, notify
        self.monotonic, self.sleep = monotonic, sleep
        self.uut_attempts = max(1, uut_attempts)
        self._visit = 0

    # -- journal -----------------------------------------------------------------------------------------
    def _event(self, kind: str, point: int | None = None, raw: bytes = b"", **detail: object) -> None:
        self.journal.record_event(
            self.job_number,
            run_id=self.run_id,
            kind=kind,
            point_index=point,
            detail={k: str(v) for k, v in detail.items()},
            raw=raw,
        )

    def _progress(self, point: int, step: str, reference: str | None = None, readings: int = 0) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(point, step, reference, readings, self._visit))

    def make_safe(self, point: int | None, why: str) -> None:
        """Standby / vent, journaled with the reason; a failure to make safe is journaled too, then raised."""
        try:
            done = self.source.make_safe()
        except InstrumentError as exc:
            self._event("safe_failed", point, getattr(exc, "raw", b"") or b"", reason=why, error=exc)
            raise
        self._event("safe", point, reason=why, action=done)

    # -- the run -----------------------------------------------------------------------------------------
    def run(
        self,
        points: Sequence[Decimal | Visit],
        *,
        start_at: int = 0,
        describe: dict[str, str] | None = None,
    ) -> list[Decimal]:
        """Run ``points[start_at:]`` (nominal values, each read ``readings_per_point`` times, or the
        :class:`Visit` entries of :func:`plan_visits`); returns the mean reference value per visit that read.
        ``describe`` (the source's driver, port and unit) is journaled with the start, so that a restart knows
        what to make safe.

        :raises SequenceError: abort, timeout or fault; the source was made safe and it was journaled.
        """
        visits = [p if isinstance(p, Visit) else Visit(i, p, self.n) for i, p in enumerate(points)]
        self.journal.record_event(
            self.job_number,
            run_id=self.run_id,
            kind="started",
            point_index=start_at,
            detail={"points": ",".join(str(v.nominal) for v in visits), **(describe or {})},
        )
        means: list[Decimal] = []
        index = start_at
        point = visits[index].point_index if index < len(visits) else index
        try:
            while index < len(visits):
                self._visit, point = index, visits[index].point_index
                command = self.control()
                if command is Command.ABORT:
                    raise SequenceError("aborted by the technician")
                if command is Command.PAUSE:
                    self._pause(point)
                    continue
                mean = self._point(index, visits[index])
                if mean is not None:
                    means.append(mean)
                index += 1
        except (InstrumentError, KeyboardInterrupt) as exc:
            why = str(exc) or type(exc).__name__
            self.make_safe(point, why)
            self._event("aborted", point, reason=why, visit=index)
            self._progress(point, "aborted")
            if isinstance(exc, SequenceError):
                raise
            raise SequenceError(f"point {point + 1}: {why}") from exc
        self.make_safe(None, "sequence finished")
        self._event("finished", None)
        self._progress(visits[-1].point_index if visits else 0, "finished")
        return means

    def _pause(self, index: int) -> None:
        self.make_safe(index, "paused by the technician")
        self._event("paused", index)
        self._progress(index, "paused")
        while (command := self.control()) is Command.PAUSE:
            self.sleep(max(self.stability.poll_s, 0.05))
        if command is Command.ABORT:
            raise SequenceError("aborted by the technician")
        self._event("resumed", index)

    def _check(self) -> None:
        command = self.control()
        if command is Command.ABORT:
            raise SequenceError("aborted by the technician")
        if command is Command.PAUSE:
            raise _Paused()

    def _point(self, visit_index: int, visit: Visit) -> Decimal | None:
        while True:
            try:
                return self._attempt(visit_index, visit)
            except _Paused:
                self._pause(visit.point_index)

    def _attempt(self, visit_index: int, visit: Visit) -> Decimal | None:
        index, nominal = visit.point_index, visit.nominal
        self.source.apply(nominal)
        self._event("set", index, value=nominal, visit=visit_index, label=visit.label)
        self._progress(index, "settling")
        start = self.monotonic()
        samples: list[tuple[float, float]] = []
        last: Reading | None = None
        while not self.stability.is_stable(samples):
            self._check()
            if self.monotonic() - start > self.stability.timeout_s:
                raise SequenceError(
                    f"point {index + 1}: not stable within {self.stability.timeout_s:g} s "
                    f"(last reference {last.value_text if last else '—'})"
                )
            last = self.source.reference()
            samples.append((self.monotonic() - start, float(last.value)))
            self._progress(index, "settling", last.value_text)
            if not self.stability.is_stable(samples):
                self.sleep(self.stability.poll_s)
        slope, spread = self.stability.slope_and_spread(samples)
        assert last is not None
        self._event("stable", index, last.raw, after_s=f"{samples[-1][0]:.3f}", slope=slope, spread=spread)
        if visit.readings == 0:  # a preload: held until stable, nothing read
            self._event("done", index, visit=visit_index, label=visit.label)
            self._progress(index, "done", last.value_text)
            return None
        capture = Capture(
            self.journal,
            job_number=self.job_number,
            point_id=f"P{index + 1}",
            run_id=f"{self.run_id}-v{visit_index + 1}",
        )
        references: list[Decimal] = []
        for _ in range(visit.readings):
            self._check()
            ref = self.source.reference()
            references.append(ref.value)
            self._event("reference", index, ref.raw, value=ref.value_text, unit=ref.unit)
        if self.uut is not None:
            for k in range(visit.readings):
                self._check()
                capture.add(self._read_uut(capture))
                self._progress(index, "reading", references[-1].to_eng_string(), k + 1)
        else:
            assert self.entry is not None
            self._event("waiting_entry", index, visit=visit_index)
            self._progress(index, "waiting for the technician")
            while (typed := self.entry(visit_index)) is None:
                self._check()
                self.sleep(max(self.stability.poll_s, 0.05))
            for reading in typed:
                capture.add(reading)
        if self.notify is not None:
            self.notify()
        mean = sum(references, Decimal(0)) / len(references)
        self._event("done", index, reference=mean, visit=visit_index, label=visit.label)
        self._progress(index, "done", str(mean), visit.readings)
        return mean

    def _read_uut(self, capture: Capture) -> Reading:
        """One reading of the unit under test; a rejected frame is journaled (raw bytes kept) and the reading
        asked again, ``uut_attempts`` times at most."""
        assert self.uut is not None
        for attempt in range(1, self.uut_attempts + 1):
            try:
                return self.uut.read()
            except SequenceError:
                raise
            except InstrumentError as exc:
                capture.add_fault(Fault(exc, utc_now()))
                if attempt == self.uut_attempts:
                    raise
        raise AssertionError("unreachable")


class _Paused(Exception):
    """Internal: the technician paused in the middle of a point (it is set again on resume)."""


def recover(journal: Journal, run_id: str, source: Source) -> int | None:
    """After a crash: make the source safe, journal it (``safe``, then ``aborted``: the run is closed), and
    return the point to resume from (None: nothing to resume, the run had finished or been aborted).

    The point resumed is the first without ``done``; its readings, if any were journaled, stay on record
    under their own keys and the point is measured again under a new run id by the caller.
    """
    events = journal.events(run_id)
    if not events or events[-1].kind in ("finished", "aborted"):
        return None
    job_number = events[0].job_number
    action = source.make_safe()
    # a visit's index is in its events' detail (runs journaled before visits: the point index)
    done = {int(e.detail.get("visit", e.point_index or 0)) for e in events if e.kind == "done"}
    started = int(events[0].point_index or 0)
    resume = started
    while resume in done:
        resume += 1
    journal.record_event(
        job_number,
        run_id=run_id,
        kind="safe",
        point_index=resume,
        detail={"reason": "recovered after the station stopped", "action": action},
    )
    journal.record_event(
        job_number,
        run_id=run_id,
        kind="aborted",
        point_index=resume,
        detail={"reason": "the station stopped", "resume_at": str(resume)},
    )
    return resume
