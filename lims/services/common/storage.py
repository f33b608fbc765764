"""Stored files (issued PDFs and DCCs, uploaded certificates of standards) behind one interface.

Every stored file has a row in the ``stored_file`` catalogue (key, content type, size, SHA-256), written
in the caller's transaction. The bytes live either in that row (:class:`DatabaseStorage`, the default)
or in an S3-compatible bucket (:class:`S3Storage`, the scale-out option), where objects are named by
their SHA-256. Neither backend offers ``delete`` and neither overwrites: putting different bytes under an
existing key raises :class:`StoredFileExists`, so an issued certificate's bytes can never be replaced
(ISO/IEC 17025 7.8.8: an issued report is amended only by a new report). Putting the same bytes again
is harmless and returns the existing record, so a retried request does not fail.

Content is checked by its bytes, never by the file name: :func:`sniff_pdf` and :func:`check_size`.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from lims.errors import N_, ConfigurationError, LimsError
from lims.models import StoredFile

if TYPE_CHECKING:
    from lims.config import Settings

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*")
KEY_MAX_LENGTH = 200
CONTENT_TYPE_PATTERN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+\-]*/[a-z0-9][a-z0-9!#$&^_.+\-]*")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PDF_TRAILER_WINDOW = 1024


class StorageError(LimsError):
    """A file could not be stored or read."""

    template = N_("The file could not be stored.")


class InvalidKey(StorageError, ValueError):
    template = N_(
        "The storage key %(key)s is not valid: use letters, digits, '.', '_', '-' and '/' (at most 200 characters)."
    )


class InvalidContentType(StorageError, ValueError):
    template = N_("The content type %(content_type)s is not a valid media type.")


class EmptyFile(StorageError, ValueError):
    template = N_("%(name)s is empty.")


class FileTooLarge(StorageError, ValueError):
    template = N_("%(name)s is %(size)s bytes; the largest file accepted is %(limit)s bytes.")


class NotAPdf(StorageError, ValueError):
    template = N_("%(name)s is not a PDF document.")


class StoredFileExists(StorageError, FileExistsError):
    template = N_("A different file is already stored under %(key)s; stored files are never replaced.")


class StoredFileMissing(StorageError, LookupError):
    template = N_("No file is stored under %(key)s.")


class StoredFileCorrupt(StorageError, OSError):
    template = N_("The file stored under %(key)s does not match its SHA-256; restore it from a backup.")


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the catalogue knows of a stored file."""

    key: str
    sha256: str
    size: int
    content_type: str


class Storage(Protocol):
    """Write-once file storage. There is deliberately no ``delete``."""

    def put(self, key: str, data: bytes, content_type: str) -> StoredObject: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def stat(self, key: str) -> StoredObject: ...

    def stat_many(self, keys: Collection[str]) -> dict[str, StoredObject]: ...


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``.

    >>> sha256_hex(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def detached_signature_key(key: str) -> str:
    """Where the detached signature (CMS, ``.p7s``) of the file stored under ``key`` is stored: beside it.

    >>> detached_signature_key("issued/calibration/HC-2026-00001-abc.dcc.xml")
    'issued/calibration/HC-2026-00001-abc.dcc.xml.p7s'
    """
    return f"{key}.p7s"


def issued_file_keys(
    storage: Storage, certificates: Sequence[Any], which: str
) -> list[tuple[str | None, str | None]]:
    """The storage key of each issued certificate's ``pdf``, ``dcc`` or ``p7s`` (the DCC's detached
    signature) and the SHA-256 recorded for it (for the signature, the catalogue's), in the order given;
    ``(None, None)`` for one that has none (a certificate issued before certificates were signed has no
    ``p7s``). The signatures of a whole list are looked up in one query."""
    if which == "pdf":
        return [(c.pdf_key, c.pdf_sha256) for c in certificates]
    if which == "dcc":
        return [(c.dcc_key, c.dcc_sha256) for c in certificates]
    if which != "p7s":
        return [(None, None) for _ in certificates]
    keys = [detached_signature_key(c.dcc_key) if c.dcc_key is not None else None for c in certificates]
    stored = storage.stat_many([key for key in keys if key is not None])
    return [(key, stored[key].sha256) if key in stored else (None, None) for key in keys]


def issued_file_key(storage: Storage, certificate: Any, which: str) -> tuple[str | None, str | None]:
    """:func:`issued_file_keys` of one certificate."""
    return issued_file_keys(storage, [certificate], which)[0]


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid storage key, else raise :class:`InvalidKey`.

    >>> check_key("certificates/2026/HN-2026-00001.pdf")
    'certificates/2026/HN-2026-00001.pdf'
    >>> check_key("../secret")
    Traceback (most recent call last):
    ...
    lims.services.common.storage.InvalidKey: The storage key ../secret is not valid: ...
    """
    if len(key) > KEY_MAX_LENGTH or not KEY_PATTERN.fullmatch(key) or ".." in key.split("/"):
        raise InvalidKey(key=key)
    return key


def check_size(data: bytes, *, limit: int, name: str = "The file") -> int:
    """Return the size of ``data`` in bytes, refusing an empty file or one larger than ``limit``.

    >>> check_size(b"abc", limit=10)
    3
    >>> check_size(b"x" * 11, limit=10, name="calibration.pdf")
    Traceback (most recent call last):
    ...
    lims.services.common.storage.FileTooLarge: calibration.pdf is 11 bytes; the largest file accepted is 10 bytes.
    """
    size = len(data)
    if size == 0:
        raise EmptyFile(name=name)
    if size > limit:
        raise FileTooLarge(name=name, size=size, limit=limit)
    return size


_PDF_HEADER = re.compile(rb"%PDF-([12]\.\d)")


def sniff_pdf(data: bytes, *, name: str = "The file") -> str:
    """Return the PDF version if ``data`` looks like a complete PDF (ISO 32000-1 7.5.2 header,
    7.5.5 trailer), else raise :class:`NotAPdf`. The file name plays no part.

    >>> sniff_pdf(b"%PDF-1.7\\n1 0 obj<<>>endobj\\ntrailer<<>>\\nstartxref\\n9\\n%%EOF\\n")
    '1.7'
    >>> sniff_pdf(b"<html>%PDF-1.7</html>", name="report.pdf")
    Traceback (most recent call last):
    ...
    lims.services.common.storage.NotAPdf: report.pdf is not a PDF document: it does not start with %PDF-.
    """
    match = _PDF_HEADER.match(data)
    if match is None:
        raise NotAPdf(N_("%(name)s is not a PDF document: it does not start with %%PDF-."), name=name)
    tail = data[-PDF_TRAILER_WINDOW:]
    if b"%%EOF" not in tail:
        raise NotAPdf(N_("%(name)s is not a complete PDF document: its end is missing."), name=name)
    if b"startxref" not in tail:
        raise NotAPdf(
            N_("%(name)s is not a complete PDF document: it has no cross-reference table."), name=name
        )
    return match.group(1).decode("ascii")


def check_pdf(data: bytes, *, name: str = "The file") -> int:
    """Return the page count of ``data`` if it is a PDF a reader can open, else raise :class:`NotAPdf`.

    :func:`sniff_pdf` looks at the first and last bytes only, so an HTML page with ``%PDF-`` at the start
    and ``startxref``/``%%EOF`` at the end passed (issue 21, finding 9). Here the document is also parsed
    with pypdf: its cross-reference table, catalogue (``/Root``) and page tree must be readable and hold
    at least one page (ISO 32000-1 7.7.2, 7.7.3)."""
    import io
    import warnings

    from pypdf import PdfReader

    sniff_pdf(data, name=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about repairs it makes; a failure raises below
            reader = PdfReader(io.BytesIO(data), strict=False)
            pages = len(reader.pages)
    except Exception:  # pypdf raises many unrelated types for damaged files
        raise NotAPdf(N_("%(name)s is not a PDF document a reader can open."), name=name) from None
    if pages < 1:
        raise NotAPdf(N_("%(name)s is not a PDF document a reader can open."), name=name)
    return pages


def _check_content_type(content_type: str) -> str:
    if not CONTENT_TYPE_PATTERN.fullmatch(content_type) or len(content_type) > 100:
        raise InvalidContentType(content_type=content_type)
    return content_type


class _CataloguedStorage(ABC):
    """The catalogue logic both backends share; subclasses only say where the bytes go."""

    def __init__(self, session: Session, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.session = session
        self.max_bytes = max_bytes

    def _row(self, key: str) -> StoredFile | None:
        # The bytes are loaded only by get(), not by exists()/stat()/put() checks.
        query = select(StoredFile).options(defer(StoredFile.data)).where(StoredFile.key == check_key(key))
        return self.session.scalar(query)

    @abstractmethod
    def _write_blob(self, sha256: str, data: bytes, content_type: str) -> bytes | None:
        """Store the bytes; return what goes into the row's ``data`` column."""

    @abstractmethod
    def _read_blob(self, row: StoredFile) -> bytes:
        """The stored bytes of a catalogued row."""

    def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        check_key(key)
        _check_content_type(content_type)
        size = check_size(data, limit=self.max_bytes, name=key)
        digest = sha256_hex(data)
        existing = self._row(key)
        if existing is None:
            row = StoredFile(
                key=key,
                content_type=content_type,
                size=size,
                sha256=digest,
                data=self._write_blob(digest, data, content_type),
            )
            try:
                with self.session.begin_nested():
                    self.session.add(row)
            except IntegrityError:
                # Another worker stored the same key between our read and our insert.
                existing = self._row(key)
                if existing is None:
                    raise
            else:
                return _stored(row)
        if existing.sha256 != digest or existing.size != size:
            raise StoredFileExists(key=key)
        return _stored(existing)

    def get(self, key: str) -> bytes:
        row = self._row(key)
        if row is None:
            raise StoredFileMissing(key=key)
        data = self._read_blob(row)
        if len(data) != row.size or sha256_hex(data) != row.sha256:
            raise StoredFileCorrupt(key=key)
        return data

    def exists(self, key: str) -> bool:
        return self._row(key) is not None

    def stat(self, key: str) -> StoredObject:
        row = self._row(key)
        if row is None:
            raise StoredFileMissing(key=key)
        return _stored(row)

    def stat_many(self, keys: Collection[str]) -> dict[str, StoredObject]:
        """What the catalogue knows of each of ``keys`` that is stored, by key: one query, never the bytes."""
        wanted = sorted({check_key(key) for key in keys})
        if not wanted:
            return {}
        rows = self.session.execute(
            select(StoredFile.key, StoredFile.sha256, StoredFile.size, StoredFile.content_type).where(
                StoredFile.key.in_(wanted)
            )
        )
        return {row.key: StoredObject(row.key, row.sha256, row.size, row.content_type) for row in rows}


def _stored(row: StoredFile) -> StoredObject:
    return StoredObject(key=row.key, sha256=row.sha256, size=row.size, content_type=row.content_type)


class DatabaseStorage(_CataloguedStorage):
    """Bytes in the ``stored_file.data`` column: one database to back up, nothing else to run."""

    def _write_blob(self, sha256: str, data: bytes, content_type: str) -> bytes | None:
        return data

    def _read_blob(self, row: StoredFile) -> bytes:
        if row.data is None:
            # The row was written by S3Storage; this deployment is configured for the database.
            raise StoredFileMissing(key=row.key)
        return row.data


class S3Objects:
    """Content-addressed objects in an S3-compatible bucket: ``prefix + sha256[:2] + "/" + sha256``.

    Different bytes always get a different object name, so no put ever changes bytes that a committed
    catalogue row points at, whatever other workers or rolled-back transactions do.
    """

    def __init__(self, client: Any, *, bucket: str, prefix: str = "lims/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def object_name(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def write(self, sha256: str, data: bytes, content_type: str) -> None:
        if sha256_hex(data) != sha256:
            raise StoredFileCorrupt(key=sha256)
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.object_name(sha256),
            Body=data,
            ContentType=content_type,
            Metadata={"sha256": sha256},
        )

    def read(self, sha256: str, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_name(sha256))
        except self.client.exceptions.NoSuchKey:
            raise StoredFileMissing(key=key) from None
        body: bytes = response["Body"].read()
        return body


class S3Storage(_CataloguedStorage):
    """Bytes in an S3-compatible bucket (see :class:`S3Objects`); the catalogue row holds no data."""

    def __init__(self, session: Session, objects: S3Objects, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(session, max_bytes=max_bytes)
        self.objects = objects

    def _write_blob(self, sha256: str, data: bytes, content_type: str) -> bytes | None:
        self.objects.write(sha256, data, content_type)
        return None

    def _read_blob(self, row: StoredFile) -> bytes:
        if row.data is not None:
            return row.data  # written before the deployment moved to S3
        return self.objects.read(row.sha256, row.key)


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the deployment (boto3 comes with the ``s3`` extra)."""
    try:
        import boto3
    except ImportError:
        raise ConfigurationError(
            "LIMS_STORAGE=s3 needs boto3: install the application with the 's3' extra"
        ) from None
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
    )


def s3_objects(settings: Settings, *, client: Any = None) -> S3Objects:
    """The deployment's bucket (``LIMS_S3_*``)."""
    if not settings.s3_bucket:
        raise ConfigurationError("LIMS_STORAGE=s3 needs LIMS_S3_BUCKET")
    return S3Objects(
        client if client is not None else s3_client(settings),
        bucket=settings.s3_bucket,
        prefix=settings.s3_prefix,
    )


def open_storage(settings: Settings, session: Session, *, client: Any = None) -> DatabaseStorage | S3Storage:
    """The storage ``LIMS_STORAGE`` selects, writing its catalogue through ``session``."""
    if settings.storage == "database":
        return DatabaseStorage(session, max_bytes=settings.max_file_bytes)
    if settings.storage == "s3":
        return S3Storage(session, s3_objects(settings, client=client), max_bytes=settings.max_file_bytes)
    raise ConfigurationError(f"LIMS_STORAGE must be 'database' or 's3', not {settings.storage!r}")
