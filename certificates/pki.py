"""A test certificate authority and signing certificates, for the demo and the tests: never for production.

Production signing keys come from a Vietnamese licensed certification authority (a CA licensed under
the Law on Electronic Transactions and its decrees, from memory: Decree 130/2018/ND-CP) as a PKCS#12 file
configured in the instance settings (docs/certificates.md). The demo and the test suite cannot use
those, so they make their own: a self-signed root, and end-entity certificates for the laboratory and
each signatory, whose subjects say ``TEST KEY`` so nobody mistakes them for real ones.

Keys are ECDSA P-256 (FIPS 186-4; RFC 5480): generating one costs well under a millisecond, so a demo
build or a test session pays nothing for them, and poppler's ``pdfsig`` (NSS) and pyHanko both verify
them. The end-entity certificates carry the key usages RFC 5280 4.2.1.3 defines for signing documents
(``digitalSignature`` and ``contentCommitment``, the former ``nonRepudiation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "TEST_MARK",
    "TestAuthority",
    "issue_test_certificate",
    "make_test_authority",
    "new_key",
    "to_pkcs12",
]

TEST_MARK = "TEST KEY - NOT FOR PRODUCTION"
SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey  # RSA: pyHanko's dummy timestamp authority


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA P-256 private key.

    >>> new_key().curve.name
    'secp256r1'
    """
    return ec.generate_private_key(ec.SECP256R1())


UB_NAME = 64  # upper bound of commonName and organizationName (RFC 5280 appendix A.1, ub-common-name)


def _fit(text: str) -> str:
    """``text`` within 64 bytes of UTF-8 (cryptography counts bytes): a longer one is cut after its last whole
    word that fits and marked with "…", so a verifier never reads half a word ("(dữ liệu m").

    >>> _fit("TEST ROOT CA Trung tâm Kiểm định Hiệu chuẩn thử nghiệm")
    'TEST ROOT CA Trung tâm Kiểm định Hiệu chuẩn thử…'
    >>> len(_fit("TEST ROOT CA Trung tâm Kiểm định Hiệu chuẩn thử nghiệm").encode()) <= 64
    True
    >>> _fit("Phòng thí nghiệm")
    'Phòng thí nghiệm'
    >>> _fit("TEST ROOT CA Trung tâm Đo lường Thành phố (dữ liệu mẫu)")
    'TEST ROOT CA Trung tâm Đo lường Thành phố…'
    """
    if len(text.encode("utf-8")) <= UB_NAME:
        return text.strip()
    room = UB_NAME - len("…".encode())
    words = text.split()
    while words and len(" ".join(words).encode("utf-8")) > room:
        words.pop()
    if not words:  # one word longer than the bound: cut it, never inside a character
        cut = text
        while len(cut.encode("utf-8")) > room:
            cut = cut[:-1]
        return cut.strip() + "…"
    kept = " ".join(words)
    if kept.count("(") > kept.count(")"):  # never an unclosed parenthesis: "(dữ liệu mẫu)" goes whole
        kept = kept[: kept.rindex("(")]
    return kept.rstrip(" ,;:-–(") + "…"


def _name(common_name: str, organisation: str) -> x509.Name:
    common_name, organisation = _fit(common_name), _fit(organisation)
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True, slots=True)
class TestAuthority:
    """A self-signed test root: its certificate and its private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    __test__ = False  # not a pytest test class


def make_test_authority(
    organisation: str, *, not_before: datetime, years: int = 10, key: ec.EllipticCurvePrivateKey | None = None
) -> TestAuthority:
    """A self-signed root CA named ``<organisation> TEST ROOT CA`` (RFC 5280 4.2.1.9 basicConstraints cA).

    >>> from datetime import UTC
    >>> ca = make_test_authority("Lab", not_before=datetime(2026, 1, 1, tzinfo=UTC))
    >>> ca.certificate.subject.rfc4514_string()
    'CN=TEST ROOT CA Lab,OU=TEST KEY - NOT FOR PRODUCTION,O=Lab,C=VN'
    """
    key = key or new_key()
    name = _name(f"TEST ROOT CA {organisation}", organisation)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestAuthority(cert, key)


def issue_test_certificate(
    authority: TestAuthority,
    common_name: str,
    *,
    organisation: str,
    not_before: datetime,
    not_after: datetime,
    key: SigningKey | None = None,
    digital_signature: bool = True,
    timestamping: bool = False,
) -> tuple[x509.Certificate, SigningKey]:
    """An end-entity signing certificate for ``common_name`` issued by ``authority``.

    ``digital_signature=False`` leaves out the digitalSignature and contentCommitment key usages (a
    key-encipherment-only certificate), which issuing must refuse; the tests use it. ``timestamping=True``
    makes a timestamp authority's certificate (the critical id-kp-timeStamping extended key usage,
    RFC 3161 2.3).

    >>> from datetime import UTC
    >>> start = datetime(2026, 1, 1, tzinfo=UTC)
    >>> ca = make_test_authority("Lab", not_before=start)
    >>> cert, _key = issue_test_certificate(
    ...     ca, "Nguyễn Văn A", organisation="Lab", not_before=start, not_after=start + timedelta(days=30)
    ... )
    >>> cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    True
    """
    key = key or new_key()
    public = key.public_key()
    ca_public = authority.certificate.public_key()
    assert isinstance(ca_public, ec.EllipticCurvePublicKey)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(authority.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=digital_signature,
                key_encipherment=not digital_signature,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])
            if timestamping
            else x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=timestamping,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    return cert, key


def to_pkcs12(
    name: str,
    certificate: x509.Certificate,
    key: SigningKey,
    chain: list[x509.Certificate],
    passphrase: bytes,
) -> bytes:
    """A PKCS#12 file (RFC 7292) holding the key, its certificate and the chain, under ``passphrase``.

    >>> from datetime import UTC
    >>> start = datetime(2026, 1, 1, tzinfo=UTC)
    >>> ca = make_test_authority("Lab", not_before=start)
    >>> cert, key = issue_test_certificate(ca, "A", organisation="Lab", not_before=start,
    ...                                    not_after=start + timedelta(days=1))
    >>> to_pkcs12("a", cert, key, [ca.certificate], b"pw")[:1]
    b'0'
    """
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"),
        key,
        certificate,
        chain,
        serialization.BestAvailableEncryption(passphrase),
    )
