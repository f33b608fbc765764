"""The records of a budget template: input sources, inputs, the template, and the standard and item data a
test point supplies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lims.domain.errors import DomainError


class BudgetError(DomainError, ValueError):
    """A budget template or the data to instantiate it is invalid; the message names the field."""


class InputSource(StrEnum):
    """Where an input quantity's estimate and uncertainty come from."""

    READINGS = "readings"
    STANDARD = "standard"
    STANDARD_DRIFT = "standard_drift"
    STANDARD_CHARACTERISTIC = "standard_characteristic"
    RESOLUTION = "resolution"
    ENVIRONMENT = "environment"
    FIXED = "fixed"
    SUPPLIED = "supplied"
    HYSTERESIS = "hysteresis"
    REPEATABILITY = "repeatability"
    ZERO_DEVIATION = "zero_deviation"
    HEAD_CORRECTION = "head_correction"
    STANDARD_SPECIFICATION = "standard_specification"
    STEM_CORRECTION = "stem_correction"


#: Sources that only a procedure with a calibration sequence can use.
SEQUENCE_SOURCES = frozenset(
    {
        InputSource.HYSTERESIS,
        InputSource.REPEATABILITY,
        InputSource.ZERO_DEVIATION,
        InputSource.HEAD_CORRECTION,
    }
)


class Scale(StrEnum):
    """What a relative half-width multiplies."""

    NONE = "none"
    NOMINAL = "nominal"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class StandardUsed:
    """A measurement standard at one test point, from its calibration certificate.

    ``value`` is the reference value it realises at the point (e.g. the conventional mass of the weights, the
    corrected reading of the reference thermometer), in the procedure's unit.
    """

    identifier: str
    value: float
    unit: str
    expanded_uncertainty: float
    coverage_factor: float
    drift_limit: float = 0.0
    degrees_of_freedom: float | None = None
    characteristics: Mapping[str, float] = field(default_factory=dict)
    #: time from the standard's last calibration to the measurement, in years (drift per time, EURAMET cg-15)
    years_since_calibration: float | None = None
    #: the standard's usable range in the procedure's unit (e.g. a bath's), when the procedure checks it
    range_min: float | None = None
    range_max: float | None = None


@dataclass(frozen=True, slots=True)
class InstrumentUnderTest:
    """The item's metrological data that a procedure needs."""

    unit: str
    range_min: float
    range_max: float
    resolution: float
    accuracy_class: str | None = None
    verification_interval: float | None = None


@dataclass(frozen=True, slots=True)
class InputTemplate:
    """One input quantity of the model."""

    name: str
    source: InputSource
    description: str = ""  # English
    description_vi: str = ""  # Vietnamese (NFC); a procedure file may give only English
    role: str | None = None  # "indication" or "reference" (used for error = indication − reference)
    standard: str | None = None  # key into the standards mapping
    characteristic: str | None = None
    quantity: str | None = None  # environment quantity
    reference_value: float = 0.0
    coefficient: float = 0.0
    scale: Scale = Scale.NONE
    value: float = 0.0
    distribution: Mapping[str, Any] | None = None
    dof: float | None = None
    half_width: float = 0.0  # stem_correction: half-width of the emergent-column temperature t2, in K
    relative_uncertainty: float = 0.0  # stem_correction: standard uncertainty of k as a fraction of k
    #: standard_specification: the function whose specification is read (None: the DC voltage keys
    #: ``stability_relative_per_year`` / ``stability_floor_per_year``) and the unit its floor is stated in
    specification: str | None = None
    floor_unit: str | None = None
    optional: bool = False  # environment: not recorded means no such effect (0 ± 0)

    def describe(self, language: str) -> str:
        """The description in ``language`` (``vi`` or ``en``); English when no Vietnamese was given."""
        if language.split("_")[0].lower() == "vi" and self.description_vi:
            return self.description_vi
        return self.description


@dataclass(frozen=True, slots=True)
class BudgetTemplate:
    """A measurand, a model over named inputs and how to obtain each input."""

    measurand: str
    model: str
    inputs: tuple[InputTemplate, ...]
    coverage_probability: float = 0.9545
    correlations: tuple[Mapping[str, Any], ...] = ()

    def input_with_role(self, role: str) -> InputTemplate:
        """The input marked with ``role`` (``indication`` or ``reference``)."""
        for item in self.inputs:
            if item.role == role:
                return item
        raise BudgetError(f"budget.inputs: no input has role {role!r}")
