"""Certificate rendering benchmark (issue 6): one certificate against a bare reportlab document, and a batch.

Run:  .venv/bin/python bench/certificate_bench.py [--repeat 30] [--batch 1000]

1. a bare reportlab two-page document (standard font, two paragraphs): the floor of the library;
2. the same with the embedded DejaVu Sans: the cost of TrueType subsetting;
3. the certificate with ten result rows and its chart (target: under 100 ms). The issue speaks of a
   two-page certificate; with every ISO/IEC 17025 item this layout needs three pages (identity and signature,
   results and chart, statements), so the figure is for the longer document;
4. its DCC: render and validate;
5. a batch: ``issue_files`` (render the DCC, validate it, render the PDF with the DCC attached, SHA-256)
   for ``--batch`` certificates on one and on two processes, as an issuing run does before it stores the bytes
   (target: 1 000 in under 60 s). The load average is printed because the machine may be shared.

Times are wall-clock (``time.perf_counter``) and CPU (``time.process_time``); the median and the minimum of
``--repeat`` runs are printed, after one warm-up run (fonts registered, schema loaded, caches filled).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import resource
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
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
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
    pdf = render_pdf(data)
    measure("DCC validation (libxml2)", lambda: validate_dcc(xml), args.repeat)
    measure(
        "embed_dcc into a finished PDF (pikepdf)", lambda: embed_dcc(pdf, xml, validate=False), args.repeat
    )
    measure(
        "issue_files: PDF with DCC attached + DCC + validate + SHA-256",
        lambda: issue_files(data),
        args.repeat,
    )
    print()
    print(
        "| batch: issue_files (render, validate, attach, hash) | wall | CPU | wall per certificate | load |"
    )
    print("|---|---:|---:|---:|---:|")

    for workers in (1, 2):
        batch(data, args.batch, workers)


def _numbered(data: CertificateData, index: int) -> CertificateData:
    number = f"HC-2026-{index + 1:05d}"
    return replace(data, number=number, verification_url=f"https://lims.example.vn/verify/{number}")


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def batch(data: CertificateData, count: int, workers: int) -> None:
    """Issue ``count`` certificates (render PDF and DCC, validate, attach, hash) on ``workers`` processes."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    items = [_numbered(data, index) for index in range(count)]
    if workers == 1:
        files = [issue_files(item) for item in items]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            files = list(pool.map(issue_files, items, chunksize=25))
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    assert len({f.pdf_sha256 for f in files}) == count
    print(
        f"| {count} certificates, {workers} process{'es' if workers > 1 else ''} | {wall:.1f} s | "
        f"{cpu:.1f} s | {wall / count * 1000:.1f} ms | {os.getloadavg()[0]:.1f} |"
    )


if __name__ == "__main__":
    main()
