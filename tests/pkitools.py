"""Test signing keys: one test root and one key pair per run, certificates made from them as tests need.

Keys are generated once per test session (:func:`authority`, :func:`holder_key`); a certificate that is
expired, not yet valid or without the digitalSignature key usage is a new certificate over the same key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from certificates import pki
from certificates.signing import SigningIdentity
from lims.services.certificates.signing_keys import SigningSettings

ORGANISATION = "Trung tâm Kiểm định Hiệu chuẩn thử nghiệm"
SIGNATORY = "Nguyễn Thị Thu Hằng"
PASSPHRASE = b"test passphrase"
VALID_FROM = datetime(2024, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2034, 1, 1, tzinfo=UTC)


@cache
def authority() -> pki.TestAuthority:
    return pki.make_test_authority(ORGANISATION, not_before=VALID_FROM - timedelta(days=1), years=20)


@cache
def holder_key() -> ec.EllipticCurvePrivateKey:
    return pki.new_key()


def root_der() -> bytes:
    return authority().certificate.public_bytes(Encoding.DER)


@cache
def identity(
    common_name: str = SIGNATORY,
    *,
    not_before: datetime = VALID_FROM,
    not_after: datetime = VALID_TO,
    digital_signature: bool = True,
    passphrase: bytes = PASSPHRASE,
) -> SigningIdentity:
    """A PKCS#12 identity over the session's holder key, with a certificate as asked."""
    ca = authority()
    cert, key = pki.issue_test_certificate(
        ca,
        common_name,
        organisation=ORGANISATION,
        not_before=not_before,
        not_after=not_after,
        key=holder_key(),
        digital_signature=digital_signature,
    )
    data = pki.to_pkcs12("test", cert, key, [ca.certificate], passphrase)
    return SigningIdentity(data, passphrase, source="test.p12")


def signing_settings(lab: SigningIdentity | None = None) -> SigningSettings:
    """The laboratory's key (by default a valid one) and the test root as the only trust root."""
    return SigningSettings(lab=lab or identity(), trust_roots=(root_der(),))
