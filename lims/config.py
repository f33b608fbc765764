"""Settings: one default configuration, overridden by ``LIMS_*`` environment variables.

Everything the command line and services need is read here without importing Flask, so
``lims db upgrade`` and the bench agent work without the web application.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lims.errors import ConfigurationError
from lims.localtime import DEFAULT_TIMEZONE, lab_zone

PREFIX = "LIMS_"
DEFAULT_INSTANCE = "instance"
STORAGES = ("database", "s3")
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def _env(name: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(PREFIX + name)
    return value if value not in (None, "") else None


def _positive_int(name: str, environ: Mapping[str, str], default: int) -> int:
    raw = _env(name, environ)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{PREFIX}{name} must be positive, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Deployment settings that do not depend on Flask."""

    instance_path: Path
    database_url: str
    language: str = "vi"
    timezone: str = DEFAULT_TIMEZONE  # IANA name: the lab's wall clock for every date and time people read
    programme: str = "hanoi-kh16-2022"
    storage: str = "database"
    base_url: str = "http://127.0.0.1:5000"
    # A demonstration deployment (LIMS_DEMO=1): certificates may carry a loopback address and are signed
    # with the test keys made under the instance folder (lims.services.certificates.signing_keys).
    demo: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    max_file_bytes: int = 20 * 1024 * 1024
    # The administrator's dashboard warns when fewer unused verification stamps than this are left in stock
    # (LIMS_STAMPS_LOW): a new batch takes the authority weeks to deliver.
    stamps_low: int = 20
    s3_bucket: str | None = None
    s3_prefix: str = "lims/"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = Path(_env("INSTANCE_PATH", env) or DEFAULT_INSTANCE).resolve()
        url = _env("DATABASE_URL", env) or f"sqlite:///{instance / 'lims.db'}"
        language = _env("LANGUAGE", env) or "vi"
        if language not in ("vi", "en"):
            raise ConfigurationError(f"LIMS_LANGUAGE must be 'vi' or 'en', not {language!r}")
        timezone = _env("TIMEZONE", env) or DEFAULT_TIMEZONE
        lab_zone(timezone)  # an unknown zone stops the start with a message naming LIMS_TIMEZONE
        storage = _env("STORAGE", env) or "database"
        if storage not in STORAGES:
            raise ConfigurationError(f"LIMS_STORAGE must be 'database' or 's3', not {storage!r}")
        bucket = _env("S3_BUCKET", env)
        if storage == "s3" and bucket is None:
            raise ConfigurationError("LIMS_STORAGE=s3 needs LIMS_S3_BUCKET")
        return cls(
            instance_path=instance,
            database_url=url,
            language=language,
            timezone=timezone,
            programme=_env("PROGRAMME", env) or "hanoi-kh16-2022",
            storage=storage,
            base_url=(_env("BASE_URL", env) or "http://127.0.0.1:5000").rstrip("/"),
            demo=(_env("DEMO", env) or "").lower() in {"1", "true", "yes", "on"},
            max_file_bytes=_positive_int("MAX_FILE_BYTES", env, 20 * 1024 * 1024),
            stamps_low=_positive_int("STAMPS_LOW", env, 20),
            s3_bucket=bucket,
            s3_prefix=_env("S3_PREFIX", env) or "lims/",
            s3_endpoint_url=_env("S3_ENDPOINT_URL", env),
            s3_region=_env("S3_REGION", env),
            s3_access_key_id=_env("S3_ACCESS_KEY_ID", env),
            s3_secret_access_key=_env("S3_SECRET_ACCESS_KEY", env),
        )

    @property
    def zone(self) -> ZoneInfo:
        """The lab's time zone (``LIMS_TIMEZONE``) that stored UTC instants are shown in."""
        return lab_zone(self.timezone)

    def ensure_instance(self) -> Path:
        self.instance_path.mkdir(parents=True, exist_ok=True)
        return self.instance_path


def load_secret_key(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    """The session-signing secret: ``LIMS_SECRET_KEY`` or one generated once into the instance folder.

    The generated file is created with mode 0600 and re-read on every start, so every worker on the
    machine signs with the same key; several machines must share ``LIMS_SECRET_KEY``.
    """
    env = os.environ if environ is None else environ
    given = _env("SECRET_KEY", env)
    if given:
        return given
    path = settings.ensure_instance() / SECRET_FILE
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker created it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48))
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigurationError(f"the secret key in {path} is too short; delete it to generate a new one")
    return key


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The SMTP relay reminders and notices go through (``LIMS_MAIL_*``)."""

    server: str | None = None
    port: int = 25
    use_tls: bool = False  # STARTTLS after connecting
    username: str | None = None
    password: str | None = None
    sender: str = "lims@localhost"
    timeout_s: float = 20.0

    @property
    def configured(self) -> bool:
        return self.server is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        raw_port = _env("MAIL_PORT", env) or "25"
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise ConfigurationError(f"LIMS_MAIL_PORT must be a port number, not {raw_port!r}")
        tls = (_env("MAIL_USE_TLS", env) or "false").lower()
        if tls not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigurationError(f"LIMS_MAIL_USE_TLS must be true or false, not {tls!r}")
        return cls(
            server=_env("MAIL_SERVER", env),
            port=int(raw_port),
            use_tls=tls in ("true", "1", "yes"),
            username=_env("MAIL_USERNAME", env),
            password=_env("MAIL_PASSWORD", env),
            sender=_env("MAIL_SENDER", env) or "lims@localhost",
        )
