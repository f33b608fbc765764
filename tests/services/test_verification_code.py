"""The verification code printed on certificates (issue 21, finding 8), against an independent calculation."""

from __future__ import annotations

import base64
import hashlib
import hmac

from lims.services.certificates.verification_code import (
    ALPHABET,
    code_matches,
    normalise_code,
    verification_code,
)

RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _by_hand(key: bytes, number: str) -> str:
    """HMAC-SHA256 (RFC 2104) of "verify:" + number; its first 5 bytes (40 bits) are exactly 8 base32
    characters: encode with the standard library's RFC 4648 alphabet, then map each character by its
    index into Crockford's alphabet (0-9, A-Z without I, L, O, U)."""
    mac = hmac.new(key, ("verify:" + number).encode("utf-8"), hashlib.sha256).digest()
    standard = base64.b32encode(mac[:5]).decode("ascii")
    return "".join(ALPHABET[RFC4648.index(c)] for c in standard)


def test_code_is_the_crockford_base32_of_the_first_40_bits_of_the_hmac() -> None:
    key = bytes(range(32))
    for number in ("KĐ-2026-00001", "KĐ-2026-00002", "HC-2025-00001", "HN25/HC.0001"):
        assert verification_code(key, number) == _by_hand(key, number)
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ" and len(set(ALPHABET)) == 32
    # The hand calculation written out for one number: mac[:5] of this key and number.
    mac = hmac.new(b"k" * 32, "verify:KĐ-2026-00001".encode(), hashlib.sha256).digest()[:5]
    bits = int.from_bytes(mac, "big")
    groups = [(bits >> shift) & 31 for shift in (35, 30, 25, 20, 15, 10, 5, 0)]
    assert verification_code(b"k" * 32, "KĐ-2026-00001") == "".join(ALPHABET[g] for g in groups) == "GBT8NT8H"


def test_neighbouring_numbers_have_unrelated_codes() -> None:
    key = b"\x01" * 32
    codes = {verification_code(key, f"KĐ-2026-{n:05d}") for n in range(1, 2001)}
    assert len(codes) == 2000  # 40 bits: no collision expected among 2 000 (p ≈ 2e-6)


def test_typed_codes_are_normalised_and_compared_whole() -> None:
    key = b"k" * 32
    code = verification_code(key, "KĐ-2026-00001")
    assert normalise_code(f" {code[:4].lower()}-{code[4:].lower()} ") == code
    assert normalise_code("O0Il1") == "00111"
    assert code_matches(key, "KĐ-2026-00001", code)
    assert not code_matches(key, "KĐ-2026-00001", code[:7])  # a prefix is not the code
    assert not code_matches(key, "KĐ-2026-00001", code + "0")
    assert not code_matches(key, "KĐ-2026-00002", code)
    assert not code_matches(key, "KĐ-2026-00001", "Đ" * 8)  # non-ASCII is simply wrong, never an error
