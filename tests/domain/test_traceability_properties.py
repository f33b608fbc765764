"""Chain resolution on arbitrary graphs, cycles included: it terminates and reports only reachable links."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lims.domain.traceability import (
    CalibrationLink,
    CertificateSubject,
    Issuer,
    IssuerKind,
    StandardNode,
    StandardSubject,
    resolve_chain,
)
from lims.domain.traceability_memory import InMemoryGraph

LAB = Issuer(IssuerKind.THIS_LAB, "lab")
VMI = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")
BASE = date(2024, 1, 1)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[InMemoryGraph, StandardNode, date, bool]:
    n = draw(st.integers(1, 7))
    standards = [StandardNode(f"s{i}", f"A{i}", f"standard {i}", "mass") for i in range(n)]
    calibrations: list[CalibrationLink] = []
    used: dict[str, list[str]] = {}
    for i in range(n):
        for j in range(draw(st.integers(0, 3))):
            day = BASE + timedelta(days=draw(st.integers(0, 60)))
            internal = draw(st.booleans())
            cid = f"c{i}-{j}"
            calibrations.append(
                CalibrationLink(
                    cid,
                    f"s{i}",
                    day,
                    f"N-{cid}",
                    LAB if internal else VMI,
                    day,
                    day + timedelta(days=draw(st.integers(0, 90))),
                    draw(st.booleans()),
                )
            )
            if internal:
                ids = st.sampled_from([s.id for s in standards])
                used[cid] = draw(st.lists(ids, max_size=3, unique=True))
    graph = InMemoryGraph(standards, calibrations, used)
    subject = draw(st.sampled_from(standards))
    on = BASE + timedelta(days=draw(st.integers(0, 90)))
    return graph, subject, on, draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_resolution_terminates_and_every_link_is_reachable(
    case: tuple[InMemoryGraph, StandardNode, date, bool],
) -> None:
    graph, subject_standard, on, as_certificate = case
    if as_certificate:
        subject = CertificateSubject("HC-1", (subject_standard,))
        root: str | None = "HC-1"
    else:
        subject = StandardSubject(subject_standard)
        root = None
    chain = resolve_chain(subject, on, graph)

    reached: set[str | None] = {root}
    by_asset = {s.asset_number: s for s in graph.standards.values()}
    for link in chain.links:
        assert link.source in reached, "a link must start from the subject or from a standard already reached"
        reached.add(link.target)
        if link.source is not root:
            # the source standard's calibration really names the target standard
            source = by_asset[link.source]
            assert any(
                cal.standard_id == source.id and by_asset[link.target] in graph.standards_used_by(cal)
                for cal in graph.calibrations.values()
            )
    # each calibration is expanded at most once: links are bounded by the graph's size
    edges = sum(len(graph.standards_used_by(c)) for c in graph.calibrations.values())
    assert len(chain.links) <= 1 + edges
    for finding in chain.findings:
        assert finding.link is None or 0 <= finding.link < len(chain.links)
    if chain.complete:
        sources = {link.source for link in chain.links}
        assert all(link.terminal or link.target in sources for link in chain.links)
