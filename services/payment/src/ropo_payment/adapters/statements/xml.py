"""Statements are untrusted XML: parsed with the platform's hardened parser
(``ropo_platform.untrusted_xml``), its refusal reported as a ``StatementError``."""

from __future__ import annotations

from lxml import etree
from ropo_platform.untrusted_xml import UnreadableXml, parse_untrusted_xml

from ropo_payment.adapters.statements.model import StatementError


def parse_xml(content: bytes) -> etree._Element:
    """The root element of ``content``; ``StatementError`` when it is not safe, well-formed XML."""
    try:
        return parse_untrusted_xml(content)
    except UnreadableXml as error:
        raise StatementError("document", f"the file is {error}") from None
