"""Vietnamese (and English) wording for the errors the pure domain raises.

The domain layer builds its messages in English for the command line and the logs; these functions
rebuild each user-facing one from the error's attributes through the message catalogue, so the
interface speaks the user's language.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from lims.domain.authorisation import NotAuthorised
from lims.domain.capability import UncertaintyBelowCmc
from lims.domain.guard import StandardInUse, StandardRefused
from lims.domain.standard_choice import CHARACTERISTIC_LABELS
from lims.domain.workflow import CommentRequired, IllegalTransition, NotPermitted, SameActorForbidden
from lims.errors import N_
from lims.services.access.authorisations import AuthorisationRefused
from lims.services.jobs.standard_choices import StandardUnsuitable
from lims.services.programme.importer import RowError
from lims.web.i18n import readable_params
from lims.web.jobs.bench import state_label  # the job states' names, owned by the bench view
from lims.web.templating import date_filter

AUTHORISATION_LABELS = {"perform": N_("perform"), "review": N_("review"), "sign": N_("sign")}
FINDING_LABELS = {
    "no_calibration": N_("no calibration to rely on at that date"),
    "expired": N_("its calibration certificate had expired"),
    "not_yet_valid": N_("its calibration certificate was not yet valid"),
    "missing_file": N_("the calibration certificate file is missing"),
    "cycle": N_("its chain loops back on itself"),
    "uncertainty_not_smaller": N_(
        "a reference in its chain is not more accurate than the standard it calibrated"
    ),
    "insufficient_uncertainty_ratio": N_("an uncertainty ratio in its chain is below 4:1"),
    "no_terminal_link": N_(
        "its chain does not end at a national metrology institute or an accredited laboratory"
    ),
    "not_in_service": N_("it was not in service on that date"),
    "material_expired": N_("the reference material had expired"),
    "material_shelf_life_exceeded": N_("the reference material was past its shelf life once opened"),
    "out_of_calibrated_range": N_("a standard was used outside the range its certificate covers"),
    "weight_class_uncertainty": N_("a weight's certificate uncertainty exceeds a third of its class's MPE"),
    "below_cmc": N_("an in-house calibration claims less uncertainty than the laboratory's CMC"),
    "readout_missing": N_("a reference thermometer was used without its readout"),
}


def _state(value: object) -> str:
    key = str(getattr(value, "value", value))
    try:
        return _(state_label(key))
    except ValueError:  # not a job state
        return key


def _illegal(exc: IllegalTransition) -> str:
    if not exc.allowed:
        return _(
            "The job is %(current)s, a final state: it cannot be moved to %(requested)s.",
            current=_state(exc.current),
            requested=_state(exc.requested),
        )
    return _(
        "A job cannot go from %(current)s to %(requested)s. From %(current)s it can go to: %(allowed)s.",
        current=_state(exc.current),
        requested=_state(exc.requested),
        allowed=", ".join(_state(s) for s in exc.allowed),
    )


def _same_actor(exc: SameActorForbidden) -> str:
    return _(
        "The person who measured this job may not also review or approve it (%(current)s → %(requested)s).",
        current=_state(exc.current),
        requested=_state(exc.requested),
    )


def _not_permitted(exc: NotPermitted) -> str:
    return _(
        "Your role may not move a job from %(current)s to %(requested)s.",
        current=_state(exc.current),
        requested=_state(exc.requested),
    )


def _comment(exc: CommentRequired) -> str:
    return _(
        "Moving a job from %(current)s to %(requested)s needs a comment giving the reason.",
        current=_state(exc.current),
        requested=_state(exc.requested),
    )


LAPSE_LABELS = {
    "granted_from": N_("granted only from %(date)s"),
    "revoked": N_("revoked on %(date)s"),
    "expired": N_("expired on %(date)s"),
}


def _not_authorised(exc: NotAuthorised) -> str:
    role = str(getattr(exc.role, "value", exc.role))
    if exc.lapses:
        why = "; ".join(_(LAPSE_LABELS[kind], date=date_filter(day)) for kind, day in exc.lapses)
    elif exc.held:
        why = _("holds only: %(roles)s", roles=", ".join(_(AUTHORISATION_LABELS.get(r, r)) for r in exc.held))
    else:
        why = _("no authorisation recorded for this procedure")
    return _(
        "%(person)s holds no valid authorisation to %(role)s procedure %(code)s on %(date)s: %(why)s.",
        person=exc.person_id,
        role=_(AUTHORISATION_LABELS.get(role, role)),
        code=exc.procedure_code,
        date=date_filter(exc.on),
        why=why,
    )


def _authorisation_refused(exc: AuthorisationRefused) -> str:
    if exc.refusal is None:
        return _(exc.template, **readable_params(exc.params))
    return _not_authorised(exc.refusal)


def _below_cmc(exc: UncertaintyBelowCmc) -> str:
    return _(
        "The expanded uncertainty %(reported)s %(unit)s at %(value)s %(unit)s is smaller than the "
        "laboratory's CMC of %(cmc)s %(unit)s; ILAC-P14 forbids reporting less than the CMC.",
        reported=f"{exc.reported:.3g}",
        unit=exc.unit,
        value=f"{exc.value:g}",
        cmc=f"{exc.cmc:.3g}",
    )


def _refused(exc: StandardRefused) -> str:
    parts = []
    for refusal in exc.refusals:
        kind = str(getattr(refusal.kind, "value", refusal.kind))
        reason = _(FINDING_LABELS.get(kind, kind))
        if refusal.at and refusal.at != refusal.standard:
            parts.append(
                _(
                    "standard %(standard)s (at %(at)s in its chain): %(reason)s",
                    standard=refusal.standard,
                    at=refusal.at,
                    reason=reason,
                )
            )
        else:
            parts.append(_("standard %(standard)s: %(reason)s", standard=refusal.standard, reason=reason))
    return _("The traceability guard refuses: %(reasons)s.", reasons="; ".join(parts))


def _in_use(exc: StandardInUse) -> str:
    return _(
        "Standard %(asset)s cannot be taken out of service: open jobs rely on it (%(jobs)s).",
        asset=exc.asset_number,
        jobs=", ".join(exc.job_ids),
    )


def _unsuitable(exc: StandardUnsuitable) -> str:
    params = readable_params(exc.params)
    if exc.lacking:  # "stability, uniformity" named in the user's language
        params["missing"] = ", ".join(_(CHARACTERISTIC_LABELS.get(c, c)) for c in exc.lacking)
    return _(exc.template, **params)


def _import_row(exc: RowError) -> str:
    """A programme import's bad row: its line, its column and the refusal, all in the reader's language."""
    from lims.web.i18n import error_text

    line, field = exc.params["line"], exc.params["field"]
    message = error_text(exc.cause) if exc.cause is not None else exc.params["message"]
    if field == "-":
        return _("Line %(line)s: %(message)s", line=line, message=message)
    return _("Line %(line)s, %(field)s: %(message)s", line=line, field=field, message=message)


LOCALISERS: dict[type[Exception], Callable[[object], str]] = {
    RowError: _import_row,  # type: ignore[dict-item]
    SameActorForbidden: _same_actor,  # type: ignore[dict-item]
    IllegalTransition: _illegal,  # type: ignore[dict-item]
    NotPermitted: _not_permitted,  # type: ignore[dict-item]
    CommentRequired: _comment,  # type: ignore[dict-item]
    NotAuthorised: _not_authorised,  # type: ignore[dict-item]
    AuthorisationRefused: _authorisation_refused,  # type: ignore[dict-item]
    UncertaintyBelowCmc: _below_cmc,  # type: ignore[dict-item]
    StandardRefused: _refused,  # type: ignore[dict-item]
    StandardInUse: _in_use,  # type: ignore[dict-item]
    StandardUnsuitable: _unsuitable,  # type: ignore[dict-item]
}


def localise(exc: Exception) -> str | None:
    """The user-language wording of a known domain error, else ``None``."""
    for cls in type(exc).__mro__:
        if cls in LOCALISERS:
            return LOCALISERS[cls](exc)
    return None
