"""A full disk during an upload (issue #10 item 4): a clear, localised 507, no traceback, nothing half-saved.

A real full file system needs root (a tiny tmpfs) or fills the shared disk, so the fault is injected where it
would surface (documented in docs/security.md, "Faults"):

- at the storage backend: ``write`` raising ``OSError(ENOSPC)``, as the S3 or a file backend does when the disk
  under it is full;
- in the database: the driver's own disk-full error (SQLite "database or disk is full", PostgreSQL SQLSTATE
  53100 ``disk_full``), raised while the stored file's bytes are inserted.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lims.models import Role, StandardCalibration, StoredFile
from lims.services.common import storage
from tests.factories import make_standard, make_user
from tests.web.test_standards import _pdf, _upload
from tests.webutil import login

MESSAGE_VI = "Bộ nhớ lưu trữ của máy chủ đã đầy nên chưa có gì được lưu. Hãy báo cho quản trị viên."


class _PgDiskFull(Exception):
    sqlstate = "53100"

    def __str__(self) -> str:
        return 'could not extend file "base/16384/2619": No space left on device'


def _enospc(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _sqlite_full(*args: Any, **kwargs: Any) -> None:
    raise OperationalError(
        "INSERT INTO stored_file …", {}, sqlite3.OperationalError("database or disk is full")
    )


def _postgres_full(*args: Any, **kwargs: Any) -> None:
    raise OperationalError("INSERT INTO stored_file …", {}, _PgDiskFull())


@pytest.mark.parametrize(
    "fault", [_enospc, _sqlite_full, _postgres_full], ids=["ENOSPC", "sqlite", "postgresql"]
)
def test_full_disk_on_upload_is_a_clear_507_and_saves_nothing(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch, fault: Any
) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    standard = make_standard(session)
    session.commit()
    files_before = session.scalar(select(func.count()).select_from(StoredFile))
    monkeypatch.setattr(storage.DatabaseStorage, "_write_blob", fault)

    response = _upload(client, standard.id, _pdf(), "cert.pdf")

    body = response.get_data(as_text=True)
    assert response.status_code == 507, body[:300]
    assert MESSAGE_VI in body
    for leak in ("Traceback", "OSError", "OperationalError", "Errno", "stored_file", "INSERT"):
        assert leak not in body, leak
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(StoredFile)) == files_before
    assert (
        session.scalar(select(StandardCalibration.id).where(StandardCalibration.standard_id == standard.id))
        is None
    )

    # the disk has room again: the same upload succeeds
    monkeypatch.undo()
    assert _upload(client, standard.id, _pdf(), "cert.pdf").status_code == 302


def test_full_disk_answers_json_to_api_clients(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    standard = make_standard(session)
    session.commit()
    monkeypatch.setattr(storage.DatabaseStorage, "_write_blob", _enospc)
    from tests.web.test_standards import CAL_FORM
    from tests.webutil import csrf_token

    url = f"/standards/{standard.id}/calibrations/new"
    import io

    response = client.post(
        url,
        data={
            **CAL_FORM,
            "csrf_token": csrf_token(client, url),
            "certificate_file": (io.BytesIO(_pdf()), "c.pdf"),
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 507
    assert response.get_json() == {"error": {"status": 507, "message": MESSAGE_VI}}


def test_other_os_errors_stay_a_generic_500(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/lims/secret-path")

    login(client, make_user(session, Role.TECHNICIAN).username)
    standard = make_standard(session)
    session.commit()
    monkeypatch.setattr(storage.DatabaseStorage, "_write_blob", denied)
    response = _upload(client, standard.id, _pdf(), "cert.pdf")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret-path" not in body and "Permission denied" not in body and "Traceback" not in body
