"""Vietnamese tax codes: format and check digit (weights 31, 29, 23, 19, 17, 13, 7, 5, 3; mod 11)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lims.domain.taxcode import InvalidTaxCode, check_digit, normalise_tax_code


@pytest.mark.parametrize("code", ["0100109106", "0300588569", "0100109106-001"])
def test_published_codes_are_valid(code: str) -> None:
    # Viettel (0100109106) and Vinamilk (0300588569) publish their codes on their invoices.
    assert normalise_tax_code(code) == code


@pytest.mark.parametrize(
    "code", ["0100109107", "010010910", "01001091060", "0100109106-01", "0100109106-000", "01001O9106", ""]
)
def test_invalid_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidTaxCode) as caught:
        normalise_tax_code(code)
    assert "not valid" in str(caught.value)


def test_error_names_the_expected_check_digit() -> None:
    with pytest.raises(InvalidTaxCode, match="check digit should be 6"):
        normalise_tax_code("0100109100")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_valid_completion(nine: str) -> None:
    valid = [d for d in range(10) if _ok(nine + str(d))]
    expected = check_digit(nine)
    assert valid == ([] if expected is None else [expected])


def _ok(code: str) -> bool:
    try:
        normalise_tax_code(code)
    except InvalidTaxCode:
        return False
    return True
