"""Stable driver names, as listed by ``lims bench drivers``, and their simulators.

Names never change once released: they are stored with every capture.  Profile files in
``instruments/profiles`` add names without code; ``line:<path>`` uses any profile file directly.

>>> names = driver_names()
>>> {"mt-sics", "scpi-dmm", "fluke-5520a", "fluke-1529", "druck-pace", "sartorius-sbi"} <= set(names)
True
>>> get("no-such")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
instruments.errors.UnknownDriver: unknown driver 'no-such'; known drivers: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from instruments.drivers.base import Driver, DriverOptions
from instruments.drivers.druck_pace import DruckPace
from instruments.drivers.fluke_1529 import Fluke1529
from instruments.drivers.fluke_5520a import Fluke5520A
from instruments.drivers.line_profile import LineDriver, LineProfile, bundled_profiles
from instruments.drivers.modbus_rtu import ModbusRtuDriver
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.drivers.scpi_dmm import ScpiMultimeter
from instruments.drivers.vaisala_hmt import VaisalaHmt
from instruments.errors import UnknownDriver
from instruments.settings import Framing, SerialSettings
from instruments.simulators.instruments import CalibratorSimulator, PaceSimulator, ThermometerSimulator
from instruments.simulators.line import LineSimulator
from instruments.simulators.modbus_rtu import ModbusRtuSimulator
from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.pty import SimulatedInstrument
from instruments.simulators.scpi import DmmSimulator
from instruments.simulators.vaisala_hmt import VaisalaSimulator

CLASS_DRIVERS: dict[str, tuple[type[Driver], Callable[[int], SimulatedInstrument]]] = {
    "mt-sics": (MtSicsBalance, lambda seed: MtSicsSimulator(seed=seed, drift_digits=2, drift_rate=0.05)),
    "scpi-dmm": (ScpiMultimeter, lambda seed: DmmSimulator(seed=seed)),
    "fluke-5520a": (Fluke5520A, lambda seed: CalibratorSimulator()),
    "fluke-1529": (Fluke1529, lambda seed: ThermometerSimulator(seed=seed)),
    "druck-pace": (DruckPace, lambda seed: PaceSimulator()),
    "vaisala-hmt": (VaisalaHmt, lambda seed: VaisalaSimulator(seed=seed)),
    "modbus-rtu": (ModbusRtuDriver, lambda seed: ModbusRtuSimulator(seed=seed)),
}


@dataclass(frozen=True, slots=True)
class DriverEntry:
    """How to open a driver by name, its defaults, and how to simulate it."""

    name: str
    description: str
    settings: SerialSettings
    framing: Framing
    opener: Callable[[str, SerialSettings, Framing, DriverOptions | None], Driver]
    simulator: Callable[[int], SimulatedInstrument]

    def open(self, url: str, *, settings: SerialSettings | None = None,
             framing: Framing | None = None, options: DriverOptions | None = None) -> Driver:
        """Open ``url`` and run the driver's connect sequence (retried as ``options`` say)."""
        return self.opener(url, settings or self.settings, framing or self.framing, options)


def _class_entry(name: str) -> DriverEntry:
    cls, simulator = CLASS_DRIVERS[name]
    return DriverEntry(name, cls.description, cls.default_settings, cls.default_framing,
                       lambda url, s, f, o: cls.open(url, settings=s, framing=f, options=o), simulator)


def _profile_entry(profile: LineProfile) -> DriverEntry:
    return DriverEntry(profile.name, profile.description, profile.settings, profile.framing,
                       lambda url, s, f, o: LineDriver.open_profile(url, profile, settings=s, framing=f,
                                                                    options=o),
                       lambda seed: LineSimulator(profile))


def driver_names() -> list[str]:
    """Every registered name, sorted."""
    return sorted([*CLASS_DRIVERS, *bundled_profiles()])


def get(name: str) -> DriverEntry:
    """The entry for ``name`` (or ``line:<profile path>``); :class:`UnknownDriver` otherwise."""
    if name in CLASS_DRIVERS:
        return _class_entry(name)
    profiles = bundled_profiles()
    if name in profiles:
        return _profile_entry(LineProfile.load(profiles[name]))
    if name.startswith("line:"):
        return _profile_entry(LineProfile.load(Path(name[len("line:"):])))
    raise UnknownDriver(name, driver_names())
