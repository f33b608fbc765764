"""The wording of the server-drawn diagrams (traceability chain, control chart) in the reader's language.

The domain renderers draw English with ISO dates by default; a page passes the catalogue's words, the
locale's numbers and the lab's local dates instead, so a Vietnamese page carries no English and no raw value.
"""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _

from lims.domain.control_chart import RunRule
from lims.domain.control_chart_svg import ChartWording
from lims.domain.traceability import Finding, IssuerKind
from lims.domain.traceability_svg import ChainWording
from lims.errors import N_
from lims.localtime import format_lab_date
from lims.web.domain_messages import FINDING_LABELS
from lims.web.standards.forms import ISSUER_LABELS
from lims.web.templating import format_number

SUBJECT_KINDS = {
    "certificate": N_("certificate"),
    "calibration": N_("calibration"),
    "standard": N_("standard"),
}
RULES = {
    RunRule.BEYOND_LIMITS: N_("point outside the control limits"),
    RunRule.TWO_OF_THREE_BEYOND_2_SIGMA: N_("2 of 3 successive points beyond 2σ on one side"),
    RunRule.FOUR_OF_FIVE_BEYOND_1_SIGMA: N_("4 of 5 successive points beyond 1σ on one side"),
    RunRule.EIGHT_ON_ONE_SIDE: N_("8 successive points on one side of the centre line"),
}
LIMIT_SOURCES = {"moving_range": N_("from the moving range"), "stated": N_("stated by the laboratory")}


def _locale() -> str:
    return str(get_locale() or "vi")


def local_day(day: date) -> str:
    return format_lab_date(day, locale=_locale(), zone=get_timezone())


def _kind(code: str) -> str:
    if code in SUBJECT_KINDS:
        return _(SUBJECT_KINDS[code])
    if code in {kind.value for kind in IssuerKind}:
        return str(ISSUER_LABELS[IssuerKind(code)])
    return code.replace("_", " ")


def finding_text(finding: Finding) -> str:
    """A traceability finding in the reader's language: the standard concerned and what is wrong."""
    label = FINDING_LABELS.get(finding.kind.value)
    reason = _(label) if label else finding.message
    return f"{finding.standard}: {reason}" if finding.standard else reason


def chain_wording() -> ChainWording:
    return ChainWording(
        title=_("Traceability of %(subject)s", subject="{subject}"),
        heading=_("%(subject)s on %(day)s: %(status)s", subject="{subject}", day="{day}", status="{status}"),
        complete=_("complete"),
        not_complete=_("not complete"),
        summary=_(
            "Traceability chain of %(kind)s %(subject)s on %(day)s: %(links)s links, %(status)s; "
            "%(blocking)s blocking finding(s), %(warnings)s warning(s).",
            kind="{kind}",
            subject="{subject}",
            day="{day}",
            links="{links}",
            status="{status}",
            blocking="{blocking}",
            warnings="{warnings}",
        ),
        certificate=_("cert. %(number)s", number="{number}"),
        no_calibration=_("no calibration"),
        valid_until=_("valid until %(day)s", day="{day}"),
        used=_("used %(day)s", day="{day}"),
        relied=_(
            "%(source)s relied on %(target)s on %(day)s", source="{source}", target="{target}", day="{day}"
        ),
        issued_by=_("%(target)s: certificate issued by %(issuer)s", target="{target}", issuer="{issuer}"),
        terminal=_("end of the chain"),
        day=local_day,
        kind=_kind,
        finding=lambda f: finding_text(f) + ".",
    )


def chart_wording() -> ChartWording:
    locale = _locale()
    return ChartWording(
        checks=_("%(count)s intermediate checks", count="{count}"),
        period=" " + _("from %(first)s to %(last)s", first="{first}", last="{last}"),
        limits=". "
        + _(
            "Centre line %(centre)s %(unit)s, control limits %(lower)s to %(upper)s %(unit)s (%(source)s).",
            centre="{centre}",
            unit="{unit}",
            lower="{lower}",
            upper="{upper}",
            source="{source}",
        )
        + " ",
        flagged=_("%(count)s point(s) flagged for review:", count="{count}") + " ",
        none_flagged=_("No point flagged."),
        no_check=_("No check recorded"),
        point_flagged=" (" + _("flagged for review: %(rules)s", rules="{rules}") + ")",
        legend=_("● check   ◆ flagged for review (%(count)s)   dotted: ±1σ, ±2σ", count="{count}"),
        number=lambda value: format_number(value, locale),
        day=local_day,
        rule=lambda rule: _(RULES[rule]),
        source=lambda code: _(LIMIT_SOURCES[code]) if code in LIMIT_SOURCES else code.replace("_", " "),
    )
