"""``lims programme report`` as a real process: files written, bad input is one stderr line and exit 2."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from lims.migrate import upgrade
from tests.commands import zygote
from tests.mailbox import local_smtp

pytestmark = pytest.mark.slow  # each case starts a Python process

LAST_YEAR = date.today().year - 1


def _lims(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return zygote.run(list(args), env)  # a real process, forked with the application imported


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("programme-cli")
    url = f"sqlite:///{folder / 'lims.db'}"
    upgrade(url)
    environ = {
        **os.environ,
        "LIMS_DATABASE_URL": url,
        "LIMS_INSTANCE_PATH": str(folder / "instance"),
        "LIMS_PROGRAMME": "danang-qd202-2019",
    }
    done = _lims(environ, "programme", "demo", "--year", str(LAST_YEAR))
    assert done.returncode == 0, done.stderr
    return environ


def test_report_pdf_and_xlsx(env: dict[str, str], tmp_path: Path) -> None:
    for fmt, magic in (("pdf", b"%PDF-"), ("xlsx", b"PK")):
        out = tmp_path / f"bao-cao.{fmt}"
        done = _lims(
            env, "programme", "report", "--year", str(LAST_YEAR), "--format", fmt, "--output", str(out)
        )
        assert done.returncode == 0, done.stderr
        assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (
            ["--year", "2018", "--format", "pdf"],
            {},
            "The year 2018 is outside the programme's phases (2019–2030).",
        ),
        (
            ["--year", str(date.today().year + 1), "--format", "pdf"],
            {"LIMS_PROGRAMME": "hanoi-kh16-2022"},
            "has not started yet",
        ),
        (["--year", str(LAST_YEAR), "--format", "docx"], {}, "'docx' is not one of 'pdf', 'xlsx'"),
        (["--year", "năm", "--format", "pdf"], {}, "'năm' is not a valid integer"),
        (
            ["--year", str(LAST_YEAR), "--format", "pdf"],
            {"LIMS_PROGRAMME": "hue-2030"},
            "programme 'hue-2030' not found",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: dict[str, str], tmp_path: Path, args: list[str], extra_env: dict[str, str], message: str
) -> None:
    out = tmp_path / "x.pdf"
    done = _lims({**env, **extra_env}, "programme", "report", *args, "--output", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
    assert not out.exists()


def test_missing_output_folder(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "r.pdf"
    done = _lims(
        env, "programme", "report", "--year", str(LAST_YEAR), "--format", "pdf", "--output", str(out)
    )
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_import_is_all_or_nothing(env: dict[str, str], tmp_path: Path) -> None:
    import sqlite3

    good = tmp_path / "good.csv"
    good.write_text(
        "topic,organiser,starts_on,ends_on,full_name,phone\n"
        "Nhập CSV,Sở KH&CN,2024-03-04,2024-03-05,Người Một,0911000001\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "topic,organiser,starts_on,ends_on,full_name,phone\n"
        "Nhập CSV lỗi,Sở KH&CN,2024-03-04,2024-03-05,Người Hai,0911000002\n"
        "Nhập CSV lỗi,Sở KH&CN,2024-03-04,2024-03-05,Người Ba,\n",
        encoding="utf-8",
    )
    assert _lims(env, "programme", "import", "participants", str(good)).returncode == 0
    done = _lims(env, "programme", "import", "participants", str(bad))
    assert done.returncode == 2 and done.stderr.strip() == (
        "error: line 3: The participant Người Ba has no identity: give a national ID number, a phone number or an e-mail address."
    )
    database = env["LIMS_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        topics = {row[0] for row in conn.execute("SELECT topic FROM training_course")}
    assert "Nhập CSV" in topics and "Nhập CSV lỗi" not in topics


def test_remind_runs_without_smtp_and_refuses_a_bad_date(env: dict[str, str]) -> None:
    """``lims programme remind`` as a process: without SMTP settings it queues and says nothing was sent
    (tests/services/test_programme_submission.py checks who is reminded when); a bad date is one line, exit 2."""
    year = date.today().year
    hanoi = {**env, "LIMS_PROGRAMME": "hanoi-kh16-2022", "LIMS_MAIL_SERVER": ""}
    done = _lims(hanoi, "programme", "remind", "--today", f"{year}-11-25")
    assert done.returncode == 0, done.stderr
    assert "reminders queued" in done.stderr
    quiet = _lims({**env, "LIMS_MAIL_SERVER": ""}, "programme", "remind", "--today", f"{year}-11-25")
    assert quiet.returncode == 0 and quiet.stderr.startswith("0 reminders queued")
    bad = _lims(hanoi, "programme", "remind", "--today", "25/11")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "error: --today: '25/11' is not a date YYYY-MM-DD"
    ]


def test_empty_deployment_reports_no_target_as_met(tmp_path: Path) -> None:
    """Done-when of issue 20, from outside: ``lims db upgrade`` on a new database, no demo, then the 2026
    report of either city as PDF and XLSX: no verdict reads 'Đạt' or 'Đã đạt'; Hà Nội's two growth targets
    ask for their baseline."""
    import io
    import unicodedata

    from openpyxl import load_workbook
    from pypdf import PdfReader

    environ = {
        **os.environ,
        "LIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lims.db'}",
        "LIMS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    done = _lims(environ, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    for programme in ("hanoi-kh16-2022", "danang-qd202-2019"):
        env = {**environ, "LIMS_PROGRAMME": programme}
        for fmt in ("pdf", "xlsx"):
            out = tmp_path / f"{programme}.{fmt}"
            args = ("programme", "report", "--year", "2026", "--format", fmt, "--output", str(out))
            done = _lims(env, *args)
            assert done.returncode == 0, done.stderr
        pages = PdfReader(io.BytesIO((tmp_path / f"{programme}.pdf").read_bytes())).pages
        pdf = unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text() for p in pages).split()))
        sheet = load_workbook(tmp_path / f"{programme}.xlsx")["Chỉ tiêu"]
        verdicts = [row[8] for row in sheet.iter_rows(values_only=True) if len(row) > 8 and row[8]]
        assert verdicts[0] == "Đánh giá" and len(verdicts) > 1, verdicts  # the header, then one per target
        for verdict in verdicts[1:]:
            assert verdict not in ("Đạt", "Đã đạt") and str(verdict).startswith("Chưa"), verdict
        for word in ("Đạt", "Đã đạt"):
            assert f" {word} " not in f" {pdf} ".replace(";", " ")
        baseline = "Chưa có số liệu gốc: cần nhập số liệu của giai đoạn trước"
        assert verdicts.count(baseline) == (2 if programme == "hanoi-kh16-2022" else 0)


def test_remind_delivers_by_smtp_once_and_rings_the_bell(tmp_path: Path) -> None:
    """Issue 20 (5) from outside: ``lims programme remind`` 30 days before Hà Nội's 25 December sends the
    programme staff (the active administrators) one e-mail each through the recall reminders' SMTP settings
    (a local aiosmtpd server here) and rings their bell; the next run sends nothing again."""
    from sqlalchemy import select

    from lims.db import Database, make_engine
    from lims.models import Notification, Role
    from tests.factories import make_user

    url = f"sqlite:///{tmp_path / 'lims.db'}"
    upgrade(url)
    database = Database(make_engine(url))
    with database.session() as session:
        staff = make_user(session, Role.ADMIN, email="ql.chuongtrinh@sokhcn.hanoi.gov.vn")
        make_user(session, Role.TECHNICIAN, email="ktv@lab.example.vn")  # not programme staff
        session.commit()
        staff_id = staff.id
    with local_smtp() as server:
        env = {
            **os.environ,
            "LIMS_DATABASE_URL": url,
            "LIMS_INSTANCE_PATH": str(tmp_path / "instance"),
            "LIMS_PROGRAMME": "hanoi-kh16-2022",
            **server.env,
        }
        first = _lims(env, "programme", "remind", "--today", "2026-11-25")
        assert first.returncode == 0, first.stderr
        assert "1 reminders queued, 1 sent, 0 failed" in first.stdout
        again = _lims(env, "programme", "remind", "--today", "2026-11-26")
        assert again.returncode == 0 and "0 reminders queued, 0 sent" in again.stdout
    [(_, mail)] = server.inbox.messages
    assert mail["To"] == "ql.chuongtrinh@sokhcn.hanoi.gov.vn"
    assert str(mail["Subject"]).startswith("Hạn gửi báo cáo năm 2026: 25/12/2026")
    assert "trước ngày 25/12/2026 (còn 30 ngày)" in mail.get_body().get_content()  # type: ignore[union-attr]
    with database.session() as session:
        bell = session.scalars(select(Notification).where(Notification.kind == "programme_report")).all()
        assert [(n.user_id, n.params) for n in bell] == [
            (staff_id, {"year": 2026, "day": {"date": "2026-12-25"}, "days": 30})
        ]
