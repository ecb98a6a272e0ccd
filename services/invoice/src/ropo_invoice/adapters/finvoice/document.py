"""Turning untrusted bytes into a Finvoice element tree, safely.

- The input is bytes, so lxml honours the XML declaration's encoding (Finvoice
  is often ISO-8859-15); text input is refused so the declaration cannot be lost.
- No DTD is loaded, no entity is resolved, no network is touched, and a
  document that declares a DOCTYPE is rejected outright (entity expansion and
  external entities are the classic XML attacks). The size is capped before
  parsing.
- Problems here are fatal (nothing further can be read), so each raises at once;
  descriptions never contain document text, and lxml's own messages are reduced
  to line and column.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from ropo_invoice.adapters.finvoice.paths import DOCUMENT_FIELD, ROOT, VERSION_FIELD
from ropo_invoice.domain.errors import FieldViolation, InvoiceValidationError

#: Finvoice messages are small; anything bigger is a mistake or an attack.
DEFAULT_MAX_BYTES: Final = 4 * 1024 * 1024
#: Versions read; 1.3 has no schema here and is read for the elements it shares.
SUPPORTED_VERSIONS: Final = ("3.0", "2.01", "1.3")


def reject(
    description: str, field: str = DOCUMENT_FIELD, reason: str = "INVALID"
) -> InvoiceValidationError:
    """A validation error with a single violation."""
    return InvoiceValidationError([FieldViolation(field, description, reason)])


def safe_parser() -> etree.XMLParser:
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


def parse_document(data: bytes, max_bytes: int) -> etree._Element:
    """The ``Finvoice`` root element of ``data``; raises ``InvoiceValidationError`` when
    the bytes are not a Finvoice message of a supported version."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_finvoice takes bytes so that the XML encoding is honoured")
    raw = bytes(data)
    if not raw.strip():
        raise reject("is empty", reason="MISSING")
    if len(raw) > max_bytes:
        raise reject(f"is larger than {max_bytes} bytes", reason="TOO_LARGE")
    try:
        root = etree.fromstring(raw, safe_parser())
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (0, 0)
        raise reject(f"is not well-formed XML (line {line}, column {column})") from None
    if root.getroottree().docinfo.doctype:
        raise reject("must not contain a DOCTYPE (DTDs and entities are not accepted)")
    if root.tag != ROOT:
        raise reject("the root element is not Finvoice", field=ROOT)
    version = (root.get("Version") or "").strip()
    if version not in SUPPORTED_VERSIONS:
        raise reject(
            f"version must be one of {', '.join(sorted(SUPPORTED_VERSIONS))}",
            field=VERSION_FIELD,
            reason="UNSUPPORTED",
        )
    return root


def version_of(root: etree._Element) -> str:
    """The message's Finvoice version (already checked by ``parse_document``)."""
    return (root.get("Version") or "").strip()
