"""Turning untrusted bytes (a bank's statement or status report, a creditor's file) into
an XML element tree, safely.

No DTD is loaded, no entity is resolved, no network is touched, huge trees are refused,
and a document that declares a DOCTYPE is rejected outright: the files this suite reads
never have one, and it is where entity expansion and external entities come from.
lxml's own messages are reduced to a line and column so that no file content leaks
through them.
"""

from __future__ import annotations

from lxml import etree


class UnreadableXml(ValueError):
    """The bytes are not safe, well-formed XML; the message quotes nothing of them."""


def hardened_parser() -> etree.XMLParser:
    """An XML parser that never loads a DTD, resolves an entity or opens a connection."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_untrusted_xml(content: bytes) -> etree._Element:
    """The root element of ``content``; ``UnreadableXml`` when it is not safe, well-formed XML."""
    try:
        root = etree.fromstring(content, hardened_parser())
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (0, 0)
        raise UnreadableXml(f"not well-formed XML (line {line}, column {column})") from None
    if root is None:
        raise UnreadableXml("not well-formed XML")
    if root.getroottree().docinfo.doctype:
        raise UnreadableXml("a DOCTYPE is not allowed (DTDs and entities are refused)")
    return root
