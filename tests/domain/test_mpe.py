"""Maximum permissible errors (lims.domain.mpe).

References: OIML R 76-1:2006 3.5.1 table 6 (MPE on initial verification of non-automatic weighing instruments)
and 3.5.2 (in service: twice); EN 837-1:1996 table 11 (pressure gauge classes, % of span).
"""

from __future__ import annotations

import pytest

from lims.domain.mpe import (
    Band,
    Banded,
    Counts,
    CriterionError,
    Fixed,
    OimlR76,
    PercentOfRange,
    PercentOfReading,
    PressureGauge,
    Sum,
    criterion_from_dict,
    criterion_to_dict,
    mpe_at,
    r76_mpe_in_e,
)

# OIML R 76-1:2006 table 6, every band edge: (class, load m in e, MPE in e on initial verification).
R76_TABLE_6_EDGES = [
    ("I", 0, 0.5),
    ("I", 50_000, 0.5),
    ("I", 50_001, 1.0),
    ("I", 200_000, 1.0),
    ("I", 200_001, 1.5),
    ("I", 1_000_000, 1.5),
    ("II", 0, 0.5),
    ("II", 5_000, 0.5),
    ("II", 5_001, 1.0),
    ("II", 20_000, 1.0),
    ("II", 20_001, 1.5),
    ("II", 100_000, 1.5),
    ("III", 0, 0.5),
    ("III", 500, 0.5),
    ("III", 501, 1.0),
    ("III", 2_000, 1.0),
    ("III", 2_001, 1.5),
    ("III", 10_000, 1.5),
    ("IIII", 0, 0.5),
    ("IIII", 50, 0.5),
    ("IIII", 51, 1.0),
    ("IIII", 200, 1.0),
    ("IIII", 201, 1.5),
    ("IIII", 1_000, 1.5),
]


@pytest.mark.parametrize(("klass", "load_e", "mpe_e"), R76_TABLE_6_EDGES)
def test_oiml_r76_table_6_initial_verification(klass: str, load_e: int, mpe_e: float) -> None:
    assert r76_mpe_in_e(load_e, klass) == mpe_e


@pytest.mark.parametrize(("klass", "load_e", "mpe_e"), R76_TABLE_6_EDGES)
def test_oiml_r76_in_service_is_twice_initial(klass: str, load_e: int, mpe_e: float) -> None:
    # OIML R 76-1:2006 3.5.2
    assert r76_mpe_in_e(load_e, klass, in_service=True) == 2 * mpe_e


@pytest.mark.parametrize(("klass", "load_e"), [("II", 100_001), ("III", 10_001), ("IIII", 1_001)])
def test_oiml_r76_load_beyond_the_class_table_is_refused(klass: str, load_e: int) -> None:
    with pytest.raises(CriterionError, match=f"class {klass}"):
        r76_mpe_in_e(load_e, klass)


def test_oiml_r76_in_mass_units_for_a_class_iii_scale() -> None:
    # 30 kg × 5 g class III (n = 6000): 2.5 kg = 500 e → 0.5 e; 10 kg = 2000 e → 1 e; 15 kg = 3000 e → 1.5 e.
    for load_kg, mpe_kg in [(2.5, 0.0025), (2.505, 0.005), (10.0, 0.005), (15.0, 0.0075), (30.0, 0.0075)]:
        assert mpe_at(OimlR76(), load_kg, range_max=30.0, resolution=0.005, accuracy_class="III") == mpe_kg
    # in service, the same scale at 15 kg: 2 × 1.5 e = 15 g
    assert mpe_at(OimlR76("III", in_service=True), 15.0, range_max=30.0, resolution=0.005) == 0.015


def test_oiml_r76_uses_e_not_d_when_they_differ() -> None:
    # Class II balance with d = 0.01 g and e = 0.1 g, 150 g = 1500 e → 0.5 e = 0.05 g.
    assert mpe_at(OimlR76("II"), 150.0, range_max=220.0, resolution=0.01, verification_interval=0.1) == 0.05


def test_oiml_r76_needs_a_class() -> None:
    with pytest.raises(CriterionError, match="accuracy_class"):
        mpe_at(OimlR76(), 1.0, range_max=30.0, resolution=0.005)
    with pytest.raises(CriterionError, match="'V' is not an OIML R 76 class"):
        mpe_at(OimlR76(), 1.0, range_max=30.0, resolution=0.005, accuracy_class="V")


@pytest.mark.parametrize(
    ("klass", "range_min", "range_max", "expected"),
    [
        # EN 837-1:1996 table 11: class × span / 100
        (1.6, 0.0, 10.0, 0.16),
        (1.0, -1.0, 5.0, 0.06),  # span 6 bar (WIKA testing instructions example)
        (0.6, 0.0, 16.0, 0.096),
        (2.5, 0.0, 250.0, 6.25),
        (0.1, 0.0, 600.0, 0.6),
    ],
)
def test_pressure_gauge_class_is_percent_of_span(
    klass: float, range_min: float, range_max: float, expected: float
) -> None:
    assert mpe_at(
        PressureGauge(klass), range_max / 2, range_min=range_min, range_max=range_max, resolution=0.01
    ) == pytest.approx(expected, rel=1e-12)


def test_pressure_gauge_class_may_come_from_the_instrument() -> None:
    assert mpe_at(PressureGauge(), 8.0, range_max=16.0, resolution=0.1, accuracy_class="1.6") == 0.256
    with pytest.raises(CriterionError, match=r"1\.2 is not a pressure gauge class"):
        mpe_at(PressureGauge(), 8.0, range_max=16.0, resolution=0.1, accuracy_class="1.2")


@pytest.mark.parametrize(
    ("criterion", "nominal", "expected"),
    [
        (Fixed(0.2), 37.0, 0.2),  # a clinical or digital thermometer's ±0.2 °C
        (Fixed(-0.3), 10.0, 0.3),
        (PercentOfReading(0.5), -40.0, 0.2),
        (PercentOfRange(0.25), 3.0, 0.025),  # 0.25 % of a 0–10 span
        (Counts(3), 5.0, 0.003),
        # 6½-digit DMM on its 10 V range: ±(0.0035 % of reading + 0.0005 % of range)
        (Sum((PercentOfReading(0.0035), PercentOfRange(0.0005))), 10.0, 0.0004),
        # handheld DMM: ±(0.05 % of reading + 2 counts) at 5 V with 1 mV resolution
        (Sum((PercentOfReading(0.05), Counts(2))), 5.0, 0.0045),
    ],
)
def test_simple_and_combined_criteria(criterion: object, nominal: float, expected: float) -> None:
    assert mpe_at(criterion, nominal, range_max=10.0, resolution=0.001) == expected  # type: ignore[arg-type]


def test_banded_criterion_picks_the_first_band_covering_the_nominal() -> None:
    bands = Banded(
        (Band(100.0, Fixed(0.2)), Band(200.0, Fixed(0.5)), Band(float("inf"), PercentOfReading(0.5)))
    )
    assert mpe_at(bands, -50.0, range_min=-100.0, range_max=400.0, resolution=0.1) == 0.2
    assert mpe_at(bands, 100.0, range_min=-100.0, range_max=400.0, resolution=0.1) == 0.2
    assert mpe_at(bands, 150.0, range_min=-100.0, range_max=400.0, resolution=0.1) == 0.5
    assert mpe_at(bands, 300.0, range_min=-100.0, range_max=400.0, resolution=0.1) == 1.5
    finite = Banded((Band(100.0, Fixed(0.2)),))
    with pytest.raises(CriterionError, match="above the last band"):
        mpe_at(finite, 150.0, range_max=400.0, resolution=0.1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"range_max": 0.0, "resolution": 0.1}, "range_max"),
        ({"range_max": 10.0, "resolution": 0.0}, "resolution"),
        ({"range_max": float("nan"), "resolution": 0.1}, "nominal/range"),
    ],
)
def test_bad_instrument_data_names_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(CriterionError, match=field):
        mpe_at(Fixed(1.0), 1.0, **kwargs)


ROUND_TRIP = [
    {"kind": "fixed", "value": 0.2},
    {"kind": "percent_of_reading", "percent": 0.05},
    {"kind": "percent_of_range", "percent": 0.25},
    {"kind": "counts", "counts": 2.0},
    {
        "kind": "sum",
        "terms": [{"kind": "percent_of_reading", "percent": 0.05}, {"kind": "counts", "counts": 2.0}],
    },
    {"kind": "banded", "bands": [{"up_to": 100.0, "criterion": {"kind": "fixed", "value": 0.2}}]},
    {"kind": "oiml_r76", "accuracy_class": "III", "stage": "in_service"},
    {"kind": "oiml_r76", "accuracy_class": None, "stage": "initial"},
    {"kind": "pressure_gauge", "accuracy_class": 1.6},
]


@pytest.mark.parametrize("data", ROUND_TRIP)
def test_criterion_dict_round_trip(data: dict[str, object]) -> None:
    assert criterion_to_dict(criterion_from_dict(data)) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "percent"}, r"acceptance.kind: 'percent' is not one of"),
        ({"kind": "fixed"}, r"acceptance.value: expected a number"),
        ({"kind": "fixed", "value": "0.2"}, r"acceptance.value: expected a number"),
        ({"kind": "sum", "terms": []}, r"acceptance.terms"),
        ({"kind": "sum", "terms": [{"kind": "counts"}]}, r"acceptance.terms\[0\].counts"),
        ({"kind": "oiml_r76", "accuracy_class": "3"}, r"accuracy_class: '3'"),
        ({"kind": "oiml_r76", "stage": "periodic"}, r"acceptance.stage"),
        ({"kind": "pressure_gauge", "accuracy_class": 1.2}, r"accuracy_class: 1.2"),
        (
            {
                "kind": "banded",
                "bands": [
                    {"up_to": 2, "criterion": {"kind": "fixed", "value": 1}},
                    {"up_to": 1, "criterion": {"kind": "fixed", "value": 1}},
                ],
            },
            "increase",
        ),
        ([1, 2], "expected an object"),
    ],
)
def test_malformed_criteria_name_the_field(data: object, message: str) -> None:
    with pytest.raises(CriterionError, match=message):
        criterion_from_dict(data)
