"""tools/screenshots.py captures every page a role can open, each as a demo user allowed to open it.

A new page fails this test until it is added to the tool's PAGES (or, if it is not a page, to NOT_PAGES),
so the screenshots in the README cannot silently fall behind the application.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask

from lims.services.demo.seed import USERS
from lims.web.access import AUTHENTICATED, PUBLIC, TOKEN, access_of
from tests.loadfile import load_file

TOOL = Path(__file__).resolve().parents[2] / "tools" / "screenshots.py"
CERTIFICATE_IDS = {"amended", "superseded", "valid"}  # placeholders that stand for certificate numbers


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    return load_file("screenshots_tool", TOOL)


def _endpoint(app: Flask, path: str) -> str:
    names = {field for _, field, _, _ in string.Formatter().parse(path) if field}
    sample = {name: "HC-2026-00001" if name in CERTIFICATE_IDS else "1" for name in names}
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path.format(**sample).partition("?")[0], method="GET")
    return str(endpoint)


def _pages(app: Flask) -> set[str]:
    """Endpoints a browser opens with GET and a session (the JSON API authenticates tokens instead)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and TOKEN not in (access_of(app, rule.endpoint) or {TOKEN})
    }


def test_every_page_is_captured(app: Flask, tool: ModuleType) -> None:
    captured = {_endpoint(app, path) for _, _, path in tool.PAGES}
    assert _pages(app) - captured - tool.NOT_PAGES == set()


def test_not_pages_lists_only_existing_endpoints_never_captured(app: Flask, tool: ModuleType) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    captured = {_endpoint(app, path) for _, _, path in tool.PAGES}
    assert tool.NOT_PAGES - endpoints == set()
    assert tool.NOT_PAGES & captured == set()


def test_each_page_is_opened_by_a_demo_user_allowed_to(app: Flask, tool: ModuleType) -> None:
    roles = {username: str(role) for username, _, role, _, _ in USERS}
    refused = []
    for name, user, path in tool.PAGES:
        access = access_of(app, _endpoint(app, path)) or frozenset()
        if user is None:
            ok = PUBLIC in access
        else:
            ok = user in roles and (AUTHENTICATED in access or PUBLIC in access or roles[user] in access)
        if not ok:
            refused.append((name, user, path))
    assert refused == []


def test_file_names_are_numbered_in_order_and_unique(tool: ModuleType) -> None:
    names = [name for name, _, _ in tool.PAGES]
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+", name) for name in names), names
    assert [int(name[:2]) for name in names] == list(range(1, len(names) + 1))


def test_every_placeholder_has_a_query_and_every_action_a_page(tool: ModuleType) -> None:
    used = {field for _, _, path in tool.PAGES for _, field, _, _ in string.Formatter().parse(path) if field}
    assert used <= set(tool.QUERIES)
    assert set(tool.ACTIONS) <= {name for name, _, _ in tool.PAGES}


def test_the_readme_links_every_screenshot(tool: ModuleType) -> None:
    readme = (TOOL.parents[1] / "README.md").read_text(encoding="utf-8")
    assert [name for name, _, _ in tool.PAGES if f"(docs/screenshots/{name}.png)" not in readme] == []


def test_every_page_has_its_picture_in_both_languages_and_no_stale_one(tool: ModuleType) -> None:
    """docs/screenshots/ (Vietnamese) and docs/screenshots/en/ hold exactly the pictures of PAGES."""
    folder = TOOL.parents[1] / "docs" / "screenshots"
    names = {f"{name}.png" for name, _, _ in tool.PAGES}
    for language in ("vi", "en"):
        pictures = {p.name for p in tool._folder(folder, language).glob("*.png")}
        assert (language, sorted(names - pictures), sorted(pictures - names)) == (language, [], [])


def test_the_readme_points_to_the_english_pictures(tool: ModuleType) -> None:
    readme = (TOOL.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "(docs/screenshots/en/)" in readme
    assert "(docs/screenshots/en/02-dashboard-admin.png)" in readme
