"""Conformance over every public Finvoice sample in ``../shared/data/finvoice``.

Each sample either imports, and then what the parser returns is compared with
values this test reads out of the XML itself (lxml, independently of the
parser), or it is rejected, and then the violations must name exactly the
elements listed in ``REJECTIONS``. The samples rejected for invalid identifiers
are also imported once repaired, so that their amounts (prepaid, 17 rows…) are
checked too. With the shared XSDs every 3.0 and 2.01 sample is schema-valid.
Everything skips with a reason when the shared data is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from invoice_support import samples_dir
from lxml import etree
from ropo_invoice.adapters.finvoice import (
    BUYER_ID_PATH,
    IBAN_PATH,
    REFERENCE_PATH,
    FinvoiceSchemas,
    load_finvoice_schemas,
    parse_finvoice,
)
from ropo_invoice.domain.commands import FinvoiceCommand, RegisterCreditNote, RegisterInvoice
from ropo_invoice.domain.errors import InvoiceValidationError
from ropo_invoice.domain.party import DebtorKind
from ropo_platform.money import Money

FINVOICE_DIR = "finvoice"
ABSENT = "(shared data absent)"
VALID_IBAN = "FI2112345600000785"

# Samples that must be rejected, and for what (every other sample must import).
REJECTIONS: dict[str, dict[str, str]] = {
    # Reference 1043002: the check digit should be 8.
    "gobl_finvoice13_credit_note.xml": {
        REFERENCE_PATH: "the check digit of the national reference is wrong",
    },
    # FI00…: an IBAN whose check digits are 00 can never be valid.
    "phive/energia_Verkkoyhtion_kulutuslaskuesimerkki_20190405.xml": {
        IBAN_PATH: "not a valid IBAN",
    },
    "phive/energia_Verkkoyhtion_kulutuslaskuesimerkki_Ennakko_PaidAmount_20190405.xml": {
        IBAN_PATH: "not a valid IBAN",
    },
    # Made-up business IDs 9876543-1 and 1234567-8 and IBAN FI18 8001… fail their checks.
    "phive/energia_Verkkoyhtio_yrityslaskuesimerkki_20190405.xml": {
        "SellerPartyDetails/SellerPartyIdentifier": "not a valid Finnish business ID (Y-tunnus)",
        IBAN_PATH: "not a valid IBAN",
        BUYER_ID_PATH: "is neither a valid henkilötunnus nor a valid business ID",
    },
}
# How a rejected sample is repaired to check the rest of it: (wrong, right) byte pairs.
REPAIRS: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    "gobl_finvoice13_credit_note.xml": ((b">1043002<", b">1043008<"),),
    "phive/energia_Verkkoyhtion_kulutuslaskuesimerkki_20190405.xml": (
        (b"FI0050000198765432", VALID_IBAN.encode()),
    ),
    "phive/energia_Verkkoyhtion_kulutuslaskuesimerkki_Ennakko_PaidAmount_20190405.xml": (
        (b"FI0050000198765432", VALID_IBAN.encode()),
    ),
    "phive/energia_Verkkoyhtio_yrityslaskuesimerkki_20190405.xml": (
        (b"FI1880012312345678", VALID_IBAN.encode()),
        (b">9876543-1<", b">9876543-0<"),
        (b">1234567-8<", b">1234567-1<"),
    ),
}


def data_dir() -> Path | None:
    base = samples_dir()
    return base / FINVOICE_DIR if base is not None and (base / FINVOICE_DIR).is_dir() else None


def sample_names() -> list[str]:
    """Every sample file, relative to the Finvoice folder (a placeholder when absent)."""
    base = data_dir()
    if base is None:
        return [ABSENT]
    return sorted(
        str(path.relative_to(base)) for path in base.rglob("*.xml") if "xsd" not in path.parts
    )


def read_sample(name: str) -> bytes:
    base = data_dir()
    if base is None or name == ABSENT:
        pytest.skip("shared Finvoice samples absent (../shared/data or ROPO_SAMPLES_DIR)")
    return (base / name).read_bytes()


@pytest.fixture(scope="module")
def schemas() -> FinvoiceSchemas:
    base = data_dir()
    if base is None or not (base / "xsd").is_dir():
        pytest.skip("shared Finvoice XSDs absent (../shared/data or ROPO_SAMPLES_DIR)")
    return load_finvoice_schemas(base / "xsd")


# --------------------------------------------------------------- what the XML says


def _text(root: etree._Element, path: str) -> str:
    return (root.findtext(path) or "").strip()


def _decimal(root: etree._Element, path: str) -> Decimal | None:
    raw = _text(root, path)
    return Decimal(raw.replace(",", ".")) if raw else None


def _date(root: etree._Element, path: str) -> date | None:
    raw = _text(root, path)
    return datetime.strptime(raw, "%Y%m%d").date() if raw else None


@dataclass(frozen=True)
class Expected:
    """The values of one sample, read straight from its XML."""

    version: str
    credit_note: bool
    number: str
    issue_date: date | None
    due_date: date | None
    total: Decimal
    due: Decimal
    rows: int
    reference: str
    seller_name: str
    seller_business_id: str
    iban: str
    bic: str
    buyer_name: str
    buyer_identifier: str
    buyer_postal_code: str
    buyer_streets: tuple[str, ...]
    original_number: str

    @classmethod
    def of(cls, data: bytes) -> Expected:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        total = _decimal(root, "InvoiceDetails/InvoiceTotalVatIncludedAmount")
        assert total is not None
        instructed = _decimal(root, ".//EpiPaymentInstructionDetails/EpiInstructedAmount")
        paid = _decimal(root, "InvoiceDetails/InvoicePaidAmount") or Decimal(0)
        return cls(
            version=root.get("Version", ""),
            credit_note=_text(root, "InvoiceDetails/InvoiceTypeCode") == "INV02",
            number=_text(root, "InvoiceDetails/InvoiceNumber"),
            issue_date=_date(root, "InvoiceDetails/InvoiceDate"),
            due_date=_date(root, "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate"),
            total=total,
            due=instructed if instructed is not None else total - paid,
            rows=len(root.findall("InvoiceRow")),
            reference="".join(_text(root, ".//EpiRemittanceInfoIdentifier").split()),
            seller_name=_text(root, "SellerPartyDetails/SellerOrganisationName"),
            seller_business_id=_text(root, "SellerPartyDetails/SellerPartyIdentifier"),
            iban=_text(root, ".//EpiBeneficiaryPartyDetails/EpiAccountID").replace(" ", ""),
            bic=_text(root, ".//EpiBfiPartyDetails/EpiBfiIdentifier"),
            buyer_name=_text(root, "BuyerPartyDetails/BuyerOrganisationName"),
            buyer_identifier=_text(root, "BuyerPartyDetails/BuyerPartyIdentifier"),
            buyer_postal_code=_text(
                root, "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerPostCodeIdentifier"
            ),
            buyer_streets=tuple(
                (street.text or "").strip()
                for street in root.findall(
                    "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerStreetName"
                )
            ),
            original_number=_text(root, "InvoiceDetails/OriginalInvoiceNumber"),
        )


def assert_matches(command: FinvoiceCommand, expected: Expected) -> None:
    """Everything the import keeps equals what the XML says."""
    assert command.creditor.name == expected.seller_name
    assert command.creditor.business_id.value == expected.seller_business_id
    assert command.creditor.account.iban == expected.iban
    assert command.creditor.account.bic == expected.bic
    assert len(command.lines) == expected.rows
    assert command.source_format == f"finvoice-{expected.version}"
    assert command.reference is not None
    assert command.reference.value == expected.reference.lstrip("0")
    if isinstance(command, RegisterCreditNote):
        assert expected.credit_note
        assert command.credit_note_number == expected.number
        assert command.original_invoice_number == expected.original_number
        assert command.issue_date == expected.issue_date
        assert command.amount == Money.eur(abs(expected.total))
        debtor = command.debtor
        assert debtor is not None
    else:
        assert not expected.credit_note
        assert command.invoice_number == expected.number
        assert command.issue_date == expected.issue_date
        assert command.due_date == expected.due_date
        assert command.total_amount == Money.eur(expected.total)
        assert command.amount_due == Money.eur(expected.due)
        debtor = command.debtor
        assert debtor.address.postal_code == expected.buyer_postal_code
    assert debtor.name == expected.buyer_name
    assert debtor.address.street_lines == expected.buyer_streets
    if expected.buyer_identifier:
        assert debtor.kind is DebtorKind.ORGANIZATION  # every sample buyer is a company
        assert debtor.business_id is not None
        assert debtor.business_id.value == expected.buyer_identifier
    else:
        assert debtor.kind is DebtorKind.PERSON and debtor.national_id is None


# ------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_imports_as_written_or_is_rejected_naming_the_field(name: str) -> None:
    data = read_sample(name)
    if name in REJECTIONS:
        with pytest.raises(InvoiceValidationError) as error:
            parse_finvoice(data)
        found = {violation.field: violation.description for violation in error.value.violations}
        assert found == REJECTIONS[name]
        return
    assert_matches(parse_finvoice(data), Expected.of(data))


@pytest.mark.parametrize("name", sorted(REPAIRS))
def test_rejected_samples_import_once_repaired(name: str) -> None:
    data = read_sample(name)
    for wrong, right in REPAIRS[name]:
        assert wrong in data
        data = data.replace(wrong, right)
    assert_matches(parse_finvoice(data), Expected.of(data))


def test_every_expected_rejection_is_a_shipped_sample() -> None:
    names = sample_names()
    if names == [ABSENT]:
        pytest.skip("shared Finvoice samples absent (../shared/data or ROPO_SAMPLES_DIR)")
    assert set(REJECTIONS) <= set(names)
    assert len(names) == 8


def test_prepaid_energy_invoice_asks_only_for_the_rest() -> None:
    name = "phive/energia_Verkkoyhtion_kulutuslaskuesimerkki_Ennakko_PaidAmount_20190405.xml"
    data = read_sample(name).replace(b"FI0050000198765432", VALID_IBAN.encode())
    invoice = parse_finvoice(data)
    assert isinstance(invoice, RegisterInvoice)
    assert invoice.total_amount == Money.eur("221.08")
    assert invoice.amount_due == Money.eur("31.62")  # 221,08 less 189,46 paid in advance
    assert invoice.debtor.name == "Olavi Onnekas"  # ISO-8859-15 decoded
    assert invoice.debtor.address.street_lines == ("Lähiötie 191",)
    (summary,) = [line for line in invoice.lines if line.description == "MAKSETTAVA YHTEENSÄ"]
    assert summary.gross_amount == Decimal("31.62")


def test_multirow_sample_keeps_discounted_rows_and_two_vat_rates() -> None:
    data = read_sample("gobl_finvoice30_invoice_multirow.xml")
    invoice = parse_finvoice(data)
    assert isinstance(invoice, RegisterInvoice)
    assert [line.vat_rate_percent for line in invoice.lines] == [Decimal("25.5"), Decimal("13.5")]
    # 10 h × 90,00 less the 10 % row discount, as sent.
    assert invoice.lines[0].net_amount == Decimal("810.00")
    assert invoice.amount_due == Money.eur("1088.36")


def test_credit_note_sample_credits_its_original() -> None:
    note = parse_finvoice(read_sample("gobl_finvoice30_credit_note.xml"))
    assert isinstance(note, RegisterCreditNote)
    assert (note.credit_note_number, note.original_invoice_number) == ("2026-1002", "2026-1001")
    assert note.original_invoice_date == date(2026, 9, 1)
    assert note.amount == Money.eur("56.75")


# ------------------------------------------------------------------------- with the XSDs


@pytest.mark.parametrize("name", sample_names())
def test_samples_are_schema_valid_and_parse_alike_with_schemas(
    name: str, schemas: FinvoiceSchemas
) -> None:
    data = read_sample(name)
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    version = root.get("Version", "")
    assert schemas.covers(version) is (version in ("3.0", "2.01"))
    assert schemas.violations(root) == []
    try:
        without = parse_finvoice(data)
    except InvoiceValidationError as error:
        with pytest.raises(InvoiceValidationError) as with_schemas:
            parse_finvoice(data, schemas=schemas)
        assert with_schemas.value.violations == error.violations
    else:
        assert parse_finvoice(data, schemas=schemas) == without


def test_schema_errors_name_the_element_path(schemas: FinvoiceSchemas) -> None:
    data = (
        read_sample("gobl_finvoice30_invoice_multirow.xml")
        .replace(b"<RowVatRatePercent>13,5</", b"<RowVatRatePercent>13.5</")
        .replace(b"<InvoiceTypeText>INVOICE</InvoiceTypeText>", b"")
    )
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(data, schemas=schemas)
    assert {v.field: v.description for v in error.value.violations} == {
        "InvoiceDetails/OriginCode": (
            "This element is not expected. Expected is ( InvoiceTypeText )."
        ),
        "InvoiceRow[2]/RowVatRatePercent": "does not have the format the schema requires",
    }
