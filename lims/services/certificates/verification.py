"""The legal content of a verification (kiểm định) certificate, read from the job's records.

What Circular 23/2013/TT-BKHCN (as amended by 07/2019 and 03/2024) and the ĐLVN procedure ask a
verification certificate to carry beyond a calibration certificate: the legal basis (the ĐLVN procedure of
the instrument type, not the lab's own procedure code), the verification officer and the card that
authorised them on the day, the legal characteristics of the instrument, the stamp number and a validity
derived from the type's verification cycle (never longer), and the designation of the lab as a
verification body instead of an accreditation mark. Facts the catalogue marks "not checked against the
text" are the lab's to confirm (docs/verification.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from certificates.data import LegalCharacteristic, Text, VerificationInfo, VerificationType
from lims.domain.legal.catalogue import InstrumentType, load_catalogue
from lims.domain.legal.verification import valid_until
from lims.errors import N_
from lims.models import Job, User, VerificationDesignation
from lims.services.access import legal
from lims.services.certificates.errors import CertificateError

_QUANTITY = re.compile(r"^\s*(?P<value>[-+]?\d+(?:[.,]\d+)?)\s*(?P<unit>\S*)\s*$")


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _quantity(text: str) -> tuple[Decimal, str] | None:
    match = _QUANTITY.match(text)
    if not match:
        return None
    try:
        return Decimal(match.group("value").replace(",", ".")), match.group("unit")
    except InvalidOperation:
        return None


def characteristics(job: Job, legal_type: InstrumentType) -> tuple[LegalCharacteristic, ...]:
    """The type's legal characteristics, in the catalogue's order, from the job's
    ``legal_characteristics`` requirement; the accuracy class, Max and the measuring range default to the
    instrument record, and ``n = Max/e`` is computed when Max and e are given in the same unit
    (R 76-1 T.3.2.5 defines n as Max/e — from memory). A characteristic that stays unknown is refused.

    Hand calculation for the demo scale: Max = 15 kg, e = 0,005 kg → n = 15 / 0,005 = 3000.
    """
    labels = load_catalogue().characteristic_labels
    given = {
        str(k): str(v).strip()
        for k, v in ((job.requirements or {}).get("legal_characteristics") or {}).items()
    }
    inst = job.instrument
    values: dict[str, str] = {}
    if inst.accuracy_class:
        values["accuracy_class"] = inst.accuracy_class
    if inst.range_max is not None:
        values["max"] = f"{_plain(inst.range_max)} {inst.unit}"
    if inst.range_min is not None and inst.range_max is not None:
        values["range"] = f"({_plain(inst.range_min)} … {_plain(inst.range_max)}) {inst.unit}"
    if inst.resolution is not None:
        values["division"] = f"{_plain(inst.resolution)} {inst.unit}"
    values.update({k: v for k, v in given.items() if v})
    if "n" in legal_type.characteristics and "n" not in values and "max" in values and "e" in values:
        high, e = _quantity(values["max"]), _quantity(values["e"])
        if high and e and high[1] == e[1] and e[0] > 0:
            values["n"] = _plain(high[0] / e[0])
    missing = [labels[k].vi for k in legal_type.characteristics if not values.get(k)]
    if missing:
        raise CertificateError(
            N_(
                "Job %(number)s: record the legal characteristics of the instrument before issuing: %(content)s."
            ),
            number=job.number,
            content=", ".join(missing),
        )
    return tuple(
        LegalCharacteristic(Text(labels[k].vi, labels[k].en), values[k]) for k in legal_type.characteristics
    )


@dataclass(frozen=True, slots=True)
class LegalContent:
    legal_type: InstrumentType
    designation: VerificationDesignation
    info: VerificationInfo


def legal_content(
    session: Session,
    job: Job,
    *,
    performed: date,
    issued_on: date,
    stamp_number: str,
    passed: bool,
    requested_months: int | None = None,
    fixed_valid_until: date | None = None,
) -> LegalContent:
    """Everything legal the certificate prints, checked: the designation in force on the verification and
    issue days, the officer who performed it holding a card for the type on the day, the characteristics,
    and the validity (``fixed_valid_until`` keeps an amended certificate's date)."""
    legal_type = legal.legal_type_of(job)
    designation = legal.require_designated(session, job.lab_id, legal_type.code, on=performed)
    legal.require_designated(session, job.lab_id, legal_type.code, on=issued_on)
    officer_id = job.measured_by_id or job.technician_id
    officer = session.get(User, officer_id) if officer_id else None
    if officer is None:
        raise CertificateError(
            N_("Job %(number)s names no verification officer who performed it."), number=job.number
        )
    card = legal.require_officer(session, officer, legal_type.code, on=performed)
    until = fixed_valid_until or valid_until(
        performed, cycle_months=legal_type.cycle_months.value, requested_months=requested_months
    )
    proc = legal_type.procedure
    info = VerificationInfo(
        passed,
        stamp_number,
        until,
        VerificationType(
            (job.requirements or {}).get("verification_type") or VerificationType.PERIODIC.value
        ),
        procedure=Text(f"{proc.reference} {proc.title.vi}", f"{proc.reference} {proc.title.en}"),
        procedure_reference=proc.reference,
        instrument_type=Text(legal_type.name.vi, legal_type.name.en),
        officer=officer.full_name,
        officer_card=legal.card_text(card),
        characteristics=characteristics(job, legal_type),
    )
    return LegalContent(legal_type, designation, info)
