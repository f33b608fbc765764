"""``lims validate`` (ISO/IEC 17025:2017 7.11.2, 7.11.6): the built-in cases, the dated report, the exit status."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.orm import Session

from lims.cli import cli
from lims.services.jobs import validation, validation_cases
from tests.commands import zygote
from tests.factories import make_enterprise

CASE_KEYS = {
    "id",
    "group",
    "clause",
    "description_vi",
    "description_en",
    "description",
    "result",
    "expected",
    "obtained",
    "tolerance",
    "passed",
    "seconds",
}


def run(args: list[str], instance: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "LIMS_INSTANCE_PATH": str(instance), **env}
    environ.pop("LIMS_DATABASE_URL", None)
    return zygote.run(args, environ)  # a real process, forked with the application imported


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("instance")
    assert run(["db", "upgrade"], folder).returncode == 0
    created = run(
        ["users", "create", "ktv.hoa", "--full-name", "Nguyễn Thị Hoa", "--role", "technician"],
        folder,
        LIMS_NEW_USER_PASSWORD="Strong#Pass2026x",
    )
    assert created.returncode == 0, created.stderr  # gives the audit chain entries to verify
    return folder


def _report(folder: Path) -> tuple[dict, bytes]:
    (json_file,) = folder.glob("validation-*.json")
    (pdf_file,) = folder.glob("validation-*.pdf")
    assert json_file.stem == pdf_file.stem
    return json.loads(json_file.read_text(encoding="utf-8")), pdf_file.read_bytes()


def _pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_every_case_passes_end_to_end(instance: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run(["validate", "--output", str(out)], instance)
    assert result.returncode == 0, result.stdout + result.stderr
    report, pdf = _report(out)
    assert report["format"] == "lims-validation/1"
    assert report["passed"] is True
    software = report["software"]
    assert software["version"] and software["python"].startswith("3.")
    assert {"numpy", "reportlab", "sqlalchemy"} <= set(software["libraries"])
    assert "git_revision" in software
    ids = [case["id"] for case in report["cases"]]
    assert len(ids) == len(set(ids)) == report["summary"]["cases"]
    for case in report["cases"]:
        assert set(case) == CASE_KEYS
        assert case["passed"] is True and case["result"] == "pass"
        assert case["clause"] and case["expected"] and case["obtained"] and case["description"]
    groups = {case["group"] for case in report["cases"]}
    assert groups == {"uncertainty", "certificate", "serial", "database"}
    # the published examples and every registered driver are covered
    assert {"JCGM100-H1-uc", "EA402-S2-uc", "EA402-S3-uc", "EA402-S4-uc", "JCGM101-9.3-MCM-u"} <= set(ids)
    from instruments.registry import driver_names

    assert {f"SERIAL-{name}-readings" for name in driver_names()} <= set(ids)
    audit = next(c for c in report["cases"] if c["id"] == "DB-audit-chain")
    assert audit["obtained"].startswith("intact:")
    text = _pdf_text(pdf)
    assert "Báo cáo xác nhận giá trị sử dụng phần mềm" in text and "Software validation report" in text
    assert "JCGM100-H1-uc" in text and "PASSED" in text


def test_tampered_audit_chain_fails_and_is_named(instance: Path, tmp_path: Path) -> None:
    copy = tmp_path / "instance"
    copy.mkdir()
    (copy / "lims.db").write_bytes((instance / "lims.db").read_bytes())
    with sqlite3.connect(copy / "lims.db") as db:
        db.execute("UPDATE audit_entry SET changes = '{}' WHERE seq = 1")
    out = tmp_path / "reports"
    result = run(["validate", "--output", str(out), "--only", "database"], copy)
    assert result.returncode == 1
    assert "failed: DB-audit-chain" in result.stdout
    report, pdf = _report(out)
    assert report["passed"] is False and report["summary"]["failed_ids"] == ["DB-audit-chain"]
    case = next(c for c in report["cases"] if c["id"] == "DB-audit-chain")
    assert "audit entry #1" in case["obtained"]
    assert "FAILED" in _pdf_text(pdf) and "DB-audit-chain" in _pdf_text(pdf)


def test_a_wrong_result_of_the_engine_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, instance: Path
) -> None:
    """A deliberately wrong input (the standard's value of EA-4/02 S2 off by 1 mg) must fail that case."""
    from lims.domain.uncertainty import worked_examples

    spoilt = json.loads(json.dumps(worked_examples.WEIGHT_10KG))
    spoilt["inputs"][0]["value"] = 10000.006
    monkeypatch.setattr(worked_examples, "WEIGHT_10KG", spoilt)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("LIMS_DATABASE_URL", raising=False)
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["validate", "--output", str(out), "--only", "uncertainty"])
    assert result.exit_code == 1, result.output
    report, _ = _report(out)
    assert report["summary"]["failed_ids"] == ["EA402-S2-result"]
    case = next(c for c in report["cases"] if c["id"] == "EA402-S2-result")
    assert case["expected"] == "10000.025 g ± 0.059 g" and case["obtained"] == "10000.026 g ± 0.059 g"


def test_a_case_that_raises_is_a_failure_not_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(ctx: validation.Context) -> validation.Outcome:
        raise ZeroDivisionError("division by zero")

    extra = validation.Case("TEST-broken", "7.11.2", "hỏng", "broken", broken, "uncertainty")
    original = validation_cases.builtin_cases
    monkeypatch.setattr(
        validation_cases, "builtin_cases", lambda groups=None: [*original(groups=("certificate",)), extra]
    )
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["validate", "--output", str(out), "--json"])
    assert result.exit_code == 1
    report, _ = _report(out)
    assert report["summary"]["failed_ids"] == ["TEST-broken"]
    assert report["cases"][-1]["obtained"].startswith("ZeroDivisionError: division by zero")


def test_unwritable_output_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["validate", "--output", str(blocker / "reports")])
    assert result.exit_code == 2
    assert not list(tmp_path.glob("**/validation-*"))


def test_database_cases_on_each_backend(session: Session) -> None:
    """The database cases on SQLite and PostgreSQL: migrated schema, intact chain; a forged hash is caught."""
    from sqlalchemy import text

    make_enterprise(session)
    session.flush()
    context = validation.Context(session=session)
    cases = {c.id: c for c in validation_cases.builtin_cases(groups=("database",))}
    for case_id in ("DB-audit-chain", "DB-migrations"):
        result = validation.run_case(cases[case_id], context)
        assert result.passed, result
    session.execute(
        text("UPDATE audit_entry SET hash = :h WHERE seq = (SELECT MAX(seq) FROM audit_entry)"),
        {"h": "f" * 64},
    )
    result = validation.run_case(cases["DB-audit-chain"], context)
    assert not result.passed and "audit entry" in result.obtained


def test_serial_case_refuses_a_reading_that_differs_from_the_frame_sent() -> None:
    """The exactness check itself can fail: a reading whose value is not the one in the frame."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from instruments.reading import InstrumentIdentity, Reading

    who = InstrumentIdentity("Mettler Toledo", "XPE205", "B1", "")
    frame = "S S     100.00 g"
    good = Reading("100.00", "g", True, who, 1, datetime.now(UTC), (frame + "\r\n").encode())
    assert validation_cases._exact(good, [frame], b"\r\n") is None
    assert "not written" in (
        validation_cases._exact(replace(good, value_text="100.0"), [frame], b"\r\n") or ""
    )
    assert "not written" in (
        validation_cases._exact(replace(good, value_text="100.01"), [frame], b"\r\n") or ""
    )
    assert "never sent" in (validation_cases._exact(good, ["S S     100.01 g"], b"\r\n") or "")


def test_database_group_end_to_end_on_each_backend(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lims validate --only database`` against the migrated test database of each kind."""
    monkeypatch.setenv("LIMS_DATABASE_URL", db_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path / "instance"))
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["validate", "--output", str(out), "--only", "database"])
    assert result.exit_code == 0, result.output
    report, _ = _report(out)
    assert [c["id"] for c in report["cases"]] == ["DB-audit-chain", "DB-migrations"]
    assert report["database"]["url"].split(":", 1)[0] == db_url.split(":", 1)[0]


def test_report_hides_the_database_password() -> None:
    shown = validation._redacted("postgresql+psycopg://lims:s3cr3t-pw@db.example/lims")
    assert "s3cr3t-pw" not in shown and shown.startswith("postgresql+psycopg://lims:***@db.example")


def test_certificate_case_names_a_missing_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """ISO/IEC 17025 7.8.2.1 d: a PDF whose text lost the certificate number fails, naming the item."""
    from certificates.examples import example_calibration

    number = example_calibration(10).number
    real = validation_cases._pdf_text
    monkeypatch.setattr(validation_cases, "_pdf_text", lambda pdf: real(pdf).replace(number, "?"))
    case = next(
        c for c in validation_cases.builtin_cases(groups=("certificate",)) if c.id == "CERT-PDF-calibration"
    )
    result = validation.run_case(case, validation.Context(session=None))
    assert not result.passed
    assert f"7.8.2.1 d: {number}" in result.obtained


def test_git_revision_only_of_the_package_own_checkout(tmp_path: Path) -> None:
    revision = validation.git_revision()
    assert revision is None or len(revision.removesuffix("-dirty")) == 40
    inside = tmp_path / "repo" / "site-packages"
    inside.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    assert validation.git_revision(inside) is None  # a folder inside someone else's repository
    assert validation.git_revision(tmp_path / "not-a-repo") is None
