"""Validation helpers shared by the data classes: each error names the field at fault."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum

from certificates.errors import CertificateDataError
from certificates.formatting import is_finite_number
from certificates.wording import nfc

__all__ = ["check_finite", "check_type", "clean_text", "normalise_strings"]


def clean_text(owner: str, name: str, value: object, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise CertificateDataError(f"{owner}.{name}", f"must be a string, not {type(value).__name__}")
    value = nfc(value.strip())
    if required and not value:
        raise CertificateDataError(f"{owner}.{name}", "must not be empty")
    return value


def normalise_strings(obj: object, owner: str, optional: tuple[str, ...] = ()) -> None:
    """NFC-normalise and strip every ``str`` field; only the ``optional`` ones may be empty."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, str) and not isinstance(value, Enum):
            object.__setattr__(obj, f.name, clean_text(owner, f.name, value, required=f.name not in optional))


def check_type(
    owner: str, name: str, value: object, kind: type | tuple[type, ...], *, optional: bool = False
) -> None:
    if optional and value is None:
        return
    if not isinstance(value, kind):
        wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise CertificateDataError(f"{owner}.{name}", f"must be {wanted}, not {type(value).__name__}")


def check_finite(
    owner: str, name: str, value: object, *, positive: bool = False, optional: bool = False
) -> None:
    if optional and value is None:
        return
    if not is_finite_number(value):
        raise CertificateDataError(f"{owner}.{name}", f"must be a finite number, not {value!r}")
    if positive and value <= 0:  # type: ignore[operator]
        raise CertificateDataError(f"{owner}.{name}", f"must be positive, not {value!r}")
