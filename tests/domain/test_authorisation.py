"""Personnel authorisations (lims.domain.authorisation), ISO/IEC 17025:2017 6.2.5-6.2.6."""

from __future__ import annotations

from datetime import date

import pytest

from lims.domain.authorisation import (
    Authorisation,
    AuthorisationError,
    AuthorisedRole,
    NotAuthorised,
    require_authorised,
)

PERFORM_PG = Authorisation(
    "lan",
    "CAL-PG-DKD",
    AuthorisedRole.PERFORM,
    date(2024, 1, 10),
    "training TR-2024-03; 5 supervised jobs",
    expires_on=date(2025, 12, 31),
)
REVIEW_PG = Authorisation(
    "lan", "CAL-PG-DKD", AuthorisedRole.REVIEW, date(2025, 7, 1), "review training RT-7"
)
SIGN_TH = Authorisation(
    "lan",
    "CAL-TH-BATH",
    AuthorisedRole.SIGN,
    date(2023, 5, 2),
    "BoA approved signatory",
    revoked_on=date(2025, 2, 1),
    granted_by="director",
)
RENEWED = Authorisation("lan", "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2026, 1, 5), "requalification RQ-1")
LAN = [PERFORM_PG, REVIEW_PG, SIGN_TH]


@pytest.mark.parametrize(
    ("code", "role", "on", "expected"),
    [
        ("CAL-PG-DKD", AuthorisedRole.PERFORM, date(2024, 1, 10), PERFORM_PG),  # from the day granted
        ("CAL-PG-DKD", AuthorisedRole.PERFORM, date(2025, 12, 31), PERFORM_PG),  # expiry day still valid
        ("CAL-PG-DKD", AuthorisedRole.REVIEW, date(2025, 8, 1), REVIEW_PG),
        ("CAL-TH-BATH", AuthorisedRole.SIGN, date(2025, 1, 31), SIGN_TH),
    ],
)
def test_valid_authorisation_is_returned(
    code: str, role: AuthorisedRole, on: date, expected: Authorisation
) -> None:
    assert require_authorised(LAN, code, role, on) == expected


@pytest.mark.parametrize(
    ("auths", "code", "role", "on", "why"),
    [
        (LAN, "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2026, 1, 1), "expired on 2025-12-31"),
        (LAN, "CAL-PG-DKD", AuthorisedRole.REVIEW, date(2025, 6, 30), "granted only from 2025-07-01"),
        (LAN, "CAL-TH-BATH", AuthorisedRole.SIGN, date(2025, 2, 1), "revoked on 2025-02-01"),
        (
            LAN,
            "CAL-PG-DKD",
            AuthorisedRole.SIGN,
            date(2025, 8, 1),
            "no authorisation to sign this procedure (holds only: perform, review)",
        ),
        (
            LAN,
            "CAL-DMM-DCV",
            AuthorisedRole.PERFORM,
            date(2025, 8, 1),
            "no authorisation to perform this procedure",
        ),
        (
            [*LAN, RENEWED],
            "CAL-PG-DKD",
            AuthorisedRole.PERFORM,
            date(2026, 1, 2),
            "expired on 2025-12-31; granted only from 2026-01-05",
        ),
    ],
)
def test_refusal_names_what_is_missing(
    auths: list[Authorisation], code: str, role: AuthorisedRole, on: date, why: str
) -> None:
    with pytest.raises(NotAuthorised) as info:
        require_authorised(auths, code, role, on)
    assert str(info.value) == f"lan is not authorised to {role.value} {code} on {on:%Y-%m-%d}: {why}"


def test_renewal_closes_the_gap() -> None:
    assert (
        require_authorised([*LAN, RENEWED], "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2026, 2, 1)) == RENEWED
    )


def test_nobody_without_records_is_authorised() -> None:
    with pytest.raises(NotAuthorised, match="this person is not authorised") as info:
        require_authorised([], "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2025, 1, 1))
    assert isinstance(info.value, PermissionError)


def test_records_of_several_people_are_refused() -> None:
    other = Authorisation("minh", "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2024, 1, 1), "TR-1")
    with pytest.raises(AuthorisationError, match="several people"):
        require_authorised([*LAN, other], "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2025, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"evidence": "  "}, "needs its evidence"),
        ({"expires_on": date(2023, 1, 1)}, "expires_on: 2023-01-01 is before granted_on"),
        ({"revoked_on": date(2023, 1, 1)}, "revoked_on: 2023-01-01 is before granted_on"),
    ],
)
def test_malformed_authorisation(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "person_id": "lan",
        "procedure_code": "CAL-PG-DKD",
        "role": AuthorisedRole.PERFORM,
        "granted_on": date(2024, 1, 1),
        "evidence": "TR-1",
    }
    with pytest.raises(AuthorisationError, match=message):
        Authorisation(**(base | kwargs))  # type: ignore[arg-type]
