"""``lims certificate list`` and ``lims certificate export`` on a demo database, run as real processes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from certificates import extract_dcc, validate_dcc
from certificates.signature_check import verify_detached, verify_pdf
from certificates.signing import certificate_der
from tests.commands.process import CliDemo, run


@pytest.fixture(scope="module")
def demo(cli_demo: CliDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli_demo.copy(tmp_path_factory)  # loaded with LIMS_PUBLIC_URL=https://lims.example.vn


def test_demo_issues_calibration_verification_and_an_amendment(demo: Path) -> None:
    result = run(["certificate", "list", "--json"], demo)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["kind"] for r in rows} == {"calibration", "verification"}
    assert all(set(r) >= {"number", "kind", "status", "issued_at", "revision"} for r in rows)
    amended = [r for r in rows if r["revision"] == 1]
    assert len(amended) == 1 and amended[0]["status"] == "valid"
    assert [r["status"] for r in rows].count("superseded") == 1
    verification = next(r for r in rows if r["kind"] == "verification")
    assert (
        verification["number"].startswith("KĐ-")
        and verification["stamp_number"]
        and verification["valid_until"]
    )
    text = run(["certificate", "list"], demo)
    assert text.returncode == 0 and amended[0]["number"] in text.stdout


def test_export_writes_the_stored_bytes(demo: Path, tmp_path: Path) -> None:
    rows = json.loads(run(["certificate", "list", "--json"], demo).stdout)
    row = next(r for r in rows if r["kind"] == "verification")
    pdf, dcc = tmp_path / "c.pdf", tmp_path / "c.xml"
    assert (
        run(
            ["certificate", "export", row["number"], "--format", "pdf", "--output", str(pdf)], demo
        ).returncode
        == 0
    )
    assert (
        run(
            ["certificate", "export", row["number"], "--format", "dcc", "--output", str(dcc)], demo
        ).returncode
        == 0
    )
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == row["pdf_sha256"]
    assert hashlib.sha256(dcc.read_bytes()).hexdigest() == row["dcc_sha256"]
    validate_dcc(dcc.read_bytes())
    assert extract_dcc(pdf.read_bytes()) == dcc.read_bytes()
    # The DCC's detached signature, checked against the demo's test root in its instance folder
    p7s = tmp_path / "c.xml.p7s"
    exported = run(["certificate", "export", row["number"], "--format", "p7s", "--output", str(p7s)], demo)
    assert exported.returncode == 0, exported.stderr
    roots = certificate_der((demo / "signing" / "trust-roots.pem").read_bytes())
    assert verify_detached(dcc.read_bytes(), p7s.read_bytes(), trust_roots=roots).ok
    report = verify_pdf(pdf.read_bytes(), trust_roots=roots)
    assert report is not None and report.ok


def test_export_unknown_number_exits_2_with_one_line(demo: Path, tmp_path: Path) -> None:
    result = run(
        ["certificate", "export", "HC-1999-00001", "--format", "pdf", "--output", str(tmp_path / "x")], demo
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "HC-1999-00001" in result.stderr
    assert not (tmp_path / "x").exists()
