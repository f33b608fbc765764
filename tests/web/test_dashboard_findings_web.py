"""The auditor's and lab manager's tiles on the dashboard page: each a link that opens the list it counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import lxml.html
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import CorrectiveAction, NonconformingWork, Role
from lims.services.certificates import stamps
from tests.factories import make_lab, make_user
from tests.webutil import login


def _tile_links(page: str) -> dict[str, tuple[str, str]]:
    """label → (href, value) of every tile of the dashboard."""
    tree = lxml.html.fromstring(page)
    return {
        " ".join(a.xpath("string(.//span[@class='label'])").split()): (
            a.get("href"), a.xpath("string(.//span[@class='value'])").strip()
        )
        for a in tree.xpath("//ul[@class='tiles']//a")
    }


def _listed(client: FlaskClient, href: str) -> int:
    tree = lxml.html.fromstring(client.get(href).get_data(as_text=True))
    return len(tree.xpath("//table/tbody/tr/td/a[starts-with(@href, '/nc/')]"))


def test_open_findings_tiles_open_the_filtered_list(client: FlaskClient, session: Session) -> None:
    today = date.today()
    owner = make_user(session, Role.ADMIN)
    records = []
    for n, state in enumerate(("open", "evaluating", "closed"), start=1):
        record = NonconformingWork(number=f"NC-W-{n}", trigger="complaint", state=state, description="Thử",
                                   found_on=today - timedelta(days=20))
        session.add(record)
        session.flush()
        records.append(record)
    session.add_all([
        CorrectiveAction(nc_id=records[0].id, root_cause="Thử", actions="Thử", owner_id=owner.id,
                         due_on=today - timedelta(days=2), state="open"),
        CorrectiveAction(nc_id=records[1].id, root_cause="Thử", actions="Thử", owner_id=owner.id,
                         due_on=today + timedelta(days=9), state="open"),
    ])
    session.commit()
    login(client, make_user(session, Role.AUDITOR).username)
    tiles = _tile_links(client.get("/").get_data(as_text=True))
    expected = {
        "Công việc không phù hợp đang mở": ("/nc/?open=1", 2),
        "Hồ sơ có hành động khắc phục chưa đóng": ("/nc/?corrective=open", 2),
        "Hồ sơ có hành động khắc phục quá hạn": ("/nc/?corrective=overdue", 1),
    }
    for label, (href, count) in expected.items():
        assert tiles[label] == (href, str(count)), (label, tiles)
        assert _listed(client, href) == count, href
    assert "Tem kiểm định còn trong kho" not in tiles  # not the auditor's tile


def test_lab_manager_sees_the_stamps_left(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    stamps.receive_batch(session, stamps.BatchInput(make_lab(session).id, "DN-26", 1, 12,
                                                    date.today() - timedelta(days=3), "BB-01"), actor=admin)
    session.commit()
    login(client, admin.username)
    page = client.get("/").get_data(as_text=True)
    assert _tile_links(page)["Tem kiểm định còn trong kho"] == ("/legal/stamps", "12")
    # 12 < 20 (LIMS_STAMPS_LOW's default): the tile is marked as a warning
    assert re.search(r'<li class="tile warn">\s*<a href="/legal/stamps">', page)
