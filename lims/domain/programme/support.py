"""The plans' support rules, enforced on an application before anything is saved.

Hà Nội Plan 16/KH-UBND section III.2–III.3 (the Đà Nẵng plan names the priority sectors, I.1.b):

* eligibility is a checklist; every item needs evidence (III.3);
* each organisation is supported at most once for each content, and may receive several contents at
  once (III.2);
* where several policies fund the same content, the highest level applies (III.2);
* enterprises of the city's priority sectors come first in the queue (III.2).

>>> from lims.domain.programme.loader import load_programme
>>> hanoi = load_programme("hanoi-kh16-2022")
>>> best_policy(hanoi, "consulting", cost_vnd=400_000_000).id
'nd80-2021-dnnvv-tu-van'
>>> best_policy(hanoi, "consulting", cost_vnd=60_000_000).id
'kh16-ngan-sach-thanh-pho'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from lims.domain.errors import DomainError
from lims.domain.programme.model import Policy, Programme
from lims.errors import N_


class SupportRuleError(DomainError, ValueError):
    """An application breaks one of the plan's support rules; nothing is saved."""


class NoContentRequested(SupportRuleError):
    template = N_("The application names no support content.")


class UnknownContent(SupportRuleError):
    template = N_("“%(content)s” is not a support content of this programme.")


class DuplicateContent(SupportRuleError):
    template = N_("The support content “%(content)s” is named twice in the application.")


class MissingEvidence(SupportRuleError):
    template = N_("Not eligible: no evidence for the condition “%(item)s”.")


class ContentAlreadyReceived(SupportRuleError):
    template = N_(
        "This organisation has already received the support “%(content)s”; each content is granted once."
    )


class ContentAlreadyRequested(SupportRuleError):
    template = N_("This organisation already has an application pending for the support “%(content)s”.")


class UnknownPrioritySector(SupportRuleError):
    template = N_("“%(sector)s” is not a priority sector of this programme.")


class NegativeCost(SupportRuleError):
    template = N_("The declared cost of “%(content)s” must be a positive number of đồng.")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class ApplicationRequest:
    """What an enterprise asks for: contents, evidence per eligibility item, optional declared costs."""

    contents: tuple[str, ...]
    evidence: Mapping[str, str] = field(default_factory=dict)
    priority_sector: str | None = None
    costs_vnd: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckedApplication:
    contents: tuple[str, ...]
    evidence: dict[str, str]
    priority_sector: str | None  # the programme's own spelling of the sector

    @property
    def priority(self) -> bool:
        return self.priority_sector is not None


def priority_sector_of(programme: Programme, sector: str | None) -> str | None:
    """The programme's priority sector matching ``sector`` (case and spacing ignored), if any.

    >>> from lims.domain.programme.loader import load_programme
    >>> priority_sector_of(load_programme("danang-qd202-2019"), "Dịch vụ  Logistics")
    'dịch vụ logistics'
    """
    if not sector:
        return None
    wanted = _norm(sector)
    return next((s for s in programme.priority_sectors if _norm(s) == wanted), None)


def check_application(
    programme: Programme,
    request: ApplicationRequest,
    *,
    granted: Collection[str] = (),
    pending: Collection[str] = (),
) -> CheckedApplication:
    """Apply the rules; ``granted`` and ``pending`` are the contents the organisation already has.

    >>> from lims.domain.programme.loader import load_programme
    >>> hanoi = load_programme("hanoi-kh16-2022")
    >>> evidence = {e.id: "hồ sơ" for e in hanoi.eligibility}
    >>> check_application(hanoi, ApplicationRequest(("consulting", "qms_certification"), evidence)).contents
    ('consulting', 'qms_certification')
    >>> check_application(hanoi, ApplicationRequest(("consulting",), evidence), granted={"consulting"})
    Traceback (most recent call last):
    ...
    lims.domain.programme.support.ContentAlreadyReceived: This organisation has already received the support “Hỗ trợ hợp đồng tư vấn để doanh nghiệp tự tổ chức đo lường”; each content is granted once.
    """
    if not request.contents:
        raise NoContentRequested()
    known = {c.id for c in programme.support_contents}
    seen: set[str] = set()
    for content_id in request.contents:
        if content_id not in known:
            raise UnknownContent(content=content_id)
        if content_id in seen:
            raise DuplicateContent(content=programme.content(content_id).title_vi)
        seen.add(content_id)
    evidence: dict[str, str] = {}
    for item in programme.eligibility:
        text = unicodedata.normalize("NFC", request.evidence.get(item.id) or "").strip()
        if not text:
            raise MissingEvidence(item=item.text_vi)
        evidence[item.id] = text
    for content_id in request.contents:
        title = programme.content(content_id).title_vi
        if content_id in granted:
            raise ContentAlreadyReceived(content=title)
        if content_id in pending:
            raise ContentAlreadyRequested(content=title)
        cost = request.costs_vnd.get(content_id)
        if cost is not None and cost <= 0:
            raise NegativeCost(content=title)
    sector = None
    if request.priority_sector:
        sector = priority_sector_of(programme, request.priority_sector)
        if sector is None:
            raise UnknownPrioritySector(sector=request.priority_sector)
    return CheckedApplication(tuple(request.contents), evidence, sector)


def best_policy(programme: Programme, content_id: str, *, cost_vnd: int | None = None) -> Policy:
    """The policy of highest level for a content (Plan 16 III.2: 'mức hỗ trợ cao nhất').

    With a declared cost the level is the amount each policy would pay for it; without one, the share
    of the cost, then the cap (no cap ranks above any cap). Ties keep the order of the file.
    """
    policies = programme.policies_for(content_id)
    if not policies:
        raise UnknownContent(content=content_id)

    def level(policy: Policy) -> tuple[float, float, float]:
        cap = float("inf") if policy.cap_vnd is None else float(policy.cap_vnd)
        amount = float(policy.amount_vnd(cost_vnd)) if cost_vnd is not None else 0.0
        return amount, policy.share_percent, cap

    best = policies[0]
    for policy in policies[1:]:
        if level(policy) > level(best):
            best = policy
    return best


def queue_order(priority: bool, applied_on: date, application_id: int) -> tuple[int, date, int]:
    """Sort key of the decision queue: priority sectors first, then first come, first served.

    >>> sorted([(False, date(2024, 1, 2), 1), (True, date(2024, 3, 1), 2)], key=lambda a: queue_order(*a))[0][2]
    2
    """
    return (0 if priority else 1, applied_on, application_id)
