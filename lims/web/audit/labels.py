"""The audit trail's tables and fields in words (issue 19): what an auditor reads instead of schema names.

Every audited table has a label (tests/web/test_audit_labels.py fails on a new one without). Fields have a
label when they are common to many records or read often; any other field is shown as its stored name in
``<code>`` (a code shown on purpose), with the label's ``title`` keeping the stored name for every field.
"""

from __future__ import annotations

from flask_babel import gettext as _

from lims.errors import N_

TABLE_LABELS: dict[str, str] = {
    "api_token": N_("API tokens"),
    "calibration_as_found": N_("As-found errors of standards' calibrations"),
    "certificate": N_("Certificates"),
    "cmc_entry": N_("CMC rows (scope)"),
    "complaint": N_("Complaints"),
    "corrective_action": N_("Corrective actions"),
    "customer_instrument": N_("Customers' instruments"),
    "demand_instrument_type": N_("Demand by instrument type"),
    "electronic_signature": N_("Electronic signatures"),
    "enterprise": N_("Enterprises"),
    "enterprise_sector": N_("Enterprises' sectors"),
    "intermediate_check": N_("Intermediate checks"),
    "job": N_("Jobs"),
    "job_damage": N_("Damage on arrival"),
    "job_environment": N_("Jobs' rooms and environmental justifications"),
    "lab": N_("Laboratory"),
    "lab_assessment": N_("Laboratory assessments"),
    "measurement": N_("Measurements"),
    "measurement_assurance_support": N_("Measurement assurance support"),
    "measurement_standard": N_("Standards"),
    "nc_decision": N_("Nonconforming-work decisions"),
    "nc_notice": N_("Nonconforming-work notices"),
    "nonconforming_work": N_("Nonconforming work"),
    "personnel_authorisation": N_("Personnel authorisations"),
    "procedure": N_("Procedures"),
    "programme_baseline": N_("Programme baselines"),
    "programme_priority_sector": N_("Programme priority sectors"),
    "programme_report_submission": N_("Submitted programme reports"),
    "programme_task_progress": N_("Programme task progress"),
    "reference_material": N_("Reference materials"),
    "room": N_("Rooms"),
    "service_certification": N_("Service certifications"),
    "service_request": N_("Requests"),
    "service_request_item": N_("Request items"),
    "stamp_batch": N_("Verification stamp batches"),
    "stamp_use": N_("Verification stamps used"),
    "standard_calibration": N_("Standards' calibrations"),
    "standard_development": N_("Standards developed"),
    "standard_status_change": N_("Standards' status changes"),
    "support_application": N_("Support applications"),
    "support_grant": N_("Support grants"),
    "task_progress_evidence": N_("Task progress evidence"),
    "training_course": N_("Training courses"),
    "training_participation": N_("Training participations"),
    "user_account": N_("Users"),
    "verification_designation": N_("Designations as a verification body"),
    "verification_failure_notice": N_("Notices of failed verification"),
    "verification_officer_card": N_("Verification officer cards"),
    "weighing_test": N_("Weighing tests"),
}

FIELD_LABELS: dict[str, str] = {
    "accessories": N_("Accessories received"),
    "accuracy_class": N_("Accuracy class"),
    "address": N_("Address"),
    "amendment_reason": N_("Reason for amendment"),
    "approved_by_id": N_("Approved by"),
    "asset_number": N_("Asset number"),
    "calibrated_on": N_("Calibrated on"),
    "certificate_number": N_("Certificate number"),
    "code": N_("Code"),
    "condition_on_arrival": N_("Condition on arrival"),
    "created_at": N_("Created"),
    "decision_rule": N_("Decision rule"),
    "developed_on": N_("Developed on"),
    "due_on": N_("Due"),
    "email": N_("E-mail"),
    "enterprise_id": N_("Enterprise"),
    "environment": N_("Environment"),
    "environment_record": N_("Source of the environmental conditions"),
    "expanded_uncertainty": N_("Expanded uncertainty"),
    "expires_on": N_("Expires on"),
    "full_name": N_("Full name"),
    "funding": N_("Funding"),
    "funding_vnd": N_("Funding (VND)"),
    "instrument_id": N_("Instrument"),
    "instrument_type": N_("Instrument type"),
    "is_active": N_("Active"),
    "issued_at": N_("Issued"),
    "issued_on": N_("Issued on"),
    "job_id": N_("Job"),
    "justification": N_("Justification"),
    "kind": N_("Kind"),
    "language": N_("Language"),
    "last_calibrated_on": N_("Last calibrated"),
    "level": N_("Level"),
    "location": N_("Location"),
    "manufacturer": N_("Manufacturer"),
    "measured_by_id": N_("Measured by"),
    "measured_on": N_("Measured on"),
    "model": N_("Model"),
    "name": N_("Name"),
    "next_due_on": N_("Next due"),
    "nominal": N_("Nominal value"),
    "notes": N_("Notes"),
    "number": N_("Number"),
    "points": N_("Test points"),
    "procedure_id": N_("Procedure"),
    "programme_id": N_("Programme"),
    "quantity": N_("Quantity"),
    "range_max": N_("Range maximum"),
    "range_min": N_("Range minimum"),
    "readings": N_("Readings"),
    "reason": N_("Reason"),
    "received_on": N_("Received"),
    "recalibration_months": N_("Recalibration interval"),
    "reference_value": N_("Reference value"),
    "requested_on": N_("Requested"),
    "requirements": N_("Customer requirements"),
    "resolution": N_("Resolution"),
    "result": N_("Result"),
    "reviewed_by_id": N_("Reviewed by"),
    "role": N_("Role"),
    "serial_number": N_("Serial number"),
    "stamp_number": N_("Verification stamp (tem) number"),
    "state": N_("State"),
    "status": N_("Status"),
    "technician_id": N_("Assigned to"),
    "unit": N_("Unit"),
    "updated_at": N_("Changed"),
    "username": N_("User name"),
    "valid_until": N_("Valid until"),
    "version": N_("Version"),
    "withdrawal_reason": N_("Reason for withdrawal"),
    "withdrawn_at": N_("Withdrawn on"),
    "year": N_("Year"),
}


def table_label(table: str) -> str:
    """The table in the reader's language; an unknown one as stored."""
    label = TABLE_LABELS.get(table)
    return _(label) if label else table


def field_label(field: str) -> str | None:
    """The field in the reader's language, or ``None`` when it has no label (shown as stored, in code)."""
    label = FIELD_LABELS.get(field)
    return _(label) if label else None


def table_choices() -> list[tuple[str, str]]:
    """(stored name, label) of every audited table, by label: the trail's table chooser."""
    return sorted(((name, table_label(name)) for name in TABLE_LABELS), key=lambda pair: pair[1].casefold())


#: Who acted when no signed-in person did: the label stored with the entry, in words. A person's entry keeps
#: their user name; ``cli:<account>`` is a command run by that operating-system account, ``bench:<source>`` a
#: reading delivered by a bench station or the API.
_MACHINE_ACTORS: dict[str, str] = {
    "system": N_("the system"),
    "demo": N_("demonstration data"),
}
_ACTOR_PREFIXES: dict[str, str] = {
    "cli:": N_("command line (%(who)s)"),
    "bench:station:": N_("bench station %(who)s"),
    "bench:": N_("bench instrument (%(who)s)"),
}


def actor_label(label: str) -> str:
    """The audit entry's actor as the page shows it: machine actors in the reader's language."""
    if label in _MACHINE_ACTORS:
        return _(_MACHINE_ACTORS[label])
    for prefix, text in _ACTOR_PREFIXES.items():
        if label.startswith(prefix):
            return _(text, who=label[len(prefix) :])
    return label
