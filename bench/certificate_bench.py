"""Certificate rendering benchmark (issue 6): one certificate against a bare reportlab document, and a batch.

Run:  .venv/bin/python bench/certificate_bench.py [--repeat 30] [--batch 1000]

1. a bare reportlab two-page document (standard font, two paragraphs): the floor of the library;
2. the same with the embedded DejaVu Sans: the cost of TrueType subsetting;
3. the certificate with ten result rows and its chart (target: under 100 ms). The issue speaks of a
   two-page certificate; with every ISO/IEC 17025 item this layout needs three pages (identity and signature,
   results and chart, statements), so the figure is for the longer document;
4. its DCC: render and validate;
5. a batch: render the PDF and the DCC, validate, embed the DCC in the PDF and hash (SHA-256) ``--batch``
   certificates, as an issuing run does before it stores the bytes (target: 1 000 in under 60 s).

Times are wall-clock (``time.perf_counter``) and CPU (``time.process_time``); the median and the minimum of
``--repeat`` runs are printed, after one warm-up run (fonts registered, schema loaded, caches filled).
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from certificates.bundle import issue_files
from certificates.data import CertificateData
from certificates.dcc import render_dcc, validate_dcc
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
    data = example_calibration(10)
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
    measure("issue_files: PDF + DCC + validate + embed + SHA-256", lambda: issue_files(data), args.repeat)
    print()
    print("| batch (render, validate, embed, hash) | wall | per certificate |")
    print("|---|---:|---:|")

    for workers in (1, 2):
        batch(data, args.batch, workers)


def _numbered(data: CertificateData, index: int) -> CertificateData:
    number = f"HC-2026-{index + 1:05d}"
    return replace(data, number=number, verification_url=f"https://lims.example.vn/verify/{number}")


def batch(data: CertificateData, count: int, workers: int) -> None:
    """Issue ``count`` certificates (render PDF and DCC, validate, embed, hash) on ``workers`` processes."""
    started = time.perf_counter()
    items = [_numbered(data, index) for index in range(count)]
    if workers == 1:
        files = [issue_files(item) for item in items]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            files = list(pool.map(issue_files, items, chunksize=25))
    wall = time.perf_counter() - started
    assert len({f.pdf_sha256 for f in files}) == count
    print(
        f"| batch of {count}, {workers} process{'es' if workers > 1 else ''} | {wall:.1f} s | "
        f"{wall / count * 1000:.1f} ms per certificate |"
    )


if __name__ == "__main__":
    main()
