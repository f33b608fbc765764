"""``lims nc list/show --json`` on the demo deployment: the failed check of CDL-KL-003 opened NC-…-001."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.commands.process import CliDemo, run
from tests.mailbox import local_smtp


def test_list_and_show_as_json(cli_demo: CliDemo) -> None:
    listed = run(["nc", "list", "--json"], cli_demo.instance)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    [record] = [r for r in rows if r["standard"] == "CDL-KL-003"]
    assert record["trigger"] == "check_out_of_limits" and record["state"] == "open"
    assert record["window"]["start"] < record["found_on"] and record["window"]["end"] is None

    shown = run(["nc", "show", record["number"], "--json"], cli_demo.instance)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["number"] == record["number"] and data["jobs"] == len(
        [a for a in data["affected"] if a["job"]]
    )
    # every certificate named is a current one: never a superseded number (read from the database itself)
    with sqlite3.connect(cli_demo.instance / "lims.db") as db:
        superseded = {n for (n,) in db.execute("SELECT number FROM certificate WHERE status = 'superseded'")}
    assert superseded and not superseded & {a["certificate"] for a in data["affected"]}
    assert set(data) >= {"window", "affected", "certificates", "notices", "corrective_actions"}
    by_id = run(["nc", "show", str(data["id"]), "--json"], cli_demo.instance)
    assert json.loads(by_id.stdout)["number"] == record["number"]
    text = run(["nc", "list"], cli_demo.instance)
    assert text.returncode == 0 and record["number"] in text.stdout


def test_unknown_record_is_one_line_and_exit_2(cli_demo: CliDemo) -> None:
    result = run(["nc", "show", "NC-1999-999"], cli_demo.instance)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "NC-1999-999" in result.stderr


def test_list_json_carries_each_records_jobs_certificates_decisions_and_notices(
    cli_demo: CliDemo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A record on CDL-AS-002, whose job JOB-…-00017 had its certificate amended in the demo: ``list --json``
    names the job with its current certificate only, the decision and the notice's delivery state."""
    from datetime import date

    from sqlalchemy import select

    from lims.db import Database, make_engine
    from lims.models import MeasurementStandard, User
    from lims.services.quality import actions, notices
    from lims.services.quality import nonconformity as ncs

    instance = cli_demo.copy(tmp_path_factory)
    engine = make_engine(f"sqlite:///{instance / 'lims.db'}")
    try:
        with Database(engine).session() as session:
            standard = session.scalar(
                select(MeasurementStandard).where(MeasurementStandard.asset_number == "CDL-AS-002")
            )
            reviewer = session.scalar(select(User).where(User.username == "kt.hung"))
            assert standard is not None and reviewer is not None
            record = ncs.open_record(
                session,
                ncs.NcInput(
                    trigger="check_out_of_limits",
                    description="Kiểm tra giữa kỳ: lệch 0,9 kPa tại 60 MPa",
                    found_on=date.today(),
                    standard_id=standard.id,
                ),
                today=date.today(),
            )
            view = ncs.assess(session, record.id)
            job = next(a for a in view.jobs if a.job and a.job.certificate)
            actions.decide(
                session, record.id, usage_ref=job.ref, decision="notify", reason="Lưu ý", decided_by_id=None
            )
            [draft] = notices.regenerate(session, record.id)
            notices.send_notice(session, draft.id, reviewer=reviewer)
            number, job_number, expected = record.number, job.ref, len(view.jobs)
            session.commit()
    finally:
        engine.dispose()

    listed = run(["nc", "list", "--json"], instance)
    assert listed.returncode == 0, listed.stderr
    [row] = [r for r in json.loads(listed.stdout) if r["number"] == number]
    with sqlite3.connect(instance / "lims.db") as db:
        superseded = {n for (n,) in db.execute("SELECT number FROM certificate WHERE status = 'superseded'")}
        current = dict(
            db.execute(
                "SELECT j.number, c.number FROM certificate c JOIN job j ON j.id = c.job_id"
                " WHERE c.status != 'superseded'"
            ).fetchall()
        )
        amended_jobs = {
            j
            for (j,) in db.execute(
                "SELECT j.number FROM certificate c JOIN job j ON j.id = c.job_id WHERE c.status = 'superseded'"
            )
        }
    assert row["trigger"] == "check_out_of_limits" and row["window"]["end"] is None
    assert row["jobs"] == expected == len([a for a in row["affected"] if a["job"]])
    [decided] = [a for a in row["affected"] if a["job"] == job_number]
    assert decided["decision"] == "notify" and decided["certificate"] == current[job_number]
    # a job listed had its certificate amended (the demo's HC-…-00001 → HC-…-00005): listed with the current one
    assert amended_jobs & {a["job"] for a in row["affected"]}
    assert superseded and not superseded & set(row["certificates"])
    assert not superseded & {a["certificate"] for a in row["affected"]}
    assert {a["job"] for a in row["affected"] if a["certificate"]} <= set(current)
    assert [(n["state"], n["delivery"]) for n in row["notices"]] == [("sent", "queued")]
    assert json.loads(run(["nc", "show", number, "--json"], instance).stdout) == row

    # `lims reminders send` delivers the queued notice through SMTP (a local aiosmtpd server)
    with local_smtp() as mail:
        sent = run(["reminders", "send", "--days", "1"], instance, **mail.env)
        assert sent.returncode == 0, sent.stderr
    texts = mail.inbox.texts()
    assert any(job_number in text and number in text for text in texts)
    shown = json.loads(run(["nc", "show", number, "--json"], instance).stdout)
    assert [n["delivery"] for n in shown["notices"]] == ["sent"]
