"""The one policy for untrusted XML (an imported DCC, the parts of an uploaded XLSX workbook).

No document type declaration is accepted at all: a ``<!DOCTYPE>`` is how entity expansion ("billion
laughs"), external entities (XXE) and network fetches (``SYSTEM "http://…"``) get in, and neither a DCC nor
an Office Open XML part needs one (PTB DCC 3.1.2 is defined by its XSD; ECMA-376 Part 2 forbids DTDs in
package parts, §8.1.4 "M1.17"). Only UTF-8 (or ASCII) documents are read, so the check on the raw bytes
cannot be sidestepped by a UTF-16 encoding. lxml parses with entities, DTD loading and network off.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["UnsafeXml", "check_declarations", "parser"]

_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


class UnsafeXml(ValueError):
    """The document carries a DTD or entity declaration, or is not UTF-8; it is refused unread."""


def check_declarations(xml: bytes) -> None:
    """Raise :class:`UnsafeXml` if ``xml`` declares a DOCTYPE or ENTITY or is encoded other than UTF-8.

    >>> check_declarations(b'<?xml version="1.0" encoding="UTF-8"?><a/>')
    >>> check_declarations(b'<!DOCTYPE x SYSTEM "http://example.org/x.dtd"><x/>')
    Traceback (most recent call last):
    ...
    certificates.safe_xml.UnsafeXml: XML with a DOCTYPE or ENTITY declaration is not accepted
    >>> check_declarations("<a/>".encode("utf-16"))
    Traceback (most recent call last):
    ...
    certificates.safe_xml.UnsafeXml: only UTF-8 XML is accepted
    """
    head = bytes(xml[:4])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise UnsafeXml("only UTF-8 XML is accepted")
    if any(marker in xml for marker in _FORBIDDEN):
        raise UnsafeXml("XML with a DOCTYPE or ENTITY declaration is not accepted")


def parser() -> etree.XMLParser:
    """An lxml parser that never loads a DTD, resolves an entity or touches the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )
