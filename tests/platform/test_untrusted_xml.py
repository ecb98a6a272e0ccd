"""The hardened XML parser every service uses for files from outside."""

from __future__ import annotations

import pytest
from ropo_platform.untrusted_xml import UnreadableXml, parse_untrusted_xml

SECRET = "FI2112345600000785"


def test_a_well_formed_document_is_read_without_comments_or_instructions() -> None:
    root = parse_untrusted_xml(b"<?xml version='1.0'?><a><!-- note --><?pi x?><b>1</b></a>")
    assert [child.tag for child in root] == ["b"]


def test_a_doctype_is_refused_so_no_entity_is_ever_expanded() -> None:
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx">'
        b'<!ENTITY y "&x;&x;&x;&x;&x;&x;&x;&x;&x;&x;">]><a>&y;</a>'
    )
    with pytest.raises(UnreadableXml, match="DOCTYPE"):
        parse_untrusted_xml(billion_laughs)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    )
    with pytest.raises(UnreadableXml, match="DOCTYPE"):
        parse_untrusted_xml(external)


def test_broken_xml_is_told_by_position_without_quoting_the_content() -> None:
    with pytest.raises(
        UnreadableXml, match=r"not well-formed XML \(line 1, column \d+\)"
    ) as raised:
        parse_untrusted_xml(f"<a><IBAN>{SECRET}</IBAN>".encode())
    assert SECRET not in str(raised.value)
