"""The key that signs what must be trusted outside the database: backup manifests (issue 21, finding 6).

An HMAC-SHA256 key kept in the instance folder (``instance/signing_key``, mode 0600), never in the database:
whoever can rewrite the database or a backup archive cannot also forge a signature without the key
(RFC 2104 HMAC; FIPS 198-1). ISO/IEC 17025:2017 7.5.2 and 8.4.2: records are protected from unauthorised
change and their integrity can be shown.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from lims.errors import N_, ConfigurationError

KEY_FILE = "signing_key"
KEY_BYTES = 32


def load_or_create_key(instance_path: Path) -> bytes:
    """The deployment's signing key, created (0600, 256 random bits) on first use."""
    path = instance_path / KEY_FILE
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(N_("The signing key %(path)s is damaged."), path=str(path))
    return key


def sign(key: bytes, data: bytes) -> str:
    """HMAC-SHA256 of ``data`` as hex.

    >>> sign(b"k" * 32, b"manifest")[:16]
    'af7a776032ad31a3'
    """
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def is_signed_by(key: bytes, data: bytes, signature: str) -> bool:
    """True when ``signature`` is ``key``'s HMAC of ``data`` (compared in constant time)."""
    return hmac.compare_digest(sign(key, data), signature.strip())
