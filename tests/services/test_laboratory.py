"""The installation's laboratory: one query, one error when it is missing."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from lims.services.access.laboratory import LaboratoryMissing, current_laboratory, find_laboratory
from tests.factories import make_lab


def test_no_laboratory_yet_is_one_clear_error(session: Session) -> None:
    assert find_laboratory(session) is None
    with pytest.raises(LaboratoryMissing, match=r"The laboratory is not set up yet\."):
        current_laboratory(session)


def test_the_first_laboratory_recorded_is_the_installations(session: Session) -> None:
    first = make_lab(session, name_vi="Trung tâm Đo lường Hà Nội")
    make_lab(session, name_vi="Phòng thứ hai")
    assert current_laboratory(session) is first
    assert find_laboratory(session) is first
