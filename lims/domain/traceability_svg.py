"""Server-rendered SVG diagram of a traceability chain for the auditor's view (issue 4 item 7).

Columns run from the subject (left) to the bodies the chain ends at (right). A box is one standard *with the
certificate relied on* (the same standard relied on through two certificates gives two boxes); an arrow
``A → B`` reads "A relied on B". A terminal certificate gets an arrow to its issuer (rounded box). Links
with a blocking finding are drawn red and dashed, with a warning amber; the box of the concerned standard
gets the same outline, so colour is never the only cue. Every box and arrow has a ``<title>``; the root has
``role="img"`` with a ``<desc>`` summarising completeness and findings. No JavaScript; all text escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape

from lims.domain.calibration_points import InvalidRecord
from lims.domain.traceability import ChainLink, Finding, Severity, TraceabilityChain


def _iso(day: date) -> str:
    return day.isoformat()


def _words(code: str) -> str:
    return code.replace("_", " ")


def _finding(finding: Finding) -> str:
    return f"[{finding.kind.value}] {finding.message}."


@dataclass(frozen=True, slots=True)
class ChainWording:
    """Every text the diagram draws, as ``str.format`` templates, and how it writes days and kinds.

    The default is English with ISO dates (the command line and the PDF export); the web layer passes the
    reader's language and the local date format, since the domain stays free of the message catalogue.
    """

    title: str = "Traceability of {subject}"
    heading: str = "{subject} on {day}: {status}"
    complete: str = "complete"
    not_complete: str = "not complete"
    summary: str = (
        "Traceability chain of {kind} {subject} on {day}: {links} links, {status}; "
        "{blocking} blocking finding(s), {warnings} warning(s)."
    )
    certificate: str = "cert. {number}"
    no_calibration: str = "no calibration"
    valid_until: str = "valid until {day}"
    used: str = "used {day}"
    relied: str = "{source} relied on {target} on {day}"
    issued_by: str = "{target}: certificate issued by {issuer}"
    terminal: str = "terminal"
    day: Callable[[date], str] = _iso
    kind: Callable[[str], str] = _words  # a subject kind or an issuer kind (its code)
    finding: Callable[[Finding], str] = _finding


ENGLISH = ChainWording()

_BOX_W, _BOX_H, _COL_GAP, _ROW_GAP, _MARGIN = 190, 54, 70, 18, 20
_STYLE = {
    None: ("#1f4e79", ""),
    Severity.WARNING: ("#b26a00", ' stroke-dasharray="2 2"'),
    Severity.BLOCKING: ("#b00020", ' stroke-dasharray="6 3"'),
}


def _node_key(link: ChainLink) -> str:
    cert = link.calibration.certificate_number if link.calibration else "—"
    return f"{link.target}\x00{cert}"


def render_chain_svg(
    chain: TraceabilityChain, *, id_prefix: str = "tc", wording: ChainWording = ENGLISH
) -> str:
    """SVG text of ``chain`` (see the module docstring for the visual conventions).

    >>> from datetime import date
    >>> from lims.domain.traceability import TraceabilityChain
    >>> svg = render_chain_svg(TraceabilityChain("HC-1 <x>", "certificate", date(2025, 1, 1), ()))
    >>> "HC-1 &lt;x&gt;" in svg and "<script" not in svg
    True
    >>> vi = ChainWording(heading="{subject} ngày {day}: {status}", not_complete="chưa đầy đủ",
    ...                   day=lambda d: d.strftime("%d/%m/%Y"))
    >>> "HC-1 ngày 01/01/2025: chưa đầy đủ" in render_chain_svg(
    ...     TraceabilityChain("HC-1", "certificate", date(2025, 1, 1), ()), wording=vi)
    True
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise InvalidRecord("id_prefix", "must be a letter followed by letters, digits, '-' or '_'")
    worst: dict[int, Severity] = {}
    for f in chain.findings:
        if f.link is not None and (worst.get(f.link) is not Severity.BLOCKING):
            worst[f.link] = f.severity
    root = "\x00root"
    column: dict[str, int] = {root: 0}
    w = wording
    label: dict[str, tuple[str, str, str]] = {
        root: (chain.subject, w.kind(chain.subject_kind), w.day(chain.on))
    }
    outline: dict[str, Severity] = {}
    edges: list[tuple[str, str, str, Severity | None]] = []
    for index, link in enumerate(chain.links):
        parent = root if link.parent is None else _node_key(chain.links[link.parent])
        key = _node_key(link)
        if key not in column:
            column[key] = column[parent] + 1
            cal = link.calibration
            label[key] = (
                link.target,
                w.certificate.format(number=cal.certificate_number) if cal else w.no_calibration,
                w.valid_until.format(day=w.day(cal.valid_until))
                if cal
                else w.used.format(day=w.day(link.used_on)),
            )
        severity = worst.get(index)
        if severity is not None and outline.get(key) is not Severity.BLOCKING:
            outline[key] = severity
        title = w.relied.format(
            source=link.source or chain.subject, target=link.target, day=w.day(link.used_on)
        )
        edges.append((parent, key, title, severity))
        if link.terminal and link.calibration is not None:
            issuer = link.calibration.issuer
            ikey = f"\x00issuer\x00{issuer.name}"
            column[ikey] = max(column.get(ikey, 0), column[key] + 1)
            label[ikey] = (issuer.name, w.kind(issuer.kind.value), w.terminal)
            edges.append((key, ikey, w.issued_by.format(target=link.target, issuer=issuer.name), None))
    rows: dict[int, list[str]] = {}
    for key, col in column.items():
        rows.setdefault(col, []).append(key)
    pos = {
        key: (_MARGIN + col * (_BOX_W + _COL_GAP), _MARGIN + 24 + row * (_BOX_H + _ROW_GAP))
        for col, keys in rows.items()
        for row, key in enumerate(keys)
    }
    width = _MARGIN * 2 + (max(rows) + 1) * (_BOX_W + _COL_GAP) - _COL_GAP
    height = _MARGIN * 2 + 24 + max(len(k) for k in rows.values()) * (_BOX_H + _ROW_GAP) + 20
    blocking = sum(1 for f in chain.findings if f.blocking)
    status = w.complete if chain.complete else w.not_complete
    desc = " ".join(
        [
            w.summary.format(
                kind=w.kind(chain.subject_kind),
                subject=chain.subject,
                day=w.day(chain.on),
                links=len(chain.links),
                status=status,
                blocking=blocking,
                warnings=len(chain.findings) - blocking,
            ),
            *(w.finding(f) for f in chain.findings),
        ]
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        f'<title id="{id_prefix}-title">{escape(w.title.format(subject=chain.subject))}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        "<defs>",
    ]
    for name, (colour, _) in (
        ("ok", _STYLE[None]),
        ("warning", _STYLE[Severity.WARNING]),
        ("blocking", _STYLE[Severity.BLOCKING]),
    ):
        out.append(
            f'<marker id="{id_prefix}-arrow-{name}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" '
            f'fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
    heading = w.heading.format(subject=chain.subject, day=w.day(chain.on), status=status)
    out.append(
        f'<text x="{_MARGIN}" y="{_MARGIN + 4}" font-size="13" font-weight="bold">{escape(heading)}</text>'
    )
    for parent, child, title, severity in edges:
        colour, dash = _STYLE[severity]
        marker = {None: "ok", Severity.WARNING: "warning", Severity.BLOCKING: "blocking"}[severity]
        (x1, y1), (x2, y2) = pos[parent], pos[child]
        out.append(
            f'<line class="link" x1="{x1 + _BOX_W}" y1="{y1 + _BOX_H / 2}" x2="{x2}" '
            f'y2="{y2 + _BOX_H / 2}" stroke="{colour}" stroke-width="1.5"{dash} '
            f'marker-end="url(#{id_prefix}-arrow-{marker})"><title>{escape(title)}</title></line>'
        )
    for key, (x, y) in pos.items():
        colour, dash = _STYLE[outline.get(key)]
        terminal = key.startswith("\x00issuer")
        rx = 14 if terminal else 3
        fill = "#eef4fa" if terminal else ("#f5f5f5" if key == root else "#ffffff")
        name, line2, line3 = label[key]
        css = "node terminal" if terminal else "node"
        out.append(
            f'<g class="{css}"><title>{escape(f"{name}, {line2}, {line3}")}</title>'
            f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="{rx}" fill="{fill}" '
            f'stroke="{colour}" stroke-width="{2 if key in outline else 1}"{dash}/>'
        )
        for offset, text, weight in ((16, name, "bold"), (31, line2, "normal"), (45, line3, "normal")):
            shown = text if len(text) <= 30 else text[:29] + "…"
            out.append(f'<text x="{x + 8}" y="{y + offset}" font-weight="{weight}">{escape(shown)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
