"""Generic line driver: profile validation and readings through the pty line simulator."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from instruments import registry
from instruments.drivers.line_profile import LineDriver, LineProfile, bundled_profiles
from instruments.errors import MalformedFrame, ProfileError, UnknownDriver
from instruments.simulators.faults import Faults
from instruments.simulators.line import LineSimulator

STREAMING = {
    "name": "stream-demo",
    "manufacturer": "Demo",
    "pattern": r"(?P<stable>[SD]) (?P<value>[+-]?\d+\.\d+) (?P<unit>kPa)",
    "stable_values": ["S"],
    "unstable_values": ["D"],
    "framing": {"read_terminator": "\\n", "timeout_s": 0.5, "max_frame_bytes": 32},
    "simulator": {"lines": ["S +101.325 kPa", "D +101.400 kPa"], "stream_period_s": 0.01},
}


def test_every_bundled_profile_loads_and_parses_its_own_sample_lines() -> None:
    for path in bundled_profiles().values():
        profile = LineProfile.load(path)
        for line in profile.simulator["lines"]:
            value, unit, _ = profile.parse(line)
            assert Decimal(value).is_finite() and unit


def test_pattern_without_value_group_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\npattern = \'(?P<reading>\\d+)\'\nunit = "g"\n')
    with pytest.raises(ProfileError) as info:
        LineProfile.load(path)
    assert info.value.field == "pattern"
    assert "no (?P<value>" in str(info.value) and "bad.toml" in str(info.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pattern": "(?P<value>[0-9"}, "pattern"),
        ({"name": "Bad Name"}, "name"),
        ({"serial": {"parity": "Q"}}, "serial.parity"),
        ({"framing": {"max_frame_bytes": 1}}, "framing.max_frame_bytes"),
        ({"framing": {"eol": "\\n"}}, "framing.eol"),
        ({"stable_values": []}, "stable_values"),
        ({"colour": "red"}, "colour"),
        ({"pattern": r"(?P<value>\d+)", "unit": ""}, "unit"),
    ],
)
def test_profile_errors_name_the_field(change: dict, field: str) -> None:
    with pytest.raises(ProfileError) as info:
        LineProfile.from_mapping(STREAMING | change, source="x.json")
    assert info.value.field == field


def test_json_profile_via_line_prefix(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(STREAMING))
    entry = registry.get(f"line:{path}")
    assert entry.name == "stream-demo"
    with pytest.raises(UnknownDriver, match="known drivers: druck-pace"):
        registry.get("sartorius")


def test_streaming_instrument_with_stability_flags(start_sim) -> None:
    profile = LineProfile.from_mapping(STREAMING, source="<test>")
    sim = start_sim(LineSimulator(profile))
    with LineDriver.open_profile(sim.path, profile) as driver:
        readings = [driver.read() for _ in range(4)]
    assert [r.stable for r in readings[:2]] in ([True, False], [False, True])
    assert {r.unit for r in readings} == {"kPa"}
    assert [r.seq for r in readings] == [1, 2, 3, 4]


def test_sartorius_sbi_poll_identity_and_blank_unit_means_unstable(start_sim) -> None:
    entry = registry.get("sartorius-sbi")
    sim = start_sim(entry.simulator(0))
    driver = entry.open(sim.path)
    with driver:
        readings = [driver.read() for _ in range(3)]
    assert driver.identity is not None and driver.identity.serial_number == "0037105643"
    assert [(r.value_text, r.unit, r.stable) for r in readings] == [
        ("+123.56", "g", True),
        ("+123.57", "g", False),
        ("-0.02", "g", True),
    ]
    assert readings[0].raw == b"N     +   123.56 g  \r\n"


def test_line_not_matching_is_rejected_whole(start_sim) -> None:
    entry = registry.get("fluke-1522")
    instrument = entry.simulator(0)
    assert isinstance(instrument, LineSimulator)
    instrument.lines = ["t: 25.587 C", "t: 25.5.87 C", "t: 25.589 X", "t: 25.590 C"]
    sim = start_sim(instrument)
    with entry.open(sim.path) as driver:
        assert driver.read().value_text == "25.587"
        for _ in range(2):
            with pytest.raises(MalformedFrame, match="does not match"):
                driver.read()
        reading = driver.read()
    assert (reading.value_text, reading.seq) == ("25.590", 2)


def test_garbled_streaming_line_is_rejected(start_sim) -> None:
    profile = LineProfile.from_mapping(STREAMING, source="<test>")
    sim = start_sim(LineSimulator(profile), Faults(seed=3, schedule={30: "garble"}))
    with LineDriver.open_profile(sim.path, profile) as driver:
        outcomes: list[int | str] = []
        for _ in range(40):
            try:
                outcomes.append(driver.read().seq)
            except MalformedFrame:
                outcomes.append("rejected")
    assert outcomes.count("rejected") == 1
    good = [o for o in outcomes if o != "rejected"]
    assert good == list(range(1, len(good) + 1))
