"""Digital signatures of issued certificates: PAdES on the PDF, a detached CMS beside the DCC, and checks.

What is signed and how:

* The PDF gets one invisible PAdES baseline signature (ETSI EN 319 142-1, B-B; B-T when a timestamp
  authority is configured: an RFC 3161 signature timestamp in the unsigned attributes) added as an
  incremental update by pyHanko, ``/SubFilter /ETSI.CAdES.detached`` (ISO 32000-2 12.8.3.4). The
  signing time written in the signature dictionary (``/M``) is the time of issue given by the caller,
  so the same inputs give the same bytes when no timestamp authority is used.
* The standalone DCC gets a detached CMS SignedData (RFC 5652 5) over its exact bytes, written as a
  ``.p7s`` file beside it (RFC 5751 3.4.3, application/pkcs7-signature), with the signing time as a
  signed attribute (RFC 5652 11.3) and, when configured, an RFC 3161 signature timestamp.
* :mod:`certificates.signature_check` reports whether a signature is intact (the signed bytes are
  unchanged), valid (made by the key of the certificate it names) and trusted (that certificate chains
  to one of the given roots), with the signer and the signing time.

The key is a PKCS#12 file (RFC 7292) and its passphrase (:class:`SigningIdentity`, plain bytes so it can
be handed to a worker process). Before signing, :func:`check_identity` refuses a wrong passphrase, a
certificate that is expired or not yet valid at the signing time (RFC 5280 4.1.2.5), and one whose key
usage does not include ``digitalSignature`` (RFC 5280 4.2.1.3).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import io
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA module to recognise DSA keys (deprecated there); none is used here.
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

from certificates.errors import CertificateError

__all__ = [
    "NoSignatureKeyUsage",
    "SignerCertificate",
    "SigningCertificateExpired",
    "SigningCertificateNotYetValid",
    "SigningFailed",
    "SigningIdentity",
    "SigningKeyError",
    "WrongPassphrase",
    "check_identity",
    "sign_detached",
    "sign_pdf",
]

FIELD_NAME = "Signature1"
# Room kept for the CMS in /Contents, fixed so that the file's layout does not depend on the length of one
# ECDSA signature value (pyHanko's own estimate does): enough for a chain of three RSA-4096 certificates,
# and with a timestamp token (which carries the authority's chain) three times that.
RESERVED_BYTES = 8192
RESERVED_BYTES_TIMESTAMPED = 24576
DIGEST = "sha256"
class SigningKeyError(CertificateError, ValueError):
    """The signing key or its certificate cannot be used; nothing must be issued with it."""


class WrongPassphrase(SigningKeyError):
    """The PKCS#12 file cannot be opened with the passphrase (or is not a PKCS#12 file)."""

    def __init__(self) -> None:
        super().__init__("the signing key cannot be opened: wrong passphrase or not a PKCS#12 file")


class SigningCertificateExpired(SigningKeyError):
    def __init__(self, subject: str, not_after: datetime) -> None:
        self.subject, self.not_after = subject, not_after
        super().__init__(f"the signing certificate of {subject} expired on {not_after:%Y-%m-%d}")


class SigningCertificateNotYetValid(SigningKeyError):
    def __init__(self, subject: str, not_before: datetime) -> None:
        self.subject, self.not_before = subject, not_before
        super().__init__(f"the signing certificate of {subject} is valid only from {not_before:%Y-%m-%d}")


class NoSignatureKeyUsage(SigningKeyError):
    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(f"the certificate of {subject} does not allow digital signatures (key usage)")


class SigningFailed(SigningKeyError):
    """Signing itself failed (for instance the timestamp authority did not answer)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the document could not be signed: {reason}")


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """A PKCS#12 key file's bytes and passphrase, and the timestamp authority to ask (RFC 3161), if any."""

    pkcs12: bytes = field(repr=False)
    passphrase: bytes = field(repr=False)
    timestamp_url: str | None = None
    source: str = ""  # where the key came from (a file name), for messages


@dataclass(frozen=True, slots=True)
class SignerCertificate:
    """What a signing certificate says about its holder."""

    common_name: str
    organisation: str
    not_before: datetime
    not_after: datetime
    serial_hex: str
    issuer: str

    @classmethod
    def of(cls, cert: x509.Certificate) -> SignerCertificate:
        return cls(
            common_name=_attribute(cert.subject, NameOID.COMMON_NAME) or cert.subject.rfc4514_string(),
            organisation=_attribute(cert.subject, NameOID.ORGANIZATION_NAME),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            serial_hex=f"{cert.serial_number:X}",
            issuer=_attribute(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string(),
        )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    found = name.get_attributes_for_oid(oid)
    return str(found[0].value) if found else ""


def _open(identity: SigningIdentity) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    return _open_pkcs12(identity.pkcs12, identity.passphrase or None)


# Opening a PKCS#12 file runs its key-derivation function (deliberately slow); one issue opens the same key
# four times (check, PDF, labels, DCC). A process keeps the few keys it has opened, keyed by their exact bytes
# and passphrase, so a rotated key file is opened afresh: a cache of a pure function, not shared state.
@functools.lru_cache(maxsize=16)
def _open_pkcs12(data: bytes, passphrase: bytes | None) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError):
        raise WrongPassphrase() from None
    if key is None or cert is None:
        raise WrongPassphrase()
    return key, cert, list(chain)


def check_identity(identity: SigningIdentity, *, at: datetime) -> SignerCertificate:
    """Open the key and check its certificate for signing at ``at`` (timezone-aware); return the holder.

    Raises :class:`WrongPassphrase`, :class:`SigningCertificateExpired`,
    :class:`SigningCertificateNotYetValid` or :class:`NoSignatureKeyUsage` (RFC 5280 4.1.2.5, 4.2.1.3).
    """
    _key, cert, _chain = _open(identity)
    holder = SignerCertificate.of(cert)
    if at < cert.not_valid_before_utc:
        raise SigningCertificateNotYetValid(holder.common_name, cert.not_valid_before_utc)
    if at > cert.not_valid_after_utc:
        raise SigningCertificateExpired(holder.common_name, cert.not_valid_after_utc)
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None  # no extension: every usage is allowed (RFC 5280 4.2.1.3)
    if usage is not None and not usage.digital_signature:
        raise NoSignatureKeyUsage(holder.common_name)
    return holder


def _signer(identity: SigningIdentity) -> signers.SimpleSigner:
    return _pkcs12_signer(identity.pkcs12, identity.passphrase or None)


@functools.lru_cache(maxsize=16)  # as _open_pkcs12: the same key signs the PDF, the labels and the DCC
def _pkcs12_signer(data: bytes, passphrase: bytes | None) -> signers.SimpleSigner:
    try:
        made: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=passphrase)
    except ValueError:
        raise WrongPassphrase() from None
    return made


def _timestamper(identity: SigningIdentity) -> TimeStamper | None:
    return HTTPTimeStamper(identity.timestamp_url, timeout=20) if identity.timestamp_url else None


class _SignerAt(signers.PdfSigner):
    """pyHanko's PDF signer with the signing time (``/M``) given instead of the clock's."""

    def __init__(self, *args: Any, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def outside_event_loop(func: Any) -> Any:
    """Run ``func`` in a thread of its own when this thread already runs an asyncio event loop.

    pyHanko's synchronous calls (and :func:`sign_detached`) start a loop with ``asyncio.run``, which refuses
    to run inside a running loop, e.g. in a process that also drives Playwright or an async server.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return func(*args, **kwargs)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(func, *args, **kwargs).result()

    return wrapper


@outside_event_loop
def sign_pdf(
    pdf: bytes,
    identity: SigningIdentity,
    *,
    signing_time: datetime,
    reason: str,
    location: str,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The PDF with a PAdES signature (B-B, or B-T with a timestamp) appended as an incremental update.

    ``signing_time`` (timezone-aware) becomes the signature dictionary's ``/M``; ``timestamper``
    overrides the identity's timestamp URL (tests pass pyHanko's dummy timestamper).
    """
    check_identity(identity, at=signing_time)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # The update's file identifier (ISO 32000-2 14.4: the second element changes with each update) is
    # derived from the content and the signing time instead of pyHanko's random one, so the output
    # depends on the inputs only (up to the signature value itself with ECDSA keys).
    first = writer._document_id[0]
    second = hashlib.md5(pdf + signing_time.isoformat().encode(), usedforsecurity=False).digest()
    writer._document_id = generic.ArrayObject([first, generic.ByteStringObject(second)])
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        use_pades_lta=False,
    )
    signer = _SignerAt(
        meta,
        signer=_signer(identity),
        timestamper=timestamper or _timestamper(identity),
        new_field_spec=fields.SigFieldSpec(FIELD_NAME),
        signing_time=signing_time,
    )
    stamped = timestamper is not None or identity.timestamp_url is not None
    try:
        out = signer.sign_pdf(writer, bytes_reserved=RESERVED_BYTES_TIMESTAMPED if stamped else RESERVED_BYTES)
    except (SigningError, OSError) as exc:  # pyHanko's TimestampRequestError is an OSError
        raise SigningFailed(str(exc) or type(exc).__name__) from None
    return bytes(out.getvalue())


@outside_event_loop
def sign_detached(
    data: bytes, identity: SigningIdentity, *, signing_time: datetime, timestamper: TimeStamper | None = None
) -> bytes:
    """A detached CMS SignedData (DER) over ``data``, with ``signing_time`` as a signed attribute."""
    check_identity(identity, at=signing_time)
    signer = _signer(identity)
    try:
        content = asyncio.run(
            signer.async_sign_general_data(
                data,
                DIGEST,
                detached=True,
                timestamper=timestamper or _timestamper(identity),
                signed_attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
            )
        )
    except (SigningError, OSError) as exc:
        raise SigningFailed(str(exc)) from None
    return bytes(content.dump())


def certificate_der(pem_or_der: bytes) -> list[bytes]:
    """The DER certificates in a PEM bundle or a single DER certificate (the trust roots' file)."""
    if b"-----BEGIN" in pem_or_der:
        return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem_or_der)]
    return [x509.load_der_x509_certificate(pem_or_der).public_bytes(Encoding.DER)]


def chain_der(identity: SigningIdentity) -> list[bytes]:
    """The CA certificates carried in the identity's PKCS#12 file (DER), for a default trust list."""
    _key, _cert, chain = _open(identity)
    return [c.public_bytes(Encoding.DER) for c in chain]
