"""The short code that, with the certificate number, opens a certificate's public facts (issue 21, finding 8).

Certificate numbers are sequential, so a page that showed the instrument, serial number and date for a
number alone could be walked. The page needs the number **and** this code, printed beside the QR code and
carried in the QR URL (``/verify/<number>?c=<code>``); the number alone tells only whether it exists and its
status (ISO/IEC 17025:2017 4.2 confidentiality and 7.8.1.2; OWASP ASVS V4.2 and the OWASP Testing Guide
WSTG-ATHZ-04, insecure direct object references: identifiers guessable in sequence need a secret beside them).

The code is *derived*, not stored: the first 8 characters of HMAC-SHA256(signing key, "verify:" + number)
in Crockford's base32 (no I, L, O or U; 8 × 5 = 40 bits; RFC 2104 HMAC). Derived, because it needs no
column, no migration and no back-filling, is the same for every worker, and can be printed again for any
certificate; the key lives in the instance folder (:mod:`lims.services.records.signing`), never in the
database, so a copy of the database does not reveal the codes. 2⁴⁰ codes at the ``/verify`` rate limit
(10 a minute, 300 a day per address) would take millions of years to guess for one number. Replacing the
signing key changes every code: printed certificates then answer by number only (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac

CODE_LENGTH = 8
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # Crockford's decoding of look-alikes


def verification_code(key: bytes, number: str) -> str:
    """The code printed on certificate ``number``: 8 Crockford base32 characters of an HMAC-SHA256.

    The first 40 bits of the MAC, most significant first, five bits per character:

    >>> verification_code(b"k" * 32, "KĐ-2026-00001")
    'GBT8NT8H'
    >>> len(verification_code(b"k" * 32, "HC-2026-00042")), verification_code(b"j" * 32, "HC-2026-00042") != (
    ...     verification_code(b"k" * 32, "HC-2026-00042"))
    (8, True)
    """
    digest = hmac.new(key, ("verify:" + number).encode("utf-8"), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:5], "big")  # 40 bits
    return "".join(ALPHABET[(bits >> (5 * (CODE_LENGTH - 1 - i))) & 31] for i in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """What a visitor typed, as the code: upper case, without spaces or hyphens, look-alikes mapped.

    >>> normalise_code(" gbt8-nt8h "), normalise_code("oil")
    ('GBT8NT8H', '011')
    """
    text = "".join(c for c in raw.upper() if c not in " -\t")
    return text.translate(_READ_AS)[: CODE_LENGTH * 2]


def code_matches(key: bytes, number: str, raw: str | None) -> bool:
    """True when ``raw`` is the code of ``number``; compared in constant time, so timing tells nothing.

    >>> key = b"k" * 32
    >>> code_matches(key, "KĐ-2026-00001", "gbt8nt8h"), code_matches(key, "KĐ-2026-00001", "GBT8NT8J")
    (True, False)
    >>> code_matches(key, "KĐ-2026-00001", None), code_matches(b"", "KĐ-2026-00001", "")
    (False, False)
    """
    if not raw or not key:
        return False
    expected = verification_code(key, number).encode("ascii")
    given = normalise_code(raw).encode("utf-8")
    return hmac.compare_digest(expected, given)
