"""Offline validation against the PTB DCC 3.1.2 schema shipped in ``certificates/schemas/dcc``.

``dcc.xsd`` imports D-SI 2.1.0 as ``schemaLocation="SI_Format.xsd"`` (edited from the ptb.de URL, see the
README there), so both files load from the package with no network access.

Two validators are used: libxml2 (through lxml, a dependency of pikepdf) decides, because it is about fifty
times faster (about 1 ms per certificate, which matters when a batch of a thousand is issued); xmlschema, the
project's reference validator, then explains a failure with the path of the offending element. Parsing never
loads a DTD, resolves an entity or touches the network.
"""

from __future__ import annotations

import functools
from pathlib import Path

import xmlschema
from lxml import etree

from certificates.errors import DccValidationError
from certificates.safe_xml import UnsafeXml, check_declarations, parser

__all__ = [
    "DCC_NS",
    "MAX_DCC_BYTES",
    "SCHEMA_DIR",
    "SCHEMA_VERSION",
    "SI_NS",
    "dcc_schema",
    "parse_dcc",
    "validate_dcc",
]

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
SCHEMA_VERSION = "3.1.2"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "dcc"
MAX_DCC_BYTES = 20 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def dcc_schema() -> xmlschema.XMLSchema:
    """The DCC 3.1.2 schema for xmlschema, loaded once (``allow='sandbox'``: nothing outside the folder)."""
    return xmlschema.XMLSchema(str(SCHEMA_DIR / "dcc.xsd"), allow="sandbox")


@functools.lru_cache(maxsize=1)
def _libxml2_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "dcc.xsd"), parser()))


def parse_dcc(xml: bytes) -> etree._Element:
    """Parse without DTDs, entities or network (:mod:`certificates.safe_xml`); raise
    :class:`DccValidationError` if not well-formed XML or if it declares a DOCTYPE or ENTITY.

    >>> parse_dcc(b'<!DOCTYPE x SYSTEM "http://example.org/x.dtd"><x/>')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    certificates.errors.DccValidationError: not a valid DCC 3.1.2: XML with a DOCTYPE or ENTITY declaration...
    """
    if not isinstance(xml, bytes | bytearray):
        raise DccValidationError(f"expected bytes, not {type(xml).__name__}")
    if len(xml) > MAX_DCC_BYTES:
        raise DccValidationError(f"document of {len(xml)} bytes exceeds the limit of {MAX_DCC_BYTES}")
    try:
        check_declarations(bytes(xml))
    except UnsafeXml as exc:
        raise DccValidationError(str(exc)) from None
    try:
        root = etree.fromstring(bytes(xml), parser())
    except etree.XMLSyntaxError as exc:
        raise DccValidationError(f"not well-formed XML ({exc})") from None
    if root is None:
        raise DccValidationError("empty document")
    return root


def validate_dcc(xml: bytes) -> None:
    """Raise :class:`~certificates.errors.DccValidationError` unless ``xml`` is a valid DCC 3.1.2.

    >>> validate_dcc(b"<dcc/>")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    certificates.errors.DccValidationError: not a valid DCC 3.1.2...
    """
    root = parse_dcc(xml)
    schema = _libxml2_schema()
    try:
        if schema.validate(root):
            return
        log = schema.error_log
        fallback = f"line {log[0].line}: {log[0].message}" if len(log) else "rejected by libxml2"
        fallback_path = log[0].path if len(log) else None
    except etree.Error as exc:  # e.g. an unresolved entity reference
        fallback, fallback_path = f"rejected by libxml2 ({exc})", None
    try:
        resource = xmlschema.XMLResource(bytes(xml), defuse="always", allow="none")
        error = next(iter(dcc_schema().iter_errors(resource)), None)
    except (xmlschema.XMLResourceError, ValueError):
        error = None
    if error is not None:
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        raise DccValidationError(str(reason), path=getattr(error, "path", None))
    raise DccValidationError(fallback, path=fallback_path)
