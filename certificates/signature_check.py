"""Checking the signatures :mod:`certificates.signing` makes: intact, valid, trusted, by whom, when.

:func:`verify_pdf` reports on the last signature of a PDF and :func:`verify_detached` on a detached CMS
signature: *intact* (the signed bytes hash to the signed digest, RFC 5652 5.4), *valid* (the signature
verifies with the named certificate's key), *trusted* (that certificate chains to one of the given roots,
RFC 5280 6; revocation is not fetched) and, for a PDF, whether the signature covers the whole file (ISO
32000-2 12.8.1: nothing appended after it), with the signer and the signing time.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from certificates.signing import SignerCertificate, outside_event_loop

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA module to recognise DSA keys (deprecated there); none is used here.
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

__all__ = ["DetachedSignatureReport", "PdfSignatureReport", "verify_detached", "verify_pdf"]

# Key usages a verifier accepts: digitalSignature or contentCommitment (RFC 5280 4.2.1.3).
KEY_USAGES = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)



@dataclass(frozen=True, slots=True)
class PdfSignatureReport:
    """The state of the last signature in a PDF.

    ``intact``: the signed byte ranges hash to the signed digest; ``valid``: the signature verifies with
    the named certificate's key; ``trusted``: that certificate chains to a given root;
    ``whole_document``: nothing was appended after the signature.
    """

    intact: bool
    valid: bool
    trusted: bool
    whole_document: bool
    signer: SignerCertificate
    signing_time: datetime | None
    timestamp_time: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.whole_document


@dataclass(frozen=True, slots=True)
class DetachedSignatureReport:
    intact: bool
    valid: bool
    trusted: bool
    signer: SignerCertificate
    signing_time: datetime | None
    timestamp_time: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted


def _roots(trust_roots: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(der) for der in trust_roots]


def _context(trust_roots: Sequence[bytes], moment: datetime | None) -> ValidationContext:
    # Revocation is not fetched (no network from the verification page); the roots are explicit, never
    # the system store, so only the configured authority's certificates count as trusted.
    return ValidationContext(
        trust_roots=_roots(trust_roots), allow_fetching=False, revocation_mode="soft-fail", moment=moment
    )


def _holder(cert: asn1_x509.Certificate) -> SignerCertificate:
    return SignerCertificate.of(x509.load_der_x509_certificate(cert.dump()))


@outside_event_loop
def verify_pdf(pdf: bytes, *, trust_roots: Sequence[bytes]) -> PdfSignatureReport | None:
    """Check the last signature of ``pdf`` against ``trust_roots`` (DER certificates); ``None`` when the
    file carries no signature or cannot be read as a PDF."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        found = reader.embedded_regular_signatures
    except Exception:
        return None
    if not found:
        return None
    embedded = found[-1]
    try:
        signing_time = embedded.self_reported_timestamp
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=_context(trust_roots, signing_time),
            key_usage_settings=KEY_USAGES,
        )
    except Exception:
        return PdfSignatureReport(False, False, False, False, _holder(embedded.signer_cert), None)
    ts = status.timestamp_validity
    return PdfSignatureReport(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_document=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        signer=_holder(status.signing_cert),
        signing_time=signing_time,
        timestamp_time=ts.timestamp if ts is not None else None,
    )


@outside_event_loop
def verify_detached(
    data: bytes, signature: bytes, *, trust_roots: Sequence[bytes]
) -> DetachedSignatureReport:
    """Check a detached CMS signature (DER) over ``data`` against ``trust_roots``."""
    content = asn1_cms.ContentInfo.load(signature)
    signed_data = content["content"]
    signer_info = signed_data["signer_infos"][0]
    signing_time = None
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            signing_time = attribute["values"][0].native
    status = asyncio.run(
        async_validate_detached_cms(
            data,
            signed_data,
            signer_validation_context=_context(trust_roots, signing_time),
            key_usage_settings=KEY_USAGES,
        )
    )
    ts = getattr(status, "timestamp_validity", None)
    return DetachedSignatureReport(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer=_holder(status.signing_cert),
        signing_time=signing_time,
        timestamp_time=ts.timestamp if ts is not None else None,
    )
