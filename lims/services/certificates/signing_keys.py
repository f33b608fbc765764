"""The keys that sign issued certificates, the public address QR codes point to, and refusals of both.

Configuration (instance settings, docs/certificates.md):

* ``LIMS_SIGNING_PKCS12``: the laboratory's PKCS#12 file (default ``<instance>/signing/lab.p12``), with
  its passphrase in ``LIMS_SIGNING_PASSPHRASE`` or, failing that, in the file beside it named
  ``lab.pass`` (mode 0600).
* ``LIMS_SIGNING_SIGNATORY_DIR`` (default ``<instance>/signing/signatories``): a signatory's own key as
  ``<user name>.p12`` with ``<user name>.pass``; it signs instead of the laboratory's when present.
* ``LIMS_SIGNING_TRUST_ROOTS``: a PEM file of the roots a signature must chain to on the verification
  page (default ``<instance>/signing/trust-roots.pem``, else the CA certificates in the laboratory's
  PKCS#12 file).
* ``LIMS_TIMESTAMP_URL``: an RFC 3161 timestamp authority; every signature is then timestamped.
* ``LIMS_DEMO=1``: a demonstration deployment. Only then may the public address be a loopback one, and
  when no key is configured a test certificate authority and a laboratory key are made under
  ``<instance>/signing`` (their subjects say TEST KEY).

Issuing is refused, with nothing issued, when no key is configured, when the key cannot be opened with
its passphrase, when its certificate is expired or not yet valid at the time of issue or lacks the
digitalSignature key usage (RFC 5280 4.1.2.5, 4.2.1.3), and when the public address is unset or a
loopback one outside a demo (the QR code would lead nowhere).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import Encoding

from certificates import pki
from certificates import signing as pdf_signing
from lims.errors import N_, ConfigurationError
from lims.localtime import to_lab_time
from lims.services.certificates.errors import CertificateError

SIGNING_FOLDER = "signing"
LAB_KEY = "lab.p12"
SIGNATORY_FOLDER = "signatories"
TRUST_ROOTS = "trust-roots.pem"
TEST_CA = "test-ca.pem"
PKCS12_SUFFIX = ".p12"
PASS_SUFFIX = ".pass"  # noqa: S105 - a file suffix, not a secret
LOOPBACK_NAMES = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost"})


class SigningRefused(CertificateError):
    """The certificate cannot be signed; nothing was issued."""

    template = N_("The certificate could not be signed: nothing was issued.")


class PublicAddressRefused(CertificateError):
    template = N_(
        "The public address %(url)s is not reachable from outside this computer, so the QR code would lead "
        "nowhere: set LIMS_PUBLIC_URL to the laboratory's public address (or LIMS_DEMO=1 for a demonstration). "
        "Nothing was issued."
    )


@dataclass(frozen=True, slots=True)
class SigningSettings:
    """The keys found for this deployment (bytes, not paths, so a worker process can be handed them)."""

    lab: pdf_signing.SigningIdentity | None = None
    signatories: Mapping[str, pdf_signing.SigningIdentity] = field(default_factory=dict)
    trust_roots: tuple[bytes, ...] = ()  # DER certificates
    timestamp_url: str | None = None

    def identity_for(self, username: str | None) -> pdf_signing.SigningIdentity:
        """The signatory's own key when there is one, else the laboratory's; refused when neither is."""
        found = self.signatories.get(username or "") or self.lab
        if found is None:
            raise SigningRefused(
                N_(
                    "No signing key is configured (LIMS_SIGNING_PKCS12, see docs/certificates.md): "
                    "certificates are never issued unsigned. Nothing was issued."
                )
            )
        return replace(found, timestamp_url=self.timestamp_url) if self.timestamp_url else found

    def roots(self) -> tuple[bytes, ...]:
        """The trust roots; by default the CA certificates carried in the laboratory's PKCS#12 file."""
        if self.trust_roots or self.lab is None:
            return self.trust_roots
        try:
            return tuple(pdf_signing.chain_der(self.lab))
        except pdf_signing.SigningKeyError:
            return ()


def _day(moment: datetime, zone: tzinfo) -> date:
    """The lab's calendar day of an instant; the message's reader sees it in their own language."""
    return to_lab_time(moment, zone).date()


def checked_identity(
    settings: SigningSettings, username: str | None, *, at: datetime, zone: tzinfo
) -> pdf_signing.SigningIdentity:
    """The identity that signs for ``username`` at ``at``, checked; a :class:`SigningRefused` saying why
    not (in the user's language: the web layer translates the template)."""
    identity = settings.identity_for(username)
    try:
        pdf_signing.check_identity(identity, at=at)
    except pdf_signing.WrongPassphrase:
        raise SigningRefused(
            N_("The signing key %(file)s cannot be opened: its passphrase is wrong. Nothing was issued."),
            file=identity.source or "PKCS#12",
        ) from None
    except pdf_signing.SigningCertificateExpired as exc:
        raise SigningRefused(
            N_("The signing certificate of %(subject)s expired on %(date)s. Nothing was issued."),
            subject=exc.subject,
            date=_day(exc.not_after, zone),
        ) from None
    except pdf_signing.SigningCertificateNotYetValid as exc:
        raise SigningRefused(
            N_("The signing certificate of %(subject)s is valid only from %(date)s. Nothing was issued."),
            subject=exc.subject,
            date=_day(exc.not_before, zone),
        ) from None
    except pdf_signing.NoSignatureKeyUsage as exc:
        raise SigningRefused(
            N_(
                "The certificate of %(subject)s does not allow digital signatures (key usage). "
                "Nothing was issued."
            ),
            subject=exc.subject,
        ) from None
    return identity


def is_loopback(url: str) -> bool:
    """Whether ``url`` is unset or names this computer only (a QR code with it leads nowhere).

    >>> is_loopback("http://127.0.0.1:5000"), is_loopback("http://[::1]/"), is_loopback("")
    (True, True, True)
    >>> is_loopback("http://localhost:8000"), is_loopback("http://0.0.0.0:5000")
    (True, True)
    >>> is_loopback("https://dolường.hanoi.gov.vn"), is_loopback("http://10.0.0.5:5000")
    (False, False)
    """
    host = (urlsplit(url.strip()).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def check_public_url(url: str, *, demo: bool) -> None:
    """Refuse issuing with a loopback or unset public address, except in a demonstration deployment."""
    if not demo and is_loopback(url):
        raise PublicAddressRefused(url=url or "—")


# --------------------------------------------------------------------------------------------- loading


def _read_identity(p12: Path, passphrase: str | None) -> pdf_signing.SigningIdentity:
    try:
        data = p12.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            N_("The signing key %(path)s cannot be read: %(reason)s"), path=str(p12), reason=exc.strerror
        ) from None
    if passphrase is None:
        beside = p12.with_suffix(PASS_SUFFIX)
        passphrase = beside.read_text(encoding="utf-8").strip() if beside.exists() else ""
    return pdf_signing.SigningIdentity(data, passphrase.encode("utf-8"), source=p12.name)


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get("LIMS_" + name)
    return value if value else None


def is_demo(env: Mapping[str, str]) -> bool:
    return (_env(env, "DEMO") or "").lower() in {"1", "true", "yes", "on"}


def load_signing_settings(
    instance: Path, environ: Mapping[str, str] | None = None, *, demo: bool = False
) -> SigningSettings:
    """The deployment's signing keys (see the module docstring); in a demo without keys, the test ones."""
    env = os.environ if environ is None else environ
    folder = instance / SIGNING_FOLDER
    lab_path = Path(_env(env, "SIGNING_PKCS12") or folder / LAB_KEY)
    if not lab_path.exists() and demo and _env(env, "SIGNING_PKCS12") is None:
        ensure_test_pki(instance)
    lab = _read_identity(lab_path, _env(env, "SIGNING_PASSPHRASE")) if lab_path.exists() else None
    signatory_dir = Path(_env(env, "SIGNING_SIGNATORY_DIR") or folder / SIGNATORY_FOLDER)
    signatories: dict[str, pdf_signing.SigningIdentity] = {}
    if signatory_dir.is_dir():
        for p12 in sorted(signatory_dir.glob("*" + PKCS12_SUFFIX)):
            signatories[p12.stem] = _read_identity(p12, None)
    roots_path = Path(_env(env, "SIGNING_TRUST_ROOTS") or folder / TRUST_ROOTS)
    roots: tuple[bytes, ...] = ()
    if roots_path.exists():
        try:
            roots = tuple(pdf_signing.certificate_der(roots_path.read_bytes()))
        except ValueError:
            raise ConfigurationError(
                N_("The trust roots file %(path)s holds no readable certificate."), path=str(roots_path)
            ) from None
    return SigningSettings(lab, signatories, roots, _env(env, "TIMESTAMP_URL"))


# --------------------------------------------------------------------------------------------- test keys


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _load_test_authority(folder: Path) -> pki.TestAuthority | None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    cert_path, key_path = folder / TEST_CA, folder / "test-ca.key"
    if not (cert_path.exists() and key_path.exists()):
        return None
    key = load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return pki.TestAuthority(x509.load_pem_x509_certificate(cert_path.read_bytes()), key)


def ensure_test_pki(
    instance: Path,
    *,
    organisation: str = "LIMS demo laboratory",
    signatories: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Path:
    """Make the demo's test certificate authority and keys under ``<instance>/signing`` if missing.

    The root (``test-ca.pem``, its key ``test-ca.key``, also written as ``trust-roots.pem``), the
    laboratory's key ``lab.p12`` and one ``signatories/<user name>.p12`` per entry of ``signatories``
    (user name → full name), each with its random passphrase in the ``.pass`` file beside it (0600).
    Every subject carries "TEST KEY - NOT FOR PRODUCTION". Existing files are kept, and nothing is made in
    a folder that already holds a laboratory key without the test root (a real key: no test key or test
    root is ever put beside it).
    """
    import secrets

    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    now = now or datetime.now(UTC)
    folder = instance / SIGNING_FOLDER
    if (folder / LAB_KEY).exists() and not (folder / TEST_CA).exists():
        return folder  # a real key is installed here: never put test keys or a test root beside it
    folder.mkdir(parents=True, exist_ok=True)
    # Valid from five years back (demo records and test fixtures are dated in the past) for fifteen years.
    start = (now - timedelta(days=5 * 365)).replace(hour=0, minute=0, second=0, microsecond=0)
    authority = _load_test_authority(folder)
    if authority is None:
        authority = pki.make_test_authority(organisation, not_before=start, years=20)
        _write_private(
            folder / "test-ca.key",
            authority.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
        )
        (folder / TEST_CA).write_bytes(authority.certificate.public_bytes(Encoding.PEM))
        if not (folder / TRUST_ROOTS).exists():
            (folder / TRUST_ROOTS).write_bytes(authority.certificate.public_bytes(Encoding.PEM))
    wanted = {LAB_KEY: (folder, f"{organisation}")}
    for username, full_name in (signatories or {}).items():
        wanted[username + PKCS12_SUFFIX] = (folder / SIGNATORY_FOLDER, full_name)
    for file_name, (where, common_name) in wanted.items():
        path = where / file_name
        if path.exists():
            continue
        cert, key = pki.issue_test_certificate(
            authority,
            common_name,
            organisation=organisation,
            not_before=start,
            not_after=start + timedelta(days=365 * 15),
        )
        passphrase = secrets.token_urlsafe(18)
        _write_private(path.with_suffix(PASS_SUFFIX), passphrase.encode("ascii"))
        _write_private(
            path, pki.to_pkcs12(common_name, cert, key, [authority.certificate], passphrase.encode("ascii"))
        )
    return folder
