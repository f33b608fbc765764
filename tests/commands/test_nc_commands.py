"""``lims nc list/show --json`` on the demo deployment: the failed check of CDL-KL-003 opened NC-…-001."""

from __future__ import annotations

import json
import sqlite3

from tests.commands.process import CliDemo, run


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
    assert data["number"] == record["number"] and data["jobs"] == len([a for a in data["affected"] if a["job"]])
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
