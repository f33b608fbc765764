"""Uncertainty budget templates: a procedure's measurement model with the origin of each input quantity.

A template is instantiated per test point into the budget dictionary that the uncertainty engine evaluates
(JCGM 100:2008 (GUM) clause 8 steps 1-3: model, estimates, standard uncertainties). Each input says where its
estimate and its uncertainty come from:

===========================  =================================================================================
source                       input in the budget (value; distribution)
===========================  =================================================================================
``readings``                 no value: type A from the readings, the estimate is their mean (GUM 4.2.1)
``standard``                 the standard's reference value; normal from its certificate U and k (GUM 4.3.1)
``standard_drift``           0; rectangular, half-width = the standard's drift limit (GUM 4.3.7)
``standard_characteristic``  0; rectangular, half-width = named characteristic of a standard (bath stability)
``resolution``               0; rectangular, half-width = resolution / 2 (GUM F.2.2.1)
``environment``              0; rectangular, half-width = coefficient · |reading − reference| · scale
``fixed``                    the template's value and distribution (a lab-characterised constant)
``hysteresis``               0; rectangular, half-width h/2 from the point's up and down series (DKD-R 6-1)
``repeatability``            0; rectangular, half-width b'/2 from the repeated series (DKD-R 6-1, A and B)
``zero_deviation``           0; rectangular, half-width f0/2 from the zero point's readings (DKD-R 6-1)
``head_correction``          ρ·g·Δh in the point's unit; normal from u(ρ) and u(Δh) (EURAMET cg-17)
``standard_specification``   0; rectangular, half-width = (relative·|x| + floor) per year × years since the
                             standard's calibration: a calibrator's drift specification (EURAMET cg-15);
                             ``specification`` names the function (``dc_current``, ``resistance``,
                             ``ac_voltage`` with frequency bands), ``floor_unit`` the unit of its floor
``stem_correction``          k·n·(t1 − t2) (ISO 386 emergent stem); normal from u(t2) and u(k); 0 when no
                             emergent column is recorded (digital or totally immersed thermometers)
``supplied``                 value and distribution computed per point by the procedure's method from the
                             job's other tests (e.g. repeatability and eccentricity of a balance,
                             :mod:`lims.domain.weighing`)
===========================  =================================================================================

With a calibration sequence (a DKD-R 6-1 procedure, :mod:`lims.domain.pressure`) the ``readings`` input
is the mean of the series M1 ↑, M2 ↓, …: its dispersion is carried by the hysteresis, repeatability and zero
inputs, except for a sequence with one series per direction (C), where it is a Type A input with the
laboratory's pooled standard deviation and its degrees of freedom (JCGM 100:2008 4.2.4).

An ``environment`` input marked ``"optional": true`` is 0 ± 0 when the quantity is not recorded (a 2-wire
resistance measurement's lead residual, which a 4-wire one does not have).

``scale`` for environment and relative fixed inputs: ``none`` (1), ``nominal`` (|nominal|) or ``range``
(span).

Modules: :mod:`~lims.domain.budget_template.records` (the template and its inputs),
:mod:`~lims.domain.budget_template.expression` (the model expression),
:mod:`~lims.domain.budget_template.codec` (the procedure-file form),
:mod:`~lims.domain.budget_template.context` and :mod:`~lims.domain.budget_template.instantiation` (one test
point's budget), and one module per family of sources that needs more than a lookup:
:mod:`~lims.domain.budget_template.sequence` (DKD-R 6-1), :mod:`~lims.domain.budget_template.specification`
(EURAMET cg-15), :mod:`~lims.domain.budget_template.stem` (ISO 386).
"""

from __future__ import annotations

from lims.domain.budget_template.codec import template_from_dict, template_to_dict
from lims.domain.budget_template.context import PointContext
from lims.domain.budget_template.expression import model_names
from lims.domain.budget_template.instantiation import instantiate
from lims.domain.budget_template.records import (
    SEQUENCE_SOURCES,
    BudgetError,
    BudgetTemplate,
    InputSource,
    InputTemplate,
    InstrumentUnderTest,
    Scale,
    StandardUsed,
)
from lims.domain.budget_template.specification import has_specification, specification_keys

__all__ = [
    "SEQUENCE_SOURCES",
    "BudgetError",
    "BudgetTemplate",
    "InputSource",
    "InputTemplate",
    "InstrumentUnderTest",
    "PointContext",
    "Scale",
    "StandardUsed",
    "has_specification",
    "instantiate",
    "model_names",
    "specification_keys",
    "template_from_dict",
    "template_to_dict",
]
