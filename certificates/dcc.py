"""The certificate as a PTB Digital Calibration Certificate (DCC 3.1.2 with D-SI 2.1.0 quantities).

``render_dcc(data) -> bytes`` writes the same content as the PDF; ``validate_dcc(xml)`` checks a document
against the schema shipped in ``certificates/schemas/dcc`` (no network: ``dcc.xsd`` imports
``SI_Format.xsd`` by a relative path, see the README there).

Mapping (ISO/IEC 17025:2017 clause → DCC element):

* 7.8.2.1 d unique identification → ``coreData/uniqueIdentifier``; j date of issue → a statement with
  ``refType="basic_issueDate"`` (DCC 3.1.2 has no issue-date element); c location → ``performanceLocation``;
  h, i dates → ``receiptDate``, ``begin/endPerformanceDate``; stamp number of a verification →
  ``coreData/identifications`` (issuer ``calibrationLaboratory``, name "Số tem kiểm định");
* b laboratory → ``calibrationLaboratory``; e customer → ``customer``; g item → ``items/item``;
  o signatory → ``respPersons/respPerson`` with ``mainSigner``;
* f method → ``usedMethod`` with ``norm``; 7.8.4.1 a uncertainty → ``usedMethod refType="basic_uncertainty"``
  and ``si:expandedUnc`` on every error; c traceability → ``measuringEquipment refType="basic_standardUsed"``
  and a statement; b environment → ``influenceConditions``; m results → one ``dcc:result`` per point with
  ``si:real`` reference value, indication and error; e conformity → ``metaData refType="basic_conformity"``
  per error and a ``basic_conformity`` statement with the decision rule (ILAC-G8);
* 7.8.8 amendment → ``coreData/previousReport``; validity of a verification and a recalibration date the
  customer asked for → statements with ``dcc:date``.

A verification certificate (kiểm định, issue 17) carries in the DCC what its PDF carries: the verification
officer as a second ``respPerson`` (role "Kiểm định viên / Verification officer", the card in its
``description``); statements for the legal instrument type (``lims_legalInstrumentType``), the ĐLVN
procedure (``lims_verificationProcedure``, ``norm`` = its code), the laboratory's designation as a
verification body (``lims_designation``), one per legal characteristic (``lims_legalCharacteristic``: for a
scale class, Max, Min, e, n), the stamp number (``lims_verificationStamp``, also in ``coreData``) and the
validity (``basic_validity``, ``norm`` = the ĐLVN code, ``date`` = valid until). DCC 3.1.2 has no elements
of its own for legal metrology, so these are statements with ``lims_`` reference types (the ``refType``
list is open, see ``refTypesType`` in the schema).

Values are the rounded values printed on the PDF (ILAC-P14 6.3), written with a decimal point.
"""

from __future__ import annotations

import importlib.metadata
import xml.etree.ElementTree as ET

from certificates.data import CertificateData, CertificateKind
from certificates.dcc_results import measurement_results
from certificates.dcc_schema import DCC_NS, MAX_DCC_BYTES, SCHEMA_VERSION, SI_NS, dcc_schema, validate_dcc
from certificates.dcc_xml import d, location, name, statement, sub, texts
from certificates.errors import CertificateDataError
from certificates.pdf_text import CONFORMITY, FIELD, VERIFICATION_TYPE
from certificates.wording import Text

__all__ = ["DCC_NS", "MAX_DCC_BYTES", "SCHEMA_VERSION", "SI_NS", "dcc_schema", "render_dcc", "validate_dcc"]


def _core_data(admin: ET.Element, data: CertificateData) -> None:
    core = sub(admin, d("coreData"))
    sub(core, d("countryCodeISO3166_1"), data.lab.address.country_code)
    for lang in ("vi", "en"):
        sub(core, d("usedLangCodeISO639_1"), lang)
    sub(core, d("mandatoryLangCodeISO639_1"), "vi")
    sub(core, d("uniqueIdentifier"), data.number)
    if data.verification is not None:
        ids = sub(core, d("identifications"))
        ident = sub(ids, d("identification"))
        sub(ident, d("issuer"), "calibrationLaboratory")
        sub(ident, d("value"), data.verification.stamp_number)
        texts(ident, "name", FIELD["stamp"])
    if data.received_on is not None:
        sub(core, d("receiptDate"), data.received_on.isoformat())
    sub(core, d("beginPerformanceDate"), data.performed_from.isoformat())
    sub(core, d("endPerformanceDate"), data.performed_to.isoformat())
    sub(core, d("performanceLocation"), data.location.value)
    if data.amendment is not None:
        previous = sub(core, d("previousReport"))
        texts(
            previous,
            "referral",
            Text(
                f"Sửa đổi {data.amendment.revision}: {data.amendment.reason.vi}",
                f"Amendment {data.amendment.revision}: {data.amendment.reason.en}",
            ),
        )
        sub(previous, d("referralID"), data.amendment.replaces)
        sub(previous, d("procedure"), "SHA-256" if data.amendment.replaces_sha256 else "none")
        sub(previous, d("value"), data.amendment.replaces_sha256 or "-")


def _parties(admin: ET.Element, data: CertificateData) -> None:
    items = sub(admin, d("items"))
    item = sub(items, d("item"))
    texts(item, "name", data.item.name)
    if data.item.condition is not None:
        texts(item, "description", data.item.condition)
    name(sub(item, d("manufacturer")), "name", data.item.manufacturer)
    if data.item.model:
        sub(item, d("model"), data.item.model)
    ids = sub(item, d("identifications"))
    for issuer, value, label in (
        ("manufacturer", data.item.serial_number, FIELD["serial"]),
        ("customer", data.item.customer_identification, FIELD["customer_id"]),
        ("calibrationLaboratory", data.item.lab_identification, FIELD["lab_id"]),
    ):
        if value:
            ident = sub(ids, d("identification"))
            sub(ident, d("issuer"), issuer)
            sub(ident, d("value"), value)
            texts(ident, "name", label)
    lab = sub(admin, d("calibrationLaboratory"))
    if data.lab.accreditation:
        sub(lab, d("calibrationLaboratoryCode"), data.lab.accreditation)
    contact = sub(lab, d("contact"))
    texts(contact, "name", data.lab.name)
    sub(contact, d("eMail"), data.lab.email)
    if data.lab.phone:
        sub(contact, d("phone"), data.lab.phone)
    location(contact, data.lab.address)
    people = sub(admin, d("respPersons"))
    person = sub(people, d("respPerson"))
    name(sub(person, d("person")), "name", data.signatory.name)
    texts(
        person,
        "description",
        Text(
            f"{data.signatory.function.vi}; phê duyệt lúc {data.signatory.signed_at.isoformat()}",
            f"{data.signatory.function.en}; approved at {data.signatory.signed_at.isoformat()}",
        ),
    )
    sub(person, d("role"), data.signatory.function.en)
    sub(person, d("mainSigner"), "true")
    if data.signatory.digitally_signed:
        sub(person, d("cryptElectronicSignature"), "true")
        if data.signatory.timestamped:
            sub(person, d("cryptElectronicTimeStamp"), "true")
    v = data.verification
    if v is not None and v.officer:
        officer = sub(people, d("respPerson"))
        name(sub(officer, d("person")), "name", v.officer)
        texts(
            officer,
            "description",
            Text(f"{FIELD['officer'].vi}; {v.officer_card}", f"{FIELD['officer'].en}; {v.officer_card}"),
        )
        sub(officer, d("role"), f"{FIELD['officer'].vi} / {FIELD['officer'].en}")
    customer = sub(admin, d("customer"))
    name(customer, "name", data.customer.name)
    sub(customer, d("eMail"), data.customer.email)
    if data.customer.phone:
        sub(customer, d("phone"), data.customer.phone)
    location(customer, data.customer.address)


def _statements(admin: ET.Element, data: CertificateData) -> None:
    w = data.wording
    statements = sub(admin, d("statements"))
    statement(
        statements,
        data.title,
        ref_type="basic_certificateTitle "
        + (
            "lims_verificationCertificate"
            if data.kind is CertificateKind.VERIFICATION
            else "lims_calibrationCertificate"
        ),
        norm="ISO/IEC 17025:2017",
        reference="7.8.2.1 a",
    )
    statement(
        statements,
        Text(f"Ngày ban hành: {data.issued_on.isoformat()}", f"Date of issue: {data.issued_on.isoformat()}"),
        ref_type="basic_issueDate",
        norm="ISO/IEC 17025:2017",
        reference="7.8.2.1 j",
        date=data.issued_on.isoformat(),
    )
    statement(
        statements,
        data.traceability_statement,
        ref_type="basic_traceability",
        norm="ISO/IEC 17025:2017",
        reference="7.8.4.1 c",
    )
    statement(statements, w.results_relate_only, norm="ISO/IEC 17025:2017", reference="7.8.2.1 l")
    statement(
        statements,
        w.reproduction.format(lab=data.lab.name.vi),
        norm="ISO/IEC 17025:2017",
        reference="7.8.2.1",
    )
    if data.decision is not None:
        rule = data.decision
        statement(
            statements,
            Text(
                f"{rule.rule.vi}. {rule.specification.vi}. {CONFORMITY[rule.conformity].vi}.",
                f"{rule.rule.en}. {rule.specification.en}. {CONFORMITY[rule.conformity].en}.",
            ),
            ref_type="basic_conformity",
            norm=rule.norm,
            conformity=rule.conformity.value,
        )
    if data.verification is not None:
        _verification_statements(statements, data)
    if data.recalibration_due is not None:
        statement(
            statements,
            w.recalibration.format(date=data.recalibration_due.isoformat()),
            ref_type="basic_recalibration",
            date=data.recalibration_due.isoformat(),
        )
    for text in data.customer_supplied:
        statement(
            statements,
            Text(f"{w.customer_supplied.vi} {text.vi}", f"{w.customer_supplied.en} {text.en}"),
            ref_type="basic_customerSupplied",
            norm="ISO/IEC 17025:2017",
            reference="7.8.2.2",
        )
    for text in data.remarks:
        statement(statements, text, ref_type="basic_remark", norm="ISO/IEC 17025:2017", reference="7.8.7")
    if data.withdrawal is not None:
        statement(
            statements,
            Text(
                f"{w.withdrawn.vi}: {data.withdrawal.reason.vi}",
                f"{w.withdrawn.en}: {data.withdrawal.reason.en}",
            ),
            ref_type="basic_withdrawn",
            valid="false",
            date=data.withdrawal.withdrawn_on.isoformat(),
        )
    if data.superseded_by:
        statement(
            statements,
            w.superseded.format(number=data.superseded_by),
            ref_type="basic_superseded",
            valid="false",
        )


def _verification_statements(statements: ET.Element, data: CertificateData) -> None:
    """The legal content of a verification certificate, in the order the PDF prints it (module docstring)."""
    v, w = data.verification, data.wording
    assert v is not None
    basis = v.procedure_reference or data.method.reference  # the ĐLVN code, not the lab's own
    # The instruments requiring verification, the stamp and the certificate: Circular 23/2013/TT-BKHCN as
    # amended; verification bodies and officers: Decree 105/2016/NĐ-CP (both cited from memory, see
    # docs/verification.md).
    legal, bodies = "Circular 23/2013/TT-BKHCN", "Decree 105/2016/NĐ-CP"
    if v.instrument_type is not None:
        statement(
            statements,
            Text(
                f"{FIELD['legal_type'].vi}: {v.instrument_type.vi}",
                f"{FIELD['legal_type'].en}: {v.instrument_type.en}",
            ),
            ref_type="lims_legalInstrumentType",
            norm=legal,
        )
    for c in v.characteristics:
        statement(
            statements,
            Text(f"{c.label.vi}: {c.value}", f"{c.label.en}: {c.value}"),
            ref_type="lims_legalCharacteristic",
            norm=basis,
        )
    if v.procedure is not None:
        statement(
            statements,
            Text(
                f"{FIELD['legal_procedure'].vi}: {v.procedure.vi}",
                f"{FIELD['legal_procedure'].en}: {v.procedure.en}",
            ),
            ref_type="lims_verificationProcedure",
            norm=basis,
        )
    if data.lab.designation:
        statement(
            statements,
            Text(
                f"{FIELD['designation'].vi}: {data.lab.designation}",
                f"{FIELD['designation'].en}: {data.lab.designation}",
            ),
            ref_type="lims_designation",
            norm=bodies,
        )
    if v.officer:
        statement(
            statements,
            Text(
                f"{FIELD['officer'].vi}: {v.officer}, {v.officer_card}",
                f"{FIELD['officer'].en}: {v.officer}, {v.officer_card}",
            ),
            ref_type="lims_verificationOfficer",
            norm=bodies,
        )
    statement(
        statements,
        Text(f"{FIELD['stamp'].vi}: {v.stamp_number}", f"{FIELD['stamp'].en}: {v.stamp_number}"),
        ref_type="lims_verificationStamp",
        norm=legal,
    )
    verdict = (w.verification_passed if v.passed else w.verification_failed).format(procedure=basis)
    kind = VERIFICATION_TYPE[v.verification_type]
    statement(
        statements,
        Text(
            f"{kind.vi}. {verdict.vi} {FIELD['valid_until'].vi}: {v.valid_until.isoformat()}",
            f"{kind.en}. {verdict.en} {FIELD['valid_until'].en}: {v.valid_until.isoformat()}",
        ),
        ref_type="basic_validity",
        norm=basis,
        valid="true" if v.passed else "false",
        date=v.valid_until.isoformat(),
        conformity="pass" if v.passed else "fail",
    )


def render_dcc(data: CertificateData, *, software_release: str | None = None) -> bytes:
    """The DCC 3.1.2 XML of ``data`` (UTF-8, deterministic for the same data and release).

    >>> from certificates.examples import example_calibration
    >>> xml = render_dcc(example_calibration(3), software_release="0.1.0")
    >>> validate_dcc(xml) is None
    True
    """
    if not isinstance(data, CertificateData):
        raise CertificateDataError("data", f"must be CertificateData, not {type(data).__name__}")
    release = software_release or _release()
    root = ET.Element(d("digitalCalibrationCertificate"), {"schemaVersion": SCHEMA_VERSION})
    admin = sub(root, d("administrativeData"))
    software = sub(sub(admin, d("dccSoftware")), d("software"))
    name(software, "name", "lims certificates")
    sub(software, d("release"), release)
    _core_data(admin, data)
    _parties(admin, data)
    _statements(admin, data)
    measurement_results(root, data)
    ET.indent(root, space=" ")
    xml: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return xml + b"\n"


def _release() -> str:
    try:
        return importlib.metadata.version("lims")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
