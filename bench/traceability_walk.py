"""Time of the pure chain walk (``resolve_chain``) over an in-memory graph.

The database benchmark of issue 4 (one recursive query over 100 000 standards) belongs to the lead's
storage layer; this script measures the Python part that runs on the fetched sub-graph: building the
``InMemoryGraph`` from rows and walking it. Run: ``.venv/bin/python bench/traceability_walk.py``.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from lims.domain.calibration_points import CalibrationPoint
from lims.domain.traceability import (
    CalibrationLink,
    CertificateSubject,
    Issuer,
    IssuerKind,
    StandardNode,
    resolve_chain,
)
from lims.domain.traceability_memory import InMemoryGraph

LAB = Issuer(IssuerKind.THIS_LAB, "lab")
VMI = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")


def build(levels: int, width: int, per_standard: int) -> tuple[InMemoryGraph, list[StandardNode]]:
    """A hierarchy ``levels`` deep, ``width`` standards per level; level 0 is calibrated by VMI."""
    rng = random.Random(1)
    standards: list[StandardNode] = []
    calibrations: list[CalibrationLink] = []
    used: dict[str, list[str]] = {}
    by_level: list[list[StandardNode]] = []
    for level in range(levels):
        row = [StandardNode(f"s{level}-{i}", f"A{level}-{i}", "std", "mass") for i in range(width)]
        by_level.append(row)
        standards.extend(row)
        for s in row:
            for c in range(per_standard):
                day = date(2015, 1, 1) + timedelta(days=365 * c + 30 * level)
                cid = f"{s.id}-c{c}"
                points = (CalibrationPoint(1000.0, "g", 0.0001 * 4 ** level),)
                calibrations.append(CalibrationLink(cid, s.id, day, f"N-{cid}", VMI if level == 0 else LAB,
                                                    day, day + timedelta(days=400), True, points))
                if level:
                    used[cid] = [rng.choice(by_level[level - 1]).id for _ in range(2)]
    return InMemoryGraph(standards, calibrations, used), by_level[-1]


def main() -> None:
    for levels, width, per in ((4, 250, 5), (6, 2000, 5)):
        t0 = time.perf_counter()
        graph, top = build(levels, width, per)
        built = time.perf_counter() - t0
        subject = CertificateSubject("HC-1", tuple(top[:3]), (CalibrationPoint(1000.0, "g", 1.0),))
        runs = 200
        t0 = time.perf_counter()
        for _ in range(runs):
            chain = resolve_chain(subject, date(2019, 6, 1), graph)
        per_chain = (time.perf_counter() - t0) / runs
        print(f"{levels * width} standards, {len(graph.calibrations)} calibrations: graph built in "
              f"{built * 1000:.0f} ms; resolve_chain {per_chain * 1000:.2f} ms "
              f"({len(chain.links)} links, complete={chain.complete})")


if __name__ == "__main__":
    main()
