"""Optional XSD validation of Finvoice messages, with a small schema written by the test.

The real Finvoice schemas are exercised in tests/invoice/conformance (when the
shared data is present); this small one has the same shapes (dates with a
``Format`` attribute, patterns, lengths, a fixed element order) so that the
mapping of schema errors to field violations is tested always.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from invoice_support import HETU_MATTI, finvoice_xml
from pydantic import ValidationError
from ropo_invoice.adapters.finvoice import (
    REFERENCE_PATH,
    TYPE_CODE_PATH,
    FinvoiceSchemaError,
    FinvoiceSchemas,
    load_finvoice_schemas,
    parse_finvoice,
)
from ropo_invoice.adapters.finvoice.schema import MAX_SCHEMA_VIOLATIONS
from ropo_invoice.config import InvoiceSettings
from ropo_invoice.domain.errors import FieldViolation, InvoiceValidationError

SMALL_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:simpleType name="dateType">
    <xs:restriction base="xs:integer"><xs:pattern value="[0-9]{8}"/></xs:restriction>
  </xs:simpleType>
  <xs:complexType name="date">
    <xs:simpleContent>
      <xs:extension base="dateType">
        <xs:attribute name="Format" use="required">
          <xs:simpleType>
            <xs:restriction base="xs:NMTOKEN"><xs:enumeration value="CCYYMMDD"/></xs:restriction>
          </xs:simpleType>
        </xs:attribute>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="open">
    <xs:sequence>
      <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>
  <xs:element name="Finvoice">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="SellerPartyDetails" type="open"/>
        <xs:element name="InvoiceRecipientLanguageCode" minOccurs="0">
          <xs:simpleType>
            <xs:restriction base="xs:token"><xs:pattern value="[A-Z]{2}"/></xs:restriction>
          </xs:simpleType>
        </xs:element>
        <xs:element name="BuyerPartyDetails" type="open"/>
        <xs:element name="InvoiceDetails">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="InvoiceTypeCode">
                <xs:simpleType>
                  <xs:restriction base="xs:NMTOKEN">
                    <xs:pattern value="INV[0-9]{2}"/>
                  </xs:restriction>
                </xs:simpleType>
              </xs:element>
              <xs:element name="InvoiceNumber">
                <xs:simpleType>
                  <xs:restriction base="xs:string"><xs:maxLength value="20"/></xs:restriction>
                </xs:simpleType>
              </xs:element>
              <xs:element name="InvoiceDate" type="date"/>
              <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="InvoiceRow" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="ArticleName">
                <xs:simpleType>
                  <xs:restriction base="xs:string"><xs:maxLength value="30"/></xs:restriction>
                </xs:simpleType>
              </xs:element>
              <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="EpiDetails" type="open"/>
      </xs:sequence>
      <xs:attribute name="Version" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    for name in ("Finvoice3.0.xsd", "Finvoice2.01.xsd"):
        (tmp_path / name).write_text(SMALL_XSD, encoding="utf-8")
    return tmp_path


@pytest.fixture
def schemas(schema_dir: Path) -> FinvoiceSchemas:
    return FinvoiceSchemas.load(schema_dir)


def rejection(data: bytes, schemas: FinvoiceSchemas) -> list[FieldViolation]:
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(data, schemas=schemas)
    return list(error.value.violations)


def as_dict(violations: list[FieldViolation]) -> dict[str, str]:
    return {v.field: v.description for v in violations}


def test_a_valid_message_parses_as_without_schemas(schemas: FinvoiceSchemas) -> None:
    data = finvoice_xml()
    assert parse_finvoice(data, schemas=schemas) == parse_finvoice(data)
    assert schemas.covers("3.0") and schemas.covers("2.01") and not schemas.covers("1.3")


def test_pattern_error_names_the_element_and_the_rule(schemas: FinvoiceSchemas) -> None:
    violations = rejection(finvoice_xml(type_code="LASKU"), schemas)
    assert violations == [
        FieldViolation(TYPE_CODE_PATH, "does not have the format the schema requires", "SCHEMA")
    ]


def test_schema_errors_never_echo_the_value(schemas: FinvoiceSchemas) -> None:
    # A henkilötunnus typed into the wrong elements: libxml2 quotes such values.
    data = finvoice_xml(invoice_date=HETU_MATTI, number=HETU_MATTI * 2)
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(data, schemas=schemas)
    assert as_dict(list(error.value.violations)) == {
        "InvoiceDetails/InvoiceNumber": "is longer than the schema allows",
        "InvoiceDetails/InvoiceDate": "is not a valid value of the schema type dateType",
    }
    for text in (str(error.value), repr(error.value.violations)):
        assert HETU_MATTI not in text
        assert HETU_MATTI[:6] not in text


def test_attribute_errors_name_the_attribute(schemas: FinvoiceSchemas) -> None:
    data = finvoice_xml().replace(
        b'<InvoiceDate Format="CCYYMMDD">', b'<InvoiceDate Format="YYMMDD">'
    )
    assert as_dict(rejection(data, schemas)) == {
        "InvoiceDetails/InvoiceDate/@Format": "is not one of the values the schema allows"
    }
    missing = finvoice_xml().replace(b'<InvoiceDate Format="CCYYMMDD">', b"<InvoiceDate>")
    assert as_dict(rejection(missing, schemas)) == {
        "InvoiceDetails/InvoiceDate": "The attribute 'Format' is required but missing."
    }


def test_structure_errors_say_what_was_expected(schemas: FinvoiceSchemas) -> None:
    data = finvoice_xml().replace(b"</Finvoice>", b"<Unexpected/></Finvoice>")
    assert as_dict(rejection(data, schemas)) == {"Unexpected": "This element is not expected."}
    without_epi = finvoice_xml(iban=None, bic=None, reference=None, instructed=None)
    without_epi = without_epi.split(b"<EpiDetails>")[0] + b"</Finvoice>"
    violations = as_dict(rejection(without_epi, schemas))
    assert violations["Finvoice"] == (
        "Missing child element(s). Expected is one of ( InvoiceRow, EpiDetails )."
    )


def test_rows_are_numbered_like_the_parser_numbers_them(schemas: FinvoiceSchemas) -> None:
    rows = ({"name": "Lyhyt"}, {"name": "x" * 31})
    assert as_dict(rejection(finvoice_xml(rows=rows), schemas)) == {
        "InvoiceRow[2]/ArticleName": "is longer than the schema allows"
    }


def test_schema_and_content_problems_are_reported_together(schemas: FinvoiceSchemas) -> None:
    data = finvoice_xml(reference="1233", invoice_date="2026-09-01")
    assert as_dict(rejection(data, schemas)) == {
        # The parser's own "must be a date in the format CCYYMMDD" is not repeated.
        "InvoiceDetails/InvoiceDate": "is not a valid value of the schema type dateType",
        REFERENCE_PATH: "the check digit of the national reference is wrong",
    }


def test_very_many_schema_errors_are_summarised(schemas: FinvoiceSchemas) -> None:
    rows = tuple({"name": "x" * 31} for _ in range(MAX_SCHEMA_VIOLATIONS + 10))
    violations = rejection(finvoice_xml(rows=rows), schemas)
    assert len(violations) == MAX_SCHEMA_VIOLATIONS + 1
    assert violations[-1] == FieldViolation("finvoice_xml", "has 10 more schema errors", "SCHEMA")


def test_a_version_without_a_schema_is_not_schema_validated(schemas: FinvoiceSchemas) -> None:
    data = finvoice_xml(version="1.3", type_code="LASKU")
    # Only the parser's own check speaks: there is no 1.3 schema.
    assert as_dict(rejection(data, schemas)) == {
        TYPE_CODE_PATH: "only invoices (INV01) and credit notes (INV02) are imported"
    }


def test_an_optional_13_schema_is_used_when_present(schema_dir: Path) -> None:
    (schema_dir / "Finvoice1.3.xsd").write_text(SMALL_XSD, encoding="utf-8")
    schemas = FinvoiceSchemas.load(schema_dir)
    assert schemas.covers("1.3")
    violations = rejection(finvoice_xml(version="1.3", type_code="LASKU"), schemas)
    assert [v.reason for v in violations] == ["SCHEMA"]


def test_concurrent_validations_keep_their_own_errors(schemas: FinvoiceSchemas) -> None:
    good, bad = finvoice_xml(), finvoice_xml(type_code="LASKU")

    def check(index: int) -> bool:
        data = bad if index % 2 else good
        try:
            parse_finvoice(data, schemas=schemas)
        except InvoiceValidationError as error:
            return bool(index % 2) and [v.field for v in error.violations] == [TYPE_CODE_PATH]
        return not index % 2

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(check, range(200)))


# ------------------------------------------------------------------------------ loading


def test_schemas_are_compiled_once_per_folder(schema_dir: Path) -> None:
    assert load_finvoice_schemas(schema_dir) is load_finvoice_schemas(schema_dir)


def test_a_missing_folder_or_schema_fails_at_load(tmp_path: Path) -> None:
    with pytest.raises(FinvoiceSchemaError, match="does not exist"):
        FinvoiceSchemas.load(tmp_path / "nowhere")
    (tmp_path / "Finvoice3.0.xsd").write_text(SMALL_XSD, encoding="utf-8")
    with pytest.raises(FinvoiceSchemaError, match=r"Finvoice2\.01\.xsd is missing"):
        FinvoiceSchemas.load(tmp_path)


def test_a_broken_schema_fails_at_load(schema_dir: Path) -> None:
    (schema_dir / "Finvoice2.01.xsd").write_text("<xs:schema", encoding="utf-8")
    with pytest.raises(FinvoiceSchemaError, match="cannot be compiled"):
        FinvoiceSchemas.load(schema_dir)


def test_the_schema_folder_is_configured_by_environment(
    schema_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROPO_INVOICE_FINVOICE_XSD_DIR", raising=False)
    assert InvoiceSettings().finvoice_xsd_dir is None
    monkeypatch.setenv("ROPO_INVOICE_FINVOICE_XSD_DIR", str(schema_dir))
    configured = InvoiceSettings().finvoice_xsd_dir
    assert configured == schema_dir
    assert load_finvoice_schemas(configured).covers("3.0")
    monkeypatch.setenv("ROPO_INVOICE_FINVOICE_XSD_DIR", str(schema_dir / "missing"))
    with pytest.raises(ValidationError, match="existing folder"):
        InvoiceSettings()
