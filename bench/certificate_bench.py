"""Certificate rendering benchmark (issue 6): one certificate against a bare reportlab document, and a batch.

Run:  .venv/bin/python bench/certificate_bench.py [--repeat 30] [--batch 1000]

1. a bare reportlab two-page document (standard font, two paragraphs): the floor of the library;
2. the same with the embedded DejaVu Sans: the cost of TrueType subsetting;
3. the two-page certificate with ten result rows and its chart (target: under 100 ms);
4. its DCC: render and validate;
5. a batch: render the PDF and the DCC, validate, embed the DCC in the PDF and hash (SHA-256) ``--batch``
   certificates, as an issuing run does before it stores the bytes (target: 1 000 in under 60 s).

Times are wall-clock (``time.perf_counter``) and CPU (``time.process_time``); the median and the minimum of
``--repeat`` runs are printed, after one warm-up run (fonts registered, schema loaded, caches filled).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from certificates.dcc import render_dcc, validate_dcc
from certificates.embed import embed_dcc
from certificates.examples import example_calibration
from certificates.fonts import REGULAR, register_fonts
from certificates.pdf import render_pdf

TEXT = "Giấy chứng nhận hiệu chuẩn – Calibration certificate. " * 30


def bare_document(font: str | None) -> bytes:
    style = getSampleStyleSheet()["Normal"] if font is None else ParagraphStyle("n", fontName=font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, initialFontName=font or "Helvetica")
    doc.build(
        [
            Paragraph(TEXT if font else TEXT.encode("ascii", "replace").decode(), style),
            PageBreak(),
            Paragraph(TEXT if font else "Page two", style),
        ]
    )
    return buffer.getvalue()


def two_page_certificate():  # type: ignore[no-untyped-def]
    """Ten rows and the chart; without the optional remarks the certificate fits on two pages."""
    return replace(example_calibration(10), remarks=(), customer_supplied=())


def measure(label: str, action: Callable[[], object], repeat: int) -> tuple[float, float]:
    action()
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    print(
        f"| {label} | {statistics.median(wall) * 1000:.1f} | {min(wall) * 1000:.1f} | "
        f"{statistics.median(cpu) * 1000:.1f} |"
    )
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    register_fonts()
    data = two_page_certificate()
    pages = render_pdf(data, invariant=True).count(b"/Type /Page\n")
    print(
        f"Python {platform.python_version()}, reportlab {reportlab.Version}, {platform.machine()}; "
        f"certificate: {len(data.results[0].points)} rows, chart, QR, {pages} pages"
    )
    print()
    print("| step | median wall (ms) | min wall (ms) | median CPU (ms) |")
    print("|---|---:|---:|---:|")
    measure("bare reportlab, 2 pages, Helvetica", lambda: bare_document(None), args.repeat)
    measure("bare reportlab, 2 pages, embedded DejaVu Sans", lambda: bare_document(REGULAR), args.repeat)
    measure("certificate PDF (10 rows, chart, QR)", lambda: render_pdf(data), args.repeat)
    measure("DCC XML render", lambda: render_dcc(data), args.repeat)
    xml = render_dcc(data)
    measure("DCC validation (libxml2)", lambda: validate_dcc(xml), args.repeat)

    started_wall, started_cpu = time.perf_counter(), time.process_time()
    digests = set()
    for index in range(args.batch):
        item = replace(
            data,
            number=f"HC-2026-{index + 1:05d}",
            verification_url=f"https://lims.example.vn/verify/HC-2026-{index + 1:05d}",
        )
        dcc = render_dcc(item)
        issued = embed_dcc(render_pdf(item), dcc)  # embed_dcc validates the DCC first
        digests.add(hashlib.sha256(issued).hexdigest())
    wall, cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
    assert len(digests) == args.batch
    print()
    print(
        f"Batch of {args.batch}: render PDF + render DCC + validate + embed + SHA-256: {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU ({wall / args.batch * 1000:.1f} ms per certificate)"
    )


if __name__ == "__main__":
    main()
