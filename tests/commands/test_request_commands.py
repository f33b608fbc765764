"""``lims request``: listing, showing and the lab's decisions on the demo's requests, run as real processes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.commands.process import CliDemo, run


@pytest.fixture(scope="module")
def demo(cli_demo: CliDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli_demo.copy(tmp_path_factory)


def _json(demo: Path, *args: str) -> Any:
    result = run(["request", *args, "--json"], demo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _refused(demo: Path, *args: str) -> str:
    """The command exits 2 with one line on stderr (returned)."""
    result = run(["request", *args], demo)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip() and result.stderr.strip().count("\n") == 0, result.stderr
    return result.stderr


def _by_state(rows: list[dict[str, Any]], state: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["state"] == state]


def test_list_filters_by_state_and_enterprise(demo: Path) -> None:
    rows = _json(demo, "list")
    assert sorted(r["state"] for r in rows) == [
        "accepted",
        "cancelled",
        "converted",
        "rejected",
        "scheduled",
        "submitted",
        "submitted",
    ]
    assert [r["number"] for r in rows] == sorted((r["number"] for r in rows), reverse=True)  # newest first
    submitted = _json(demo, "list", "--state", "submitted")
    assert {r["number"] for r in submitted} == {r["number"] for r in _by_state(rows, "submitted")}
    one = rows[-1]  # the first request: An Nam's, converted
    theirs = _json(demo, "list", "--enterprise", one["tax_code"])
    assert len(theirs) == 6 and {r["enterprise"] for r in theirs} == {one["enterprise"]}
    text = run(["request", "list", "--state", "rejected"], demo)
    assert text.returncode == 0 and _by_state(rows, "rejected")[0]["number"] in text.stdout
    assert len(text.stdout.strip().splitlines()) == 1
    cancelled = _json(demo, "show", _by_state(rows, "cancelled")[0]["number"])
    assert cancelled["cancellation_reason"] and cancelled["cancelled_by"]
    assert [h["state"] for h in cancelled["history"]] == ["submitted", "accepted", "cancelled"]


def test_show_gives_items_jobs_and_history(demo: Path) -> None:
    converted = _by_state(_json(demo, "list"), "converted")[0]
    shown = _json(demo, "show", converted["number"].lower())  # yc-00001 works too
    assert shown["number"] == converted["number"] and shown["decision_rule"] == "simple"
    assert [i["procedure"] for i in shown["items"]] == ["CAL-PG-DKD", "CAL-TH-BATH"]
    assert all(i["job"] and i["job"].startswith("JOB-") for i in shown["items"])
    assert [h["state"] for h in shown["history"]] == ["submitted", "accepted", "converted"]
    text = run(["request", "show", converted["number"]], demo)
    assert text.returncode == 0 and "CAL-TH-BATH" in text.stdout and shown["items"][0]["job"] in text.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["show", "YC-99999"], "no request YC-99999"),
        (["show", "abc"], "not a request number"),
        (["list", "--state", "finished"], "finished"),
        (["list", "--enterprise", "0100109107"], "not valid"),
        (["list", "--enterprise", "0100109106"], "no enterprise"),
        (["accept", "YC-00001"], "--user"),
        (["accept", "YC-00001", "--user", "nobody"], "no such active user"),
        (["reject", "YC-00001", "--user", "kt.hung"], "--reason"),
        (["schedule", "YC-00001", "--on", "1/2/2026", "--user", "kt.hung"], "1/2/2026"),
    ],
)
def test_bad_input_exits_2_with_one_line(demo: Path, args: list[str], fragment: str) -> None:
    assert fragment in _refused(demo, *args)


def test_decisions_check_the_user_and_the_state_and_save_nothing_when_refused(demo: Path) -> None:
    rows = _json(demo, "list")
    annam = rows[-1]["tax_code"]
    sonha = next(r for r in _by_state(rows, "submitted") if r["tax_code"] != annam)
    scales = next(r for r in _by_state(rows, "submitted") if r["tax_code"] == annam)
    number = sonha["number"]
    # only the roles of the web page may decide (review: admin, reviewer; convert: admin, technician)
    assert "technician may not accept" in _refused(demo, "accept", number, "--user", "ktv.lan")
    assert "reviewer may not convert" in _refused(demo, "convert", number, "--user", "kt.hung")
    assert "can no longer be accepted" in _refused(
        demo, "accept", _by_state(rows, "accepted")[0]["number"], "--user", "kt.hung"
    )
    assert "past" in _refused(
        demo, "schedule", number, "--on", (date.today() - timedelta(days=1)).isoformat(), "--user", "kt.hung"
    )
    assert "reason" in _refused(demo, "reject", number, "--reason", "   ", "--user", "kt.hung")
    assert "accept it first" in _refused(demo, "convert", number, "--user", "ktv.lan")
    assert _json(demo, "show", number)["state"] == "submitted"
    # accept, schedule, then convert: the only °C calibration procedure is chosen as on the web page
    accepted = run(["request", "accept", number, "--user", "kt.hung"], demo)
    assert accepted.returncode == 0 and accepted.stdout.strip() == f"{number}: accepted"
    day = (date.today() + timedelta(days=3)).isoformat()
    assert run(["request", "schedule", number, "--on", day, "--user", "admin"], demo).returncode == 0
    jobs_before = json.loads(run(["jobs", "list", "--json"], demo).stdout)
    converted = run(["request", "convert", number, "--user", "ktv.lan"], demo)
    assert converted.returncode == 0, converted.stderr
    shown = _json(demo, "show", number)
    assert shown["state"] == "converted" and shown["scheduled_on"] == day
    assert [i["procedure"] for i in shown["items"]] == ["CAL-TH-BATH"]
    job = shown["items"][0]["job"]
    assert job in converted.stdout
    jobs_after = json.loads(run(["jobs", "list", "--json"], demo).stdout)
    assert len(jobs_after) == len(jobs_before) + 1 and jobs_after[0]["number"] == job
    history = shown["history"]
    assert [(h["state"], h["by"]) for h in history[1:]] == [
        ("accepted", "kt.hung (cli)"),
        ("scheduled", "admin (cli)"),
        ("converted", "ktv.lan (cli)"),
    ]
    # two balances in grams: the capability review finds the balance calibration (CAL-NAWI-CG18, issue 19)
    # and the request is accepted; a procedure in another unit is refused naming it, no job made ...
    assert run(["request", "accept", scales["number"], "--user", "kt.hung"], demo).returncode == 0
    assert "°C" in _refused(
        demo, "convert", scales["number"], "--procedure", "CAL-TH-BATH", "--user", "admin"
    )
    assert _json(demo, "show", scales["number"])["state"] == "accepted"
    assert len(json.loads(run(["jobs", "list", "--json"], demo).stdout)) == len(jobs_after)
    # ... and the balance calibration per EURAMET cg-18 takes them (before it, this request could never
    # become jobs: issue 16)
    balances = run(["request", "convert", scales["number"], "--user", "admin"], demo)
    assert balances.returncode == 0, balances.stderr
    shown = _json(demo, "show", scales["number"])
    assert shown["state"] == "converted" and [i["procedure"] for i in shown["items"]] == ["CAL-NAWI-CG18"] * 2
    assert len(json.loads(run(["jobs", "list", "--json"], demo).stdout)) == len(jobs_after) + 2
