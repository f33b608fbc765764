"""The legal metrology catalogue and rules (lims.domain.legal): pure, no database."""

from __future__ import annotations

import copy
import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from lims.domain.legal.catalogue import CatalogueError, load_catalogue, parse_catalogue
from lims.domain.legal.stamps import InvalidStamp, StampRange, parse_stamp
from lims.domain.legal.verification import (
    Designation,
    InvalidLegalRecord,
    NoOfficerCard,
    NotDesignated,
    OfficerCard,
    Refusal,
    require_card,
    require_designated,
    valid_until,
)


def _raw() -> dict[str, Any]:
    text = resources.files("lims.domain.legal").joinpath("instrument_types.json").read_text("utf-8")
    return dict(json.loads(text))


def test_every_fact_cites_its_source_and_says_whether_it_was_checked() -> None:
    catalogue = load_catalogue()
    assert {s.key for s in catalogue.sources} == {"LAW-2011", "TT23-2013", "TT07-2019", "TT03-2024"}
    for t in catalogue.types:
        for fact in (t.requires_verification, t.cycle_months):
            assert fact.cite.vi and fact.cite.en and isinstance(fact.checked, bool)
        assert t.procedure.reference.startswith("ĐLVN ")
        assert t.characteristics, t.code
    # What was read in Circular 03/2024/TT-BKHCN art. 1 while writing the file: analytical and precision
    # balances, 12 months. Of the ĐLVN procedures, two were read in published copies of their texts:
    # ĐLVN 30:2019 (replaces 30:2009, spring dial scales) and ĐLVN 08:2011 (elastic-element gauges only, not
    # digital ones); each names the copy it was read in. The others are still from memory.
    checked = {t.code for t in catalogue.types if t.cycle_months.checked}
    assert checked == {"can-phan-tich", "can-ky-thuat"}
    procedures = {t.code: t.procedure for t in catalogue.types if t.procedure.checked}
    assert {code: p.reference for code, p in procedures.items()} == {
        "can-dong-ho-lo-xo": "ĐLVN 30:2019",
        "ap-ke-lo-xo": "ĐLVN 08:2011",
    }
    assert all(p.checked_against is not None and p.checked_against.vi for p in procedures.values())
    assert "hiện số" not in procedures["ap-ke-lo-xo"].title.vi  # digital gauges are not in its scope
    scale = catalogue.get("can-ban")
    assert scale.characteristics == ("accuracy_class", "max", "min", "e", "n")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["instrument_types"][0].pop("field"), r"instrument_types\[0\].field"),
        (lambda d: d["instrument_types"][0]["cycle_months"].update(value=0), "between 1 and 120"),
        (lambda d: d["instrument_types"][0]["cycle_months"].update(value=True), "a whole number is required"),
        (lambda d: d["instrument_types"][0]["procedure"].pop("checked"), "procedure.checked"),
        (lambda d: d["instrument_types"][0]["procedure"].update(checked=True), "procedure.checked_against"),
        (lambda d: d["instrument_types"][0]["characteristics"].append("colour"), "no label for colour"),
        (lambda d: d["instrument_types"].append(d["instrument_types"][0]), "used twice"),
        (lambda d: d["instrument_types"][1]["cycle_months"].update(cite="text only"), r"cycle_months.cite"),
    ],
)
def test_a_malformed_catalogue_names_the_field(change: Any, message: str) -> None:
    raw = copy.deepcopy(_raw())
    change(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(raw)


def test_designation_scope_and_expiry() -> None:
    old = Designation("12/QĐ-TĐC", date(2020, 1, 1), "TĐC", ("can-ban",), date(2024, 12, 31))
    new = Designation("125/QĐ-TĐC", date(2025, 1, 1), "TĐC", ("can-ban", "ap-ke-lo-xo"), date(2029, 12, 31))
    assert require_designated([old, new], "can-ban", on=date(2024, 6, 1)) is old
    assert require_designated([old, new], "can-ban", on=date(2025, 6, 1)) is new
    with pytest.raises(NotDesignated) as refused:
        require_designated([old, new], "can-dia", on=date(2025, 6, 1))
    assert refused.value.why is Refusal.NOT_IN_SCOPE
    with pytest.raises(NotDesignated) as refused:
        require_designated([old, new], "ap-ke-lo-xo", on=date(2030, 1, 1))
    assert (refused.value.why, refused.value.until) == (Refusal.EXPIRED, date(2029, 12, 31))
    with pytest.raises(NotDesignated) as refused:
        require_designated([], "can-ban", on=date(2025, 6, 1))
    assert refused.value.why is Refusal.NONE_RECORDED


def test_officer_card_history_as_on_the_day() -> None:
    first = OfficerCard("lan", "KĐV-1", "TĐC", ("can-ban",), date(2020, 1, 1), date(2024, 12, 31))
    renewed = OfficerCard("lan", "KĐV-2", "TĐC", ("can-ban",), date(2025, 3, 1), date(2029, 12, 31),
                          revoked_on=date(2026, 1, 1))
    assert require_card([first, renewed], "lan", "can-ban", on=date(2024, 12, 31)) is first
    assert require_card([first, renewed], "lan", "can-ban", on=date(2025, 12, 31)) is renewed
    for day, why in ((date(2025, 2, 1), Refusal.EXPIRED), (date(2026, 1, 1), Refusal.REVOKED)):
        with pytest.raises(NoOfficerCard) as refused:
            require_card([first, renewed], "lan", "can-ban", on=day)
        assert refused.value.why is why, day


@pytest.mark.parametrize(
    "bad",
    [
        lambda: OfficerCard("lan", " ", "TĐC", ("can-ban",), date(2020, 1, 1), date(2024, 1, 1)),
        lambda: OfficerCard("lan", "K", "TĐC", (), date(2020, 1, 1), date(2024, 1, 1)),
        lambda: OfficerCard("lan", "K", "TĐC", ("can-ban",), date(2020, 1, 1), date(2019, 1, 1)),
        lambda: Designation("1", date(2020, 1, 1), " ", ("can-ban",), date(2024, 1, 1)),
    ],
)
def test_malformed_records_are_refused(bad: Any) -> None:
    with pytest.raises(InvalidLegalRecord):
        bad()


def test_validity_is_the_cycle_minus_one_day_never_longer() -> None:
    # 2026-01-31 + 12 months = 2027-01-31, − 1 day = 2027-01-30; asked 1 month: 2026-02-28 − 1 = 2026-02-27
    assert valid_until(date(2026, 1, 31), cycle_months=12) == date(2027, 1, 30)
    assert valid_until(date(2026, 1, 31), cycle_months=12, requested_months=1) == date(2026, 2, 27)
    assert valid_until(date(2026, 1, 31), cycle_months=12, requested_months=36) == date(2027, 1, 30)
    with pytest.raises(InvalidLegalRecord):
        valid_until(date(2026, 1, 31), cycle_months=12, requested_months=0)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("HN-26-001234", ("HN-26", 1234)), (" hn-26  001234 ", ("HN-26", 1234)), ("AB0012345", ("AB", 12345)),
     ("ĐN-26-0001", ("ĐN-26", 1))],
)
def test_stamp_numbers_are_read_as_printed(text: str, parsed: tuple[str, int]) -> None:
    assert parse_stamp(text) == parsed


@pytest.mark.parametrize("text", ["", "HN-26", "123456", "HN-26-12"])
def test_unreadable_stamp_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidStamp):
        parse_stamp(text)


def test_stamp_ranges() -> None:
    batch = StampRange("hn-26", 1201, 1400)
    assert batch.count == 200 and batch.format(1201) == "HN-26-001201"
    assert batch.contains("HN-26", 1400) and not batch.contains("HN-26", 1401) and not batch.contains("HN-25", 1300)
    for first, last, digits in ((0, 10, 6), (10, 9, 6), (1, 10_000_000, 6), (1, 10, 3)):
        with pytest.raises(InvalidStamp):
            StampRange("HN-26", first, last, digits)
