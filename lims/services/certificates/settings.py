"""What issuing certificates needs from the deployment: public URL, number patterns, local time zone, keys.

The number patterns follow :mod:`lims.domain.numbering`; a pattern that cannot number certificates is a
:class:`~lims.errors.ConfigurationError` at start-up rather than a failed issue later (ISO/IEC 17025:2017
7.8.2.1 b, a unique identification on every certificate).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lims
from lims.domain.numbering import (
    DEFAULT_CALIBRATION_PATTERN,
    DEFAULT_VERIFICATION_PATTERN,
    NumberPattern,
    NumberPatternError,
)
from lims.errors import N_, ConfigurationError
from lims.localtime import DEFAULT_TIMEZONE, lab_zone
from lims.models import JobKind
from lims.services.certificates.errors import CertificateError
from lims.services.certificates.signing_keys import SigningSettings, is_demo, load_signing_settings
from lims.services.certificates.verification_code import verification_code
from lims.services.records.signing import load_or_create_key


@dataclass(frozen=True, slots=True)
class CertificateSettings:
    """What issuing needs from the deployment (``LIMS_PUBLIC_URL``, ``LIMS_CERTIFICATE_PATTERN_*``,
    ``LIMS_TIMEZONE``: the date of issue and the signing time are the lab's local ones)."""

    public_url: str
    calibration_pattern: str = DEFAULT_CALIBRATION_PATTERN
    verification_pattern: str = DEFAULT_VERIFICATION_PATTERN
    timezone_name: str = DEFAULT_TIMEZONE
    software_release: str = f"lims {lims.__version__}"
    # The deployment's signing key (instance folder): derives the verification code printed on each
    # certificate and carried in its QR URL. Empty: no code (the page then answers by number only).
    verification_key: bytes = field(default=b"", repr=False)
    # The keys that sign issued files (lims.services.certificates.signing_keys); none: issuing is refused.
    signing: SigningSettings = field(default_factory=SigningSettings, repr=False)
    # A demonstration deployment (LIMS_DEMO): a loopback public address is then accepted.
    demo: bool = False

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, base_url: str = "", timezone_name: str = ""
    ) -> CertificateSettings:
        """Read the ``LIMS_*`` variables; an unusable number pattern or zone is a :class:`ConfigurationError`."""
        env = os.environ if environ is None else environ
        public = (env.get("LIMS_PUBLIC_URL") or base_url or "http://127.0.0.1:5000").rstrip("/")
        zone_name = timezone_name or env.get("LIMS_TIMEZONE") or DEFAULT_TIMEZONE
        lab_zone(zone_name)
        made = cls(
            public_url=public,
            demo=is_demo(env),
            timezone_name=zone_name,
            calibration_pattern=env.get("LIMS_CERTIFICATE_PATTERN_CALIBRATION")
            or DEFAULT_CALIBRATION_PATTERN,
            verification_pattern=env.get("LIMS_CERTIFICATE_PATTERN_VERIFICATION")
            or DEFAULT_VERIFICATION_PATTERN,
        )
        for kind in JobKind:
            try:
                made.pattern(kind)
            except CertificateError as exc:
                raise ConfigurationError(str(exc)) from None
        return made

    @property
    def timezone(self) -> tzinfo:
        return lab_zone(self.timezone_name)

    def pattern(self, kind: JobKind) -> NumberPattern:
        text = self.calibration_pattern if kind == JobKind.CALIBRATION else self.verification_pattern
        try:
            return NumberPattern(text)
        except NumberPatternError as exc:
            raise CertificateError(
                N_("The certificate number pattern %(pattern)s cannot be used: %(reason)s."),
                pattern=str(text),
                reason=exc.reason,
            ) from None

    def verification_code(self, number: str) -> str:
        """The code printed beside the QR code (:mod:`lims.services.certificates.verification_code`)."""
        return verification_code(self.verification_key, number) if self.verification_key else ""

    def verification_url(self, number: str) -> str:
        """The public page the QR code opens: ``<public URL>/verify/<number>?c=<code>`` (percent-encoded).

        >>> CertificateSettings("https://x.vn").verification_url("KĐ-2026-00001")
        'https://x.vn/verify/K%C4%90-2026-00001'
        >>> CertificateSettings("https://x.vn", verification_key=b"k" * 32).verification_url("KĐ-2026-00001")
        'https://x.vn/verify/K%C4%90-2026-00001?c=GBT8NT8H'
        """
        url = f"{self.public_url}/verify/{quote(number, safe='')}"
        code = self.verification_code(number)
        return f"{url}?c={code}" if code else url


def certificate_settings(
    settings: Any = None, environ: Mapping[str, str] | None = None
) -> CertificateSettings:
    """The deployment's certificate settings; ``LIMS_PUBLIC_URL`` defaults to ``settings.base_url``, the
    zone is ``settings.timezone`` (``LIMS_TIMEZONE``), the verification key is the signing key of
    ``settings.instance_path`` and the signing keys are those of the instance
    (:func:`~lims.services.certificates.signing_keys.load_signing_settings`); ``settings.demo`` (or
    ``LIMS_DEMO``) marks a demonstration deployment."""
    made = CertificateSettings.from_env(
        environ,
        base_url=getattr(settings, "base_url", "") or "",
        timezone_name=getattr(settings, "timezone", "") or "",
    )
    instance = getattr(settings, "instance_path", None)
    demo = made.demo or bool(getattr(settings, "demo", False))
    made = replace(made, demo=demo)
    if isinstance(instance, Path):
        made = replace(
            made,
            verification_key=load_or_create_key(instance),
            signing=load_signing_settings(instance, environ, demo=demo),
        )
    return made
