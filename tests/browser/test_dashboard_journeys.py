"""Each staff role starts from its dashboard and reaches its work in one click (issue 19, "Done when").

Every tile is a link to the list it counts: the list opened shows as many rows as the tile said. The
technician then takes a job nobody holds, from the job page, and becomes its assignee.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

# the role's user and the path its first counted tile must open
ROLES = {
    "ktv.lan": "/jobs/?queue=",
    "kt.hung": "/jobs/?queue=",
    "ky.thu": "/jobs/?queue=",
    "admin": "/requests/?state=submitted",
    "dg.mai": "/certificates/?since=",
}


def _tiles(page: Any) -> list[tuple[int, str]]:
    """(count, link) of each tile on the dashboard, in order."""
    found = []
    for link in page.locator("ul.tiles li a").all():
        value = int(re.sub(r"\D", "", link.locator(".value").inner_text()) or 0)
        found.append((value, str(link.get_attribute("href"))))
    return found


@pytest.mark.parametrize("username", list(ROLES))
def test_the_dashboard_leads_to_the_work(page: Any, live_server: str, username: str) -> None:
    log_in(page, live_server, username)
    tiles = _tiles(page)
    assert tiles and all(href.startswith("/") for _, href in tiles)  # every tile is a link
    count, href = next((v, h) for v, h in tiles if h.startswith(ROLES[username]) and v > 0)
    page.locator(f"ul.tiles a[href='{href}']").click()
    page.wait_for_load_state()
    assert page.url == live_server + href
    rows = page.locator("table tbody tr:has(a)").count()
    assert rows == min(count, 50), (href, count, rows)  # the list shows what the tile counted (one page)


def test_technician_takes_a_job_nobody_holds(page: Any, live_server: str, live_database: Any) -> None:
    from sqlalchemy import select

    from lims.models import Job, User

    log_in(page, live_server, "ktv.lan")
    page.locator("ul.tiles a[href='/jobs/?queue=unassigned']").click()
    page.locator("table tbody a:has-text('JOB-')").first.click()
    number = page.locator("h1").inner_text().split()[0]
    page.locator("button:has-text('Nhận công việc này')").click()
    page.wait_for_load_state()
    assert number in page.locator(".flash").first.inner_text()
    with live_database.session() as session:
        job = session.scalar(select(Job).where(Job.number == number))
        lan = session.scalar(select(User).where(User.username == "ktv.lan"))
        assert job is not None and lan is not None and job.technician_id == lan.id
