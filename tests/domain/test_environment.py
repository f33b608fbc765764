"""Environmental conditions (lims.domain.environment): deviations are returned, never raised."""

from __future__ import annotations

import pytest

from lims.domain.environment import (
    DeviationKind,
    EnvironmentDataError,
    EnvironmentLimit,
    check_environment,
    limit_from_dict,
)

LIMITS = (
    EnvironmentLimit("temperature", "°C", minimum=18.0, maximum=28.0, max_variation=1.0),
    EnvironmentLimit("humidity", "%rh", minimum=20.0, maximum=80.0),
)


def test_within_limits_gives_no_deviation() -> None:
    assert (
        check_environment(LIMITS, {"temperature": [22.1, 22.6], "humidity": 55.0, "pressure": 1013.0}) == []
    )


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        ({"temperature": 17.5, "humidity": 50.0}, [("temperature", DeviationKind.BELOW_MINIMUM, 17.5, 18.0)]),
        (
            {"temperature": [27.5, 28.4], "humidity": 50.0},
            [("temperature", DeviationKind.ABOVE_MAXIMUM, 28.4, 28.0)],
        ),
        (
            {"temperature": [21.0, 22.2], "humidity": 50.0},
            [("temperature", DeviationKind.VARIATION, 1.2, 1.0)],
        ),
        (
            {"temperature": [17.0, 29.0], "humidity": 85.0},
            [
                ("temperature", DeviationKind.BELOW_MINIMUM, 17.0, 18.0),
                ("temperature", DeviationKind.ABOVE_MAXIMUM, 29.0, 28.0),
                ("temperature", DeviationKind.VARIATION, 12.0, 1.0),
                ("humidity", DeviationKind.ABOVE_MAXIMUM, 85.0, 80.0),
            ],
        ),
        ({"temperature": 22.0}, [("humidity", DeviationKind.NOT_RECORDED, None, None)]),
        ({"temperature": [], "humidity": 40.0}, [("temperature", DeviationKind.NOT_RECORDED, None, None)]),
    ],
)
def test_deviations(readings: dict[str, object], expected: list[tuple[object, ...]]) -> None:
    found = check_environment(LIMITS, readings)  # type: ignore[arg-type]
    assert [(d.quantity, d.kind, d.value, d.limit) for d in found] == expected
    assert all(d.message.startswith(d.quantity) for d in found)


def test_messages_are_readable() -> None:
    (dev,) = check_environment(LIMITS[:1], {"temperature": 17.5})
    assert dev.message == "temperature 17.5 °C is below the minimum 18 °C"


def test_non_numeric_reading_is_bad_data_not_a_deviation() -> None:
    with pytest.raises(EnvironmentDataError, match=r"environment\.temperature: 'warm' is not a number"):
        check_environment(LIMITS, {"temperature": ["warm"], "humidity": 50.0})  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit": "°C"}, "environment.quantity"),
        ({"quantity": "temperature"}, "environment.unit"),
        ({"quantity": "temperature", "unit": "°C", "minimum": "18"}, "environment.minimum"),
        ({"quantity": "temperature", "unit": "°C", "minimum": 30, "maximum": 20}, "minimum 30.0 is above"),
    ],
)
def test_limit_from_dict_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(EnvironmentDataError, match=message):
        limit_from_dict(data)
