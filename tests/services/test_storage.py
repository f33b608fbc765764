"""File storage: write-once catalogue, content checks, database and S3 backends (ISO/IEC 17025 7.8.8, 8.4)."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lims.config import Settings
from lims.errors import ConfigurationError, LimsError
from lims.models import StoredFile
from lims.services.common import storage
from lims.services.common.storage import (
    DatabaseStorage,
    EmptyFile,
    FileTooLarge,
    InvalidContentType,
    InvalidKey,
    NotAPdf,
    S3Storage,
    StoredFileCorrupt,
    StoredFileExists,
    StoredFileMissing,
    open_storage,
    sha256_hex,
    sniff_pdf,
)
from tests import s3server

s3_endpoint = s3server.s3_endpoint  # fixtures shared with the other S3 tests
s3_settings = s3server.s3_settings

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"


def test_doctests() -> None:
    result = doctest.testmod(storage, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0


def test_put_then_get_returns_the_bytes_and_catalogue_entry(session: Session) -> None:
    store = DatabaseStorage(session)
    stored = store.put("certificates/HN-2026-00001.pdf", PDF, "application/pdf")
    assert stored.sha256 == sha256_hex(PDF) and stored.size == len(PDF)
    assert store.get("certificates/HN-2026-00001.pdf") == PDF
    assert store.exists("certificates/HN-2026-00001.pdf")
    assert not store.exists("certificates/HN-2026-00002.pdf")
    assert store.stat("certificates/HN-2026-00001.pdf") == stored


def test_issued_bytes_can_never_be_replaced(session: Session) -> None:
    store = DatabaseStorage(session)
    store.put("certificates/HN-2026-00003.pdf", PDF, "application/pdf")
    with pytest.raises(StoredFileExists, match="HN-2026-00003"):
        store.put("certificates/HN-2026-00003.pdf", PDF + b" ", "application/pdf")
    assert store.get("certificates/HN-2026-00003.pdf") == PDF
    # A retried request with the same bytes is not an error.
    assert store.put("certificates/HN-2026-00003.pdf", PDF, "application/pdf").sha256 == sha256_hex(PDF)
    assert not hasattr(store, "delete")


def test_lost_race_with_different_bytes_is_refused(session: Session) -> None:
    # The row appears between our check and our insert: the unique key turns it into a clear refusal.
    store = DatabaseStorage(session)
    other = DatabaseStorage(session)
    original_row = store._row
    calls = {"n": 0}

    def stale_row(key: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            other.put(key, b"first writer", "text/plain")
            return None
        return original_row(key)

    store._row = stale_row  # type: ignore[method-assign]
    with pytest.raises(StoredFileExists):
        store.put("race/key.txt", b"second writer", "text/plain")
    assert other.get("race/key.txt") == b"first writer"


def test_missing_and_corrupt_files_are_reported(session: Session) -> None:
    store = DatabaseStorage(session)
    with pytest.raises(StoredFileMissing, match=r"nope\.pdf"):
        store.get("nope.pdf")
    with pytest.raises(StoredFileMissing):
        store.stat("nope.pdf")
    store.put("standards/cert-1.pdf", PDF, "application/pdf")
    session.execute(update(StoredFile).where(StoredFile.key == "standards/cert-1.pdf").values(data=b"%PDF-X"))
    session.expire_all()
    with pytest.raises(StoredFileCorrupt):
        store.get("standards/cert-1.pdf")


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "../x", "a//b", "sp ace", "x" * 201, "é.pdf"])
def test_bad_keys_are_refused(session: Session, key: str) -> None:
    with pytest.raises(InvalidKey):
        DatabaseStorage(session).put(key, b"x", "text/plain")


def test_bad_content_type_and_sizes_are_refused(session: Session) -> None:
    store = DatabaseStorage(session, max_bytes=100)
    with pytest.raises(InvalidContentType):
        store.put("a.pdf", PDF, "pdf")
    with pytest.raises(EmptyFile, match=r"a\.pdf is empty"):
        store.put("a.pdf", b"", "application/pdf")
    with pytest.raises(FileTooLarge) as info:
        store.put("a.pdf", b"x" * 101, "application/pdf")
    assert info.value.params == {"name": "a.pdf", "size": 101, "limit": 100}
    assert isinstance(info.value, LimsError) and isinstance(info.value, ValueError)
    assert session.scalar(select(StoredFile).where(StoredFile.key == "a.pdf")) is None


def test_sniff_pdf_checks_content_not_name() -> None:
    assert sniff_pdf(PDF) == "1.4"
    assert sniff_pdf(b"%PDF-2.0\n" + b"x" * 5000 + b"\nstartxref\n1\n%%EOF") == "2.0"
    with pytest.raises(NotAPdf, match="does not start"):
        sniff_pdf(b"MZ\x90\x00 fake.pdf", name="fake.pdf")
    with pytest.raises(NotAPdf, match="end is missing"):
        sniff_pdf(PDF[:-7])
    with pytest.raises(NotAPdf, match="cross-reference"):
        sniff_pdf(b"%PDF-1.7\n" + b"x" * 2000 + b"%%EOF")


def test_real_pdf_from_reportlab_is_accepted() -> None:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, "Giấy chứng nhận hiệu chuẩn")
    canvas.save()
    assert sniff_pdf(buffer.getvalue()) in ("1.3", "1.4")


def test_settings_choose_the_backend(session: Session, tmp_path: Path) -> None:
    base = {"LIMS_INSTANCE_PATH": str(tmp_path)}
    assert isinstance(open_storage(Settings.from_env(base), session), DatabaseStorage)
    with pytest.raises(ConfigurationError, match="LIMS_S3_BUCKET"):
        Settings.from_env({**base, "LIMS_STORAGE": "s3"})
    with pytest.raises(ConfigurationError, match="'database' or 's3'"):
        Settings.from_env({**base, "LIMS_STORAGE": "disk"})
    with pytest.raises(ConfigurationError, match="LIMS_MAX_FILE_BYTES"):
        Settings.from_env({**base, "LIMS_MAX_FILE_BYTES": "lots"})
    settings = Settings.from_env(
        {**base, "LIMS_STORAGE": "s3", "LIMS_S3_BUCKET": "certs", "LIMS_MAX_FILE_BYTES": "1000"}
    )
    chosen = open_storage(settings, session, client=object())
    assert isinstance(chosen, S3Storage) and chosen.objects.bucket == "certs" and chosen.max_bytes == 1000


# --- S3 against moto's standalone server (a real HTTP S3 endpoint on loopback) -----------------------


def test_s3_storage_round_trip_and_write_once(session: Session, s3_settings: Settings) -> None:
    store = open_storage(s3_settings, session)
    assert isinstance(store, S3Storage)
    stored = store.put("dcc/HN-2026-00001.xml", b"<dcc/>", "application/xml")
    row = session.scalar(select(StoredFile).where(StoredFile.key == "dcc/HN-2026-00001.xml"))
    assert row is not None and row.data is None  # the bytes are in the bucket, not the row
    head = store.objects.client.head_object(
        Bucket=s3_settings.s3_bucket, Key=store.objects.object_name(stored.sha256)
    )
    assert head["ContentLength"] == 6 and head["Metadata"]["sha256"] == stored.sha256
    assert store.get("dcc/HN-2026-00001.xml") == b"<dcc/>"
    with pytest.raises(StoredFileExists):
        store.put("dcc/HN-2026-00001.xml", b"<dcc>changed</dcc>", "application/xml")
    assert store.get("dcc/HN-2026-00001.xml") == b"<dcc/>"


def test_s3_object_tampered_or_missing_is_detected(session: Session, s3_settings: Settings) -> None:
    store = open_storage(s3_settings, session)
    assert isinstance(store, S3Storage)
    stored = store.put("standards/s1.pdf", PDF, "application/pdf")
    store.objects.client.put_object(
        Bucket=s3_settings.s3_bucket, Key=store.objects.object_name(stored.sha256), Body=b"evil"
    )
    with pytest.raises(StoredFileCorrupt):
        store.get("standards/s1.pdf")
    store.objects.client.delete_object(
        Bucket=s3_settings.s3_bucket, Key=store.objects.object_name(stored.sha256)
    )
    with pytest.raises(StoredFileMissing):
        store.get("standards/s1.pdf")


def test_s3_storage_reads_rows_written_to_the_database_before_the_move(
    session: Session, s3_settings: Settings
) -> None:
    DatabaseStorage(session).put("old/report.pdf", PDF, "application/pdf")
    assert open_storage(s3_settings, session).get("old/report.pdf") == PDF


PROBE_HTML = (
    b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    b"startxref\n0\n%%EOF\n"
)


def test_check_pdf_parses_the_document_not_only_its_first_and_last_bytes() -> None:
    """Issue 21: an HTML file with a %PDF- header and a startxref/%%EOF trailer was stored as a certificate."""
    from io import BytesIO

    from reportlab.pdfgen import canvas

    from lims.services.common.storage import check_pdf

    assert sniff_pdf(PROBE_HTML) == "1.7"  # the cheap check alone is fooled
    with pytest.raises(NotAPdf, match="a reader can open"):
        check_pdf(PROBE_HTML, name="cert.pdf")
    with pytest.raises(NotAPdf, match="a reader can open"):
        check_pdf(PDF, name="cert.pdf")  # a catalogue without a page tree
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawString(72, 720, "Giấy chứng nhận hiệu chuẩn")
    pdf.showPage()
    pdf.save()
    assert check_pdf(buffer.getvalue()) == 1
