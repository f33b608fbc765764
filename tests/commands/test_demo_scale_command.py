"""``lims demo --scale N`` as an operator runs it: a real process, its own database of each kind."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from lims.migrate import upgrade
from tests.conftest import POSTGRES_URL
from tests.passwords import LIMS_PROCESS as LIMS


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scale.db'}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL (LIMS_TEST_POSTGRES_URL)")
    schema = f"lims_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    parsed = make_url(POSTGRES_URL)
    url = parsed.set(query={**parsed.query, "options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def run(args: list[str], url: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIMS_INSTANCE_PATH": str(instance), "LIMS_DATABASE_URL": url}
    return subprocess.run([*LIMS, *args], capture_output=True, text=True, env=env, timeout=600)


def test_scale_loads_once_then_refuses(empty_url: str, tmp_path: Path) -> None:
    result = run(["demo", "--scale", "150", "--seed", "4", "--json"], empty_url, tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["instruments"] == 150 and report["rows"]["customer_instrument"] == 150
    assert report["rows"]["enterprise"] == 1 and report["rows"]["job"] == 150
    assert report["rows"]["audit_entry"] > 150
    verify = run(["audit", "verify"], empty_url, tmp_path)
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stderr
    again = run(["demo", "--scale", "150"], empty_url, tmp_path)
    assert again.returncode == 2
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "already holds data" in lines[0], again.stderr
