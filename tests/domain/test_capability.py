"""CMC scope and ILAC-P14 (lims.domain.capability): U below the CMC is refused; outside scope is flagged."""

from __future__ import annotations

import pytest

from lims.domain.capability import (
    CapabilityError,
    CmcEntry,
    UncertaintyBelowCmc,
    check_against_cmc,
    cmc_from_dict,
    scope_from_list,
)

SCOPE = (
    CmcEntry(
        "DC voltage", "V", -1.0, 1.0, a=2e-6, b=1e-5
    ),  # ranges are signed; this one covers both polarities
    CmcEntry("DC voltage", "V", 1.0, 1000.0, a=0.0, b=1.5e-5),
    CmcEntry("pressure", "bar", 0.0, 16.0, fixed=0.002, procedure_code="CAL-PG-DKD"),
    CmcEntry("pressure", "bar", 0.0, 700.0, a=0.0, b=2e-4),
    CmcEntry("mass", "kg", 0.0, 60.0, a=0.0005, b=1e-5),
)


@pytest.mark.parametrize(
    ("quantity", "value", "unit", "cmc"),
    [
        ("DC voltage", 0.5, "V", 7e-6),  # 2 µV + 10 µV/V × 0.5 V
        ("DC voltage", -0.5, "V", 7e-6),  # b·|x|
        ("DC voltage", 10.0, "V", 1.5e-4),
        ("DC voltage", 1.0, "V", 1.2e-5),  # both entries cover 1 V; the smaller CMC (1.2e-5 < 1.5e-5) applies
        ("pressure", 10.0, "bar", 0.002),  # 0.002 fixed < 2e-4 × 10 = 0.002 → equal, either
        ("pressure", 8.0, "bar", 0.0016),  # 2e-4 × 8 = 0.0016 < 0.002
        ("mass", 20.0, "kg", 0.0007),
    ],
)
def test_cmc_at_value(quantity: str, value: float, unit: str, cmc: float) -> None:
    result = check_against_cmc(SCOPE, quantity, value, unit, cmc)  # reporting exactly the CMC is allowed
    assert result.within_scope
    assert result.cmc_uncertainty == pytest.approx(cmc, rel=1e-12)


def test_reported_uncertainty_below_cmc_is_refused() -> None:
    # ILAC-P14:09/2020: an accredited lab shall not report an expanded uncertainty smaller than its CMC.
    with pytest.raises(
        UncertaintyBelowCmc,
        match=r"expanded_uncertainty: 0.0006 kg for mass at 20 kg is smaller "
        r"than the lab's CMC of 0.0007 kg",
    ) as info:
        check_against_cmc(SCOPE, "mass", 20.0, "kg", 0.0006)
    assert info.value.cmc == pytest.approx(0.0007)
    assert isinstance(info.value, ValueError)


def test_units_are_converted_before_the_scope_is_judged() -> None:
    # 5000 mV is 5 V: inside a row written in volts, so U below its CMC is refused (issue 16 item 4)
    cmc_v = check_against_cmc(SCOPE, "DC voltage", 5.0, "V", 1.0).cmc_uncertainty
    assert cmc_v is not None
    with pytest.raises(UncertaintyBelowCmc):
        check_against_cmc(SCOPE, "DC voltage", 5000.0, "mV", cmc_v * 1000 / 2)  # half the CMC, in mV
    assert check_against_cmc(SCOPE, "DC voltage", 5000.0, "mV", cmc_v * 1000).within_scope


@pytest.mark.parametrize(
    ("quantity", "value", "unit"),
    [
        ("DC voltage", 1500.0, "V"),
        ("DC voltage", 0.5, "A"),
        ("temperature", 20.0, "°C"),
        ("mass", -1.0, "kg"),
    ],
)
def test_outside_scope_is_flagged_not_refused(quantity: str, value: float, unit: str) -> None:
    result = check_against_cmc(SCOPE, quantity, value, unit, 1e-9)
    assert not result.within_scope and result.entry is None and result.cmc_uncertainty is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit": "V", "range_min": 0, "range_max": 1, "fixed": 1e-5}, "cmc.quantity"),
        ({"quantity": "x", "range_min": 0, "range_max": 1, "fixed": 1e-5}, "cmc.unit"),
        ({"quantity": "x", "unit": "V", "range_max": 1, "fixed": 1e-5}, "cmc.range_min: required"),
        ({"quantity": "x", "unit": "V", "range_min": 0, "range_max": 1}, "give fixed, or a"),
        ({"quantity": "x", "unit": "V", "range_min": 2, "range_max": 1, "fixed": 1e-5}, "range_max is below"),
        (
            {"quantity": "x", "unit": "V", "range_min": 0, "range_max": 1, "fixed": -1},
            "fixed: must be a positive number",
        ),
        ({"quantity": "x", "unit": "V", "range_min": 0, "range_max": 1, "a": "1"}, "cmc.a"),
    ],
)
def test_malformed_entries(data: dict[str, object], message: str) -> None:
    with pytest.raises(CapabilityError, match=message):
        cmc_from_dict(data)


def test_cmc_from_dict_formula() -> None:
    entry = cmc_from_dict(
        {
            "quantity": "DC voltage",
            "unit": "V",
            "range_min": 0,
            "range_max": 1000,
            "a": 1e-6,
            "b": 1.5e-5,
            "procedure_code": "CAL-DMM-DCV",
        }
    )
    assert entry.uncertainty_at(100.0) == pytest.approx(1.501e-3)
    assert entry.procedure_code == "CAL-DMM-DCV"


def test_scope_from_list_names_the_bad_entry() -> None:
    good = {"quantity": "mass", "unit": "kg", "range_min": 0, "range_max": 60, "a": 5e-4, "b": 1e-5}
    scope = scope_from_list([good, good | {"quantity": "pressure", "unit": "bar", "fixed": 0.002}])
    assert check_against_cmc(scope, "pressure", 5.0, "bar", 0.002).entry == scope[1]
    with pytest.raises(CapabilityError, match=r"scope\[1\]\.unit"):
        scope_from_list([good, good | {"unit": ""}])
    with pytest.raises(CapabilityError, match="expected a list"):
        scope_from_list(good)
