"""PAdES signatures of certificate PDFs and detached CMS signatures of DCCs (certificates.signing).

Keys come from tests/pkitools.py: one test root and one key pair per session. Where poppler's ``pdfsig`` is
installed, the signed PDF is also checked by it (an independent verifier, NSS-based).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from certificates import pki, signature_check, signing
from certificates.bundle import IssuedFiles, issue_files
from certificates.examples import example_calibration
from tests import pkitools

SIGNED_AT = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội
PDFSIG = shutil.which("pdfsig")


@pytest.fixture(scope="module")
def files() -> IssuedFiles:
    return issue_files(example_calibration(3), software_release="test", invariant=True)


@pytest.fixture(scope="module")
def signed(files: IssuedFiles) -> bytes:
    return signing.sign_pdf(
        files.pdf, pkitools.identity(), signing_time=SIGNED_AT, reason="Phát hành", location="Hà Nội"
    )


def flip_byte_in_content(pdf: bytes) -> bytes:
    """The PDF with one byte of its first content stream changed (inside the signed byte range)."""
    at = pdf.index(b"stream\n") + 200
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    assert PDFSIG is not None
    done = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr


def test_signed_pdf_is_an_incremental_update_with_a_pades_signature(files: IssuedFiles, signed: bytes) -> None:
    assert signed.startswith(files.pdf)  # the rendered bytes are kept as they are; the signature is appended
    assert b"/ByteRange" in signed and b"/ETSI.CAdES.detached" in signed and b"/Type /Sig" in signed
    report = signature_check.verify_pdf(signed, trust_roots=[pkitools.root_der()])
    assert report is not None and report.ok
    assert report.signer.common_name == pkitools.SIGNATORY and report.signer.organisation == pkitools.ORGANISATION
    assert report.signing_time == SIGNED_AT  # /M is the time of issue given, not the clock's
    assert report.timestamp_time is None


def test_same_inputs_give_the_same_signature_dictionary_and_file_identifier(files: IssuedFiles, signed: bytes) -> None:
    again = signing.sign_pdf(
        files.pdf, pkitools.identity(), signing_time=SIGNED_AT, reason="Phát hành", location="Hà Nội"
    )
    # ECDSA signature values are randomised (FIPS 186-4 6.3); everything around them is not.
    assert len(again) == len(signed)
    assert again[-400:] == signed[-400:]  # cross-reference and trailer, /ID included
    stamp = rb"/M (D\07220260302023000Z)"  # D:20260302023000Z, the colon written as an octal escape
    assert stamp in signed and stamp in again


def test_a_changed_byte_breaks_the_signature(signed: bytes, tmp_path: Path) -> None:
    report = signature_check.verify_pdf(flip_byte_in_content(signed), trust_roots=[pkitools.root_der()])
    assert report is not None and not report.intact and not report.ok


def test_an_unknown_root_is_not_trusted(signed: bytes) -> None:
    other = pki.make_test_authority("Other", not_before=datetime(2024, 1, 1, tzinfo=UTC))
    report = signature_check.verify_pdf(signed, trust_roots=[other.certificate.public_bytes(Encoding.DER)])
    assert report is not None and report.intact and report.valid and not report.trusted and not report.ok


def test_an_unsigned_or_unreadable_file_has_no_signature(files: IssuedFiles) -> None:
    assert signature_check.verify_pdf(files.pdf, trust_roots=[pkitools.root_der()]) is None
    assert signature_check.verify_pdf(b"%PDF-1.7\nnot really", trust_roots=[pkitools.root_der()]) is None


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils (pdfsig) is not installed")
def test_pdfsig_reports_the_signature_valid_and_a_changed_byte_invalid(signed: bytes, tmp_path: Path) -> None:
    out = pdfsig(signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in out and "Total document signed" in out
    assert f"Signer Certificate Common Name: {pkitools.SIGNATORY}" in out
    broken = pdfsig(flip_byte_in_content(signed), tmp_path)
    assert "Signature Validation: Digest Mismatch." in broken


def test_detached_signature_of_the_dcc(files: IssuedFiles) -> None:
    p7s = signing.sign_detached(files.dcc, pkitools.identity(), signing_time=SIGNED_AT)
    report = signature_check.verify_detached(files.dcc, p7s, trust_roots=[pkitools.root_der()])
    assert report.ok and report.signer.common_name == pkitools.SIGNATORY and report.signing_time == SIGNED_AT
    changed = files.dcc.replace(b"</dcc:digitalCalibrationCertificate>", b"</dcc:digitalCalibrationCertificate> ")
    assert not signature_check.verify_detached(changed, p7s, trust_roots=[pkitools.root_der()]).intact


@pytest.mark.parametrize(
    ("identity", "error"),
    [
        pytest.param(
            lambda: pkitools.identity(not_after=datetime(2025, 12, 31, tzinfo=UTC)),
            signing.SigningCertificateExpired,
            id="expired",
        ),
        pytest.param(
            lambda: pkitools.identity(not_before=datetime(2026, 6, 1, tzinfo=UTC)),
            signing.SigningCertificateNotYetValid,
            id="not-yet-valid",
        ),
        pytest.param(
            lambda: pkitools.identity(digital_signature=False), signing.NoSignatureKeyUsage, id="no-key-usage"
        ),
        pytest.param(
            lambda: signing.SigningIdentity(pkitools.identity().pkcs12, b"wrong"),
            signing.WrongPassphrase,
            id="wrong-passphrase",
        ),
    ],
)
def test_unusable_keys_are_refused_before_signing(files: IssuedFiles, identity: object, error: type) -> None:
    made = identity()  # type: ignore[operator]
    with pytest.raises(error):
        signing.check_identity(made, at=SIGNED_AT)
    with pytest.raises(error):
        signing.sign_pdf(files.pdf, made, signing_time=SIGNED_AT, reason="r", location="l")
    with pytest.raises(error):
        signing.sign_detached(files.dcc, made, signing_time=SIGNED_AT)


def test_expiry_is_judged_at_the_signing_time_not_today() -> None:
    # Valid 2024-01-01 … 2026-01-01: a signature dated 2025-12-31 is fine, one dated 2026-01-02 is not.
    identity = pkitools.identity(not_after=datetime(2026, 1, 1, tzinfo=UTC))
    assert signing.check_identity(identity, at=datetime(2025, 12, 31, tzinfo=UTC)).common_name == pkitools.SIGNATORY
    with pytest.raises(signing.SigningCertificateExpired):
        signing.check_identity(identity, at=datetime(2026, 1, 2, tzinfo=UTC))


# --------------------------------------------------------------------------------------------- RFC 3161


class _Tsa(BaseHTTPRequestHandler):
    """A minimal RFC 3161 timestamp authority over HTTP (RFC 3161 3.4), answering with pyHanko's dummy TSA."""

    stamper: object = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = tsp.TimeStampReq.load(body)
        answer = self.stamper.request_tsa_response(request).dump()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tsa_url() -> Iterator[str]:
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    ca = pkitools.authority()
    cert, key = pki.issue_test_certificate(
        ca,
        "TEST TSA",
        organisation=pkitools.ORGANISATION,
        not_before=pkitools.VALID_FROM,
        not_after=pkitools.VALID_TO,
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048),  # the dummy TSA is RSA-only
        timestamping=True,
    )
    _Tsa.stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
        tsa_key=load_private_key_from_pemder_data(
            key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()), passphrase=None
        ),
        fixed_dt=SIGNED_AT + timedelta(seconds=5),
    )
    server = HTTPServer(("127.0.0.1", 0), _Tsa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_configured_timestamp_authority_timestamps_the_signature(files: IssuedFiles, tsa_url: str) -> None:
    identity = signing.SigningIdentity(pkitools.identity().pkcs12, pkitools.PASSPHRASE, timestamp_url=tsa_url)
    signed = signing.sign_pdf(files.pdf, identity, signing_time=SIGNED_AT, reason="r", location="Hà Nội")
    report = signature_check.verify_pdf(signed, trust_roots=[pkitools.root_der()])
    assert report is not None and report.ok and report.timestamp_time == SIGNED_AT + timedelta(seconds=5)
    p7s = signing.sign_detached(files.dcc, identity, signing_time=SIGNED_AT)
    detached = signature_check.verify_detached(files.dcc, p7s, trust_roots=[pkitools.root_der()])
    assert detached.ok and detached.timestamp_time == SIGNED_AT + timedelta(seconds=5)


def test_an_unreachable_timestamp_authority_fails_the_signing(files: IssuedFiles) -> None:
    identity = signing.SigningIdentity(
        pkitools.identity().pkcs12, pkitools.PASSPHRASE, timestamp_url="http://127.0.0.1:9/"
    )
    with pytest.raises(signing.SigningFailed):
        signing.sign_pdf(files.pdf, identity, signing_time=SIGNED_AT, reason="r", location="l")
