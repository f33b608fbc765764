"""Audit-trail values as people read them, in the reader's language and the lab's time zone.

The trail stores each change as plain JSON values (:func:`lims.services.records.audit._plain`): instants as
UTC ISO text, decimals as text, enums by value. The page shows them as every other page does (ISO/IEC
17025:2017 7.5: records legible), and keeps the exact stored text in the cell's ``title`` for the auditor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from certificates.metrology.codec import DECIMAL_FIELDS
from certificates.metrology.decision import NoStatementReason, Verdict, rule_from_dict
from certificates.metrology.display import note_text
from certificates.metrology.errors import MetrologyError
from certificates.metrology.point import IntervalMethod
from lims.errors import N_
from lims.services.certificates.stamps import OUTCOME_LABELS as STAMP_OUTCOME_LABELS
from lims.services.customers.portal_jobs import CERTIFICATE_STATUS
from lims.services.customers.service_requests import state_label as request_state_label
from lims.services.quality.complaints import STATE_WORDS as COMPLAINT_STATES
from lims.services.records.audit import is_numeric_column
from lims.web.audit.labels import DOCUMENT_TABLES, nested_field_label
from lims.web.jobs.bench import WEIGHING_TEST_LABELS
from lims.web.jobs.bench import state_label as job_state_label
from lims.web.nc import views as nc_labels
from lims.web.nc.complaints import CHANNEL_LABELS
from lims.web.programme.record_pages import RESULT_LABELS as ASSESSMENT_RESULTS
from lims.web.programme.record_pages import STANDARD_LABELS as CERTIFICATION_STANDARDS
from lims.web.standards.forms import ISSUER_LABELS, STATUS_LABELS
from lims.web.templating import (
    LEVEL_LABELS,
    QUANTITY_LABELS,
    REQUESTED_RULE_LABELS,
    ROLE_LABELS,
    date_filter,
    datetime_filter,
    distribution_label,
    format_number,
)

_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A numeric column's value as the database pads it (Numeric(30, 12)); shorter decimal-looking text may be a
# version or a code, and is shown as stored.
_DECIMAL_TEXT = re.compile(r"-?\d+\.\d{12}")
# A binary float's full repr inside a stored document (e.g. u and U as the engine computed them in a point
# result): shown to six significant digits like every float on a page; the exact text stays in the title.
_FLOAT_TEXT = re.compile(r"-?\d+\.\d{9,}(?:[eE][-+]?\d+)?|-?\d+(?:\.\d+)?[eE][-+]?\d+")
JOB_KINDS = {"calibration": N_("calibration"), "verification": N_("verification")}
APPLICATION_STATUS = {"pending": N_("Pending"), "approved": N_("Approved"), "rejected": N_("Rejected")}
# The fields of a stored point result (certificates/metrology/codec.py ``encode``) as the trail names them;
# the stored field name stays in the label's ``title``. A field not listed is shown as code.
RESULT_FIELD_LABELS = {
    "schema_version": N_("Schema version"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit"),
    "nominal": N_("Nominal value"),
    "reference_value": N_("Reference value"),
    "indication": N_("Indication"),
    "error": N_("Error"),
    "standard_uncertainty": N_("Standard uncertainty"),
    "coverage_factor": N_("Coverage factor"),
    "coverage_probability": N_("Coverage probability"),
    "expanded_uncertainty": N_("Expanded uncertainty"),
    "effective_dof": N_("Effective degrees of freedom"),
    "mpe": N_("MPE"),
    "guard_band": N_("Guard band"),
    "probability_of_conformance": N_("Probability of conformance"),
    "cmc": N_("CMC"),
    "distribution": N_("Distribution"),
    "deviation": N_("Error or correction"),
    "decision_rule": N_("Decision rule"),
    "verdict": N_("Conformity"),
    "cmc_applied": N_("CMC applied"),
    "within_scope": N_("Within the accredited scope"),
    "as_found": N_("as found"),
    "bench_reading_ids": N_("Bench readings used"),
    "deviations": N_("Deviations"),
    "budget": N_("Uncertainty budget"),
    "interval_method": N_("Uncertainty method"),
    "hysteresis": N_("Hysteresis"),
    "no_statement_reason": N_("Why no statement"),
    "probability_of_false_acceptance": N_("Probability of false acceptance"),
    "notes": N_("Notes"),
}
DEVIATION_LABELS = {"error": N_("Error"), "correction": N_("Correction")}


def _language() -> str:
    return str(get_locale() or "vi")


# The languages of the header's switch, each named in its own language (as the switch shows them).
LANGUAGE_NAMES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}


# (table, column) -> the label of a stored enum value; the value itself is shown when it is not known.
ENUM_LABELS: dict[tuple[str, str], Callable[[str], str]] = {
    ("job", "state"): job_state_label,
    ("job", "held_from"): job_state_label,
    ("job_transition", "from_state"): job_state_label,
    ("job_transition", "to_state"): job_state_label,
    ("service_request", "state"): request_state_label,
    ("service_request", "kind"): lambda value: JOB_KINDS.get(value, value),
    ("service_request", "decision_rule"): lambda value: REQUESTED_RULE_LABELS.get(value, value),
    ("job", "decision_rule"): lambda value: REQUESTED_RULE_LABELS.get(value, value),  # in job.requirements
    ("certificate", "status"): lambda value: CERTIFICATE_STATUS.get(value, value),
    ("job", "kind"): lambda value: JOB_KINDS.get(value, value),
    ("certificate", "kind"): lambda value: JOB_KINDS.get(value, value),
    ("measurement_standard", "quantity"): lambda value: QUANTITY_LABELS.get(value, value),
    ("cmc_entry", "quantity"): lambda value: QUANTITY_LABELS.get(value, value),  # "DC voltage", "mass"
    ("measurement", "quantity"): lambda value: QUANTITY_LABELS.get(value, value),  # in a stored point result
    ("measurement_standard", "level"): lambda value: LEVEL_LABELS.get(value, value),
    ("measurement_standard", "status"): lambda value: str(STATUS_LABELS.get(value, value)),  # type: ignore[call-overload]
    # inside a stored point result: its verdict (ILAC-G8:09/2019 4.2.3 wording), the distribution k was
    # taken from, a budget input's distribution ("kind"), and whether the error or the correction is stated
    ("measurement", "verdict"): lambda value: Verdict(value).text(_language()),
    ("measurement", "distribution"): distribution_label,
    ("measurement", "kind"): distribution_label,
    ("measurement", "deviation"): lambda value: DEVIATION_LABELS.get(value, value),
    ("stamp_use", "outcome"): lambda value: STAMP_OUTCOME_LABELS.get(value, value),
    ("standard_status_change", "status"): lambda value: str(STATUS_LABELS.get(value, value)),  # type: ignore[call-overload]
    # nonconforming work, its decisions and notices, complaints, corrective actions (issue 22)
    ("nonconforming_work", "trigger"): lambda value: nc_labels.TRIGGER_LABELS.get(value, value),
    ("nonconforming_work", "state"): lambda value: nc_labels.STATE_LABELS.get(value, value),
    ("nc_decision", "decision"): lambda value: nc_labels.DECISION_LABELS.get(value, value),
    ("nc_notice", "state"): lambda value: nc_labels.DELIVERY_LABELS.get(value, value),
    ("corrective_action", "state"): lambda value: nc_labels.CA_STATE_LABELS.get(value, value),
    ("complaint", "state"): lambda value: COMPLAINT_STATES.get(value, value),
    ("complaint", "channel"): lambda value: CHANNEL_LABELS.get(value, value),
    ("measurement", "interval_method"): lambda value: IntervalMethod(value).text(_language()),
    ("measurement", "no_statement_reason"): lambda value: NoStatementReason(value).text(_language()),
    ("measurement", "notes"): lambda value: note_text(value, _language()),
    ("weighing_test", "kind"): lambda value: WEIGHING_TEST_LABELS.get(value, value),
    # every other enumerated column of an audited table (tests/web/test_audit_labels.py walks them all)
    ("standard_calibration", "issuer_kind"): lambda value: str(ISSUER_LABELS.get(value, value)),  # type: ignore[call-overload]
    ("reference_material", "status"): lambda value: str(STATUS_LABELS.get(value, value)),  # type: ignore[call-overload]
    ("procedure", "quantity"): lambda value: QUANTITY_LABELS.get(value, value),
    ("procedure", "kind"): lambda value: JOB_KINDS.get(value, value),
    ("demand_instrument_type", "quantity"): lambda value: QUANTITY_LABELS.get(value, value),
    ("user_account", "role"): lambda value: ROLE_LABELS.get(value, value),  # type: ignore[call-overload]
    ("support_application", "status"): lambda value: APPLICATION_STATUS.get(value, value),
    # the city programme's records (issue 20)
    ("lab_assessment", "result"): lambda value: str(ASSESSMENT_RESULTS.get(value, value)),
    ("service_certification", "standard"): lambda value: CERTIFICATION_STANDARDS.get(value, value),
    ("user_account", "language"): lambda value: LANGUAGE_NAMES.get(value, value),
}
YEAR_FIELDS = frozenset({"year"})  # a calendar year is a label, not a quantity: 2026, never "2.026"


def recorded_value(value: object, table: str = "", column: str = "") -> Markup:
    """A stored audit value for reading: local date and time, the locale's numbers, yes/no, enum labels.

    ``table`` and ``column`` name where the value was stored; a nested record (a job's requirements, a
    point's result) reads as "field: value" pairs, each field by its label (a point result's own, else the
    audited columns').
    """
    if value is None:
        return Markup("∅")
    if isinstance(value, bool):
        return escape(_("yes") if value else _("no"))
    if isinstance(value, int) and column in YEAR_FIELDS:
        return escape(str(value))
    if isinstance(value, int | float | Decimal):
        return escape(format_number(value, str(get_locale() or "vi")))
    if isinstance(value, dict):
        if table == "measurement" and column == "decision_rule":
            try:  # the rule's wording as the certificate prints it (ILAC-G8:09/2019 4.2)
                return escape(rule_from_dict(value).describe(_language()))
            except MetrologyError:
                pass  # not a rule this release reads: field by field, as stored
        return Markup("; ").join(
            Markup("{}: {}").format(_field(table, str(key)), recorded_value(item, table, str(key)))
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return Markup(", ").join(recorded_value(item, table, column) for item in value)
    if table == "measurement" and column in (
        "name",
        "model",
    ):  # budget symbols and model (m_ref, dI_ecc): code
        return Markup("<code>{}</code>").format(value)
    return escape(_text(str(value), table, column))


def _field(table: str, key: str) -> Markup:
    """A field of a nested record: its label where one is known (the stored name in ``title``), else marked code."""
    if table in DOCUMENT_TABLES:  # a published file format's keys, as stored
        return Markup("<code>{}</code>").format(key)
    result_label = RESULT_FIELD_LABELS.get(key) if table == "measurement" else None
    label = _(result_label) if result_label else nested_field_label(table, key)
    if label is None:
        return Markup('<code class="raw-field">{}</code>').format(key)
    return Markup('<span class="field" title="{}">{}</span>').format(key, label)


def _text(text: str, table: str, column: str) -> str:
    label = ENUM_LABELS.get((table, column))
    if label is not None:
        try:
            return _(label(text))
        except ValueError:  # a value the enum no longer has: shown as stored
            return text
    if is_numeric_column(table, column):
        try:
            return format_number(Decimal(text), str(get_locale() or "vi"))
        except ArithmeticError:
            return text
    if _ISO_INSTANT.fullmatch(text):
        try:
            return datetime_filter(datetime.fromisoformat(text.replace("Z", "+00:00")), seconds=True)
        except ValueError:
            return text
    if _ISO_DAY.fullmatch(text):
        try:
            return date_filter(date.fromisoformat(text))
        except ValueError:
            return text
    if _DECIMAL_TEXT.fullmatch(text):
        return format_number(Decimal(text), str(get_locale() or "vi"))
    if _FLOAT_TEXT.fullmatch(text):
        return format_number(float(text), str(get_locale() or "vi"))
    if table == "measurement" and column in DECIMAL_FIELDS:  # a point result's decimal string, digits kept
        try:
            return format_number(Decimal(text), str(get_locale() or "vi"))
        except ArithmeticError:
            return text
    return text
