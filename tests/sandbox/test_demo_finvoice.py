"""The demo Finvoice files and the conformance set: schema-valid, deterministic, with valid
identifiers and sums."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from lxml import etree
from ropo_sandbox.__main__ import main
from ropo_sandbox.demo.barcode import virtual_barcode
from ropo_sandbox.demo.conformance import ConformanceSample, conformance_samples
from ropo_sandbox.demo.finvoice import file_name, finvoice_xml
from ropo_sandbox.demo.generator import generate
from ropo_sandbox.persons import PERSONS, persons_with_invoices
from sandbox_support import reference_is_valid, require_sample
from stdnum import iso11649
from stdnum.fi import hetu as stdnum_hetu
from stdnum.fi import ytunnus as stdnum_ytunnus

TODAY = date(2026, 11, 26)


def _documents(seed: int = 1, today: date = TODAY) -> dict[str, etree._Element]:
    return {
        file_name(invoice): etree.fromstring(finvoice_xml(invoice))
        for invoice in generate(seed, today)
    }


def _money(element: etree._Element, path: str) -> Decimal:
    return Decimal(element.findtext(path).replace(",", "."))


def _day(element: etree._Element, path: str) -> date:
    return datetime.strptime(element.findtext(path), "%Y%m%d").date()


@pytest.fixture(scope="module")
def documents() -> dict[str, etree._Element]:
    return _documents()


@pytest.mark.parametrize("today", [TODAY, date(2025, 6, 2)])
def test_documents_are_valid_finvoice_3(today: date) -> None:
    xsd = require_sample("finvoice/xsd/Finvoice3.0.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd)))

    for name, document in _documents(today=today).items():
        assert document.get("Version") == "3.0"
        assert schema.validate(document), f"{name}: {schema.error_log.last_error}"


def test_output_is_deterministic() -> None:
    first = [finvoice_xml(invoice) for invoice in generate(3, TODAY)]
    second = [finvoice_xml(invoice) for invoice in generate(3, TODAY)]

    assert first == second


def test_cli_writes_the_same_files_every_time(tmp_path: Path) -> None:
    for run in ("a", "b"):
        args = ["demo-finvoices", "--out", str(tmp_path / run), "--seed", "5"]
        assert main([*args, "--today", TODAY.isoformat()]) == 0

    files_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(files_a) == len(generate(5, TODAY))
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_seed_changes_rows_but_not_invoice_numbers() -> None:
    one, two = generate(1, TODAY), generate(2, TODAY)

    assert [i.number for i in one] == [i.number for i in two]
    assert [i.gross_total for i in one] != [i.gross_total for i in two]


def test_invoice_numbers_are_unique_per_creditor(documents: dict[str, etree._Element]) -> None:
    seen: set[tuple[str, str]] = set()
    for document in documents.values():
        key = (
            document.findtext("SellerPartyDetails/SellerPartyIdentifier"),
            document.findtext("InvoiceDetails/InvoiceNumber"),
        )
        assert key not in seen
        seen.add(key)


def test_creditors_have_valid_business_ids_and_accounts(
    documents: dict[str, etree._Element],
) -> None:
    creditors = {}
    for document in documents.values():
        seller = document.find("SellerPartyDetails")
        creditors[seller.findtext("SellerOrganisationName")] = document
        business_id = seller.findtext("SellerPartyIdentifier")
        assert stdnum_ytunnus.format(stdnum_ytunnus.validate(business_id)) == business_id
        account = document.find("SellerInformationDetails/SellerAccountDetails")
        iban, bic = account.findtext("SellerAccountID"), account.findtext("SellerBic")
        assert document.findtext(".//EpiAccountID") == iban
        try:
            from schwifty import IBAN
        except ImportError:  # pragma: no cover
            from stdnum import iban as stdnum_iban

            assert stdnum_iban.is_valid(iban)
        else:
            assert str(IBAN(iban, validate_bban=True).bic) == bic

    assert set(creditors) == {"Testi-yritys Oy", "Oy Yritys X Ab"}


def test_buyers_are_identified_by_hetu_or_business_id(
    documents: dict[str, etree._Element],
) -> None:
    by_hetu = {person.hetu: person for person in PERSONS}
    languages = {"fi": "FI", "sv": "SV", "en": "EN"}
    kinds = set()
    for document in documents.values():
        buyer = document.find("BuyerPartyDetails")
        identifier = buyer.findtext("BuyerPartyIdentifier")
        postal_code = buyer.findtext("BuyerPostalAddressDetails/BuyerPostCodeIdentifier")
        assert postal_code and len(postal_code) == 5
        language = document.findtext("InvoiceRecipientLanguageCode")
        if identifier in by_hetu:
            kinds.add("person")
            person = by_hetu[identifier]
            assert stdnum_hetu.validate(identifier, allow_temporary=True) == identifier
            assert buyer.findtext("BuyerOrganisationName") == person.name
            assert postal_code == person.address.postal_code
            assert language == languages[person.language]
        else:
            kinds.add("organization")
            assert stdnum_ytunnus.is_valid(identifier)
            assert buyer.findtext("BuyerOrganisationTaxCode").startswith("FI")
    assert kinds == {"person", "organization"}


def test_every_planned_person_has_overdue_and_future_invoices(
    documents: dict[str, etree._Element],
) -> None:
    due_dates: dict[str, list[date]] = defaultdict(list)
    for document in documents.values():
        identifier = document.findtext("BuyerPartyDetails/BuyerPartyIdentifier")
        due_dates[identifier].append(
            _day(document, "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate")
        )

    for person in persons_with_invoices():
        dates = due_dates[person.hetu]
        assert dates, person.name
        assert any(day > TODAY for day in dates), person.name
        if len(dates) > 1:
            assert any(day < TODAY for day in dates), person.name
    for person in PERSONS:
        if not person.has_invoices:
            assert person.hetu not in due_dates
    assert sum(len(dates) for dates in due_dates.values()) >= 12


def test_references_are_valid_national_or_rf(documents: dict[str, etree._Element]) -> None:
    schemes = set()
    for document in documents.values():
        element = document.find(".//EpiRemittanceInfoIdentifier")
        scheme, reference = element.get("IdentificationSchemeName"), element.text
        schemes.add(scheme)
        if scheme == "SPY":
            assert reference_is_valid(reference), reference
        else:
            assert scheme == "ISO"
            assert iso11649.is_valid(reference), reference
            assert reference_is_valid(reference[4:]), "a Finnish RF wraps a national reference"
    assert schemes == {"SPY", "ISO"}


def test_amounts_add_up(documents: dict[str, etree._Element]) -> None:
    totals = []
    for name, document in documents.items():
        rows = document.findall("InvoiceRow")
        details = document.find("InvoiceDetails")
        zero = Decimal("0.00")
        net = sum((_money(row, "RowVatExcludedAmount") for row in rows), zero)
        vat = sum((_money(row, "RowVatAmount") for row in rows), zero)
        gross = sum((_money(row, "RowAmount") for row in rows), zero)
        assert (
            net
            == _money(details, "RowsTotalVatExcludedAmount")
            == _money(details, "InvoiceTotalVatExcludedAmount")
        ), name
        assert vat == _money(details, "InvoiceTotalVatAmount"), name
        assert gross == net + vat == _money(details, "InvoiceTotalVatIncludedAmount"), name
        assert gross == _money(document, ".//EpiInstructedAmount"), name
        for row in rows:
            quantity = int(row.findtext("InvoicedQuantity"))
            unit = _money(row, "UnitPriceAmount")
            assert _money(row, "RowVatExcludedAmount") == quantity * unit, name
        for spec in details.findall("VatSpecificationDetails"):
            rate = Decimal(spec.findtext("VatRatePercent").replace(",", "."))
            base = _money(spec, "VatBaseAmount")
            expected = (base * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert _money(spec, "VatRateAmount") == expected, name
        totals.append(gross)
    assert any(total != total.to_integral_value() for total in totals), "amounts have cents"


@pytest.mark.parametrize(
    ("today", "rates"), [(TODAY, {"25,5", "13,5"}), (date(2025, 6, 2), {"25,5", "14"})]
)
def test_vat_rates_follow_the_invoice_date(today: date, rates: set[str]) -> None:
    found = {
        spec.findtext("VatRatePercent")
        for document in _documents(today=today).values()
        for spec in document.iter("VatSpecificationDetails")
    }

    assert found == rates


def test_texts_follow_the_recipient_language(documents: dict[str, etree._Element]) -> None:
    type_texts = {"FI": "LASKU", "SV": "FAKTURA", "EN": "INVOICE"}
    seen = set()
    for document in documents.values():
        language = document.findtext("InvoiceRecipientLanguageCode")
        seen.add(language)
        assert document.findtext("InvoiceDetails/InvoiceTypeText") == type_texts[language]
    assert seen == {"FI", "SV", "EN"}


def test_virtual_barcode_matches_the_invoice(documents: dict[str, etree._Element]) -> None:
    for document in documents.values():
        barcode = document.findtext("VirtualBankBarcode")
        reference = document.findtext(".//EpiRemittanceInfoIdentifier")
        due = _day(document, "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate")
        assert len(barcode) == 54
        assert barcode[0] == ("5" if reference.startswith("RF") else "4")
        assert barcode[1:17] == document.findtext(".//SellerAccountID")[2:]
        assert Decimal(barcode[17:25]) / 100 == _money(document, ".//EpiInstructedAmount")
        assert barcode[-6:] == f"{due:%y%m%d}"


def test_barcode_matches_the_finance_finland_vectors() -> None:
    import json

    vectors = json.loads(require_sample("barcode/virtuaaliviivakoodi_vectors.json").read_text())
    for vector in vectors["valid"]:
        due = date.fromisoformat(vector["due_date"]) if vector["due_date"] else None
        barcode = virtual_barcode(
            vector["iban"], Decimal(vector["amount_eur"]), vector["reference"], due
        )
        assert barcode == vector["barcode"]


# ------------------------------------------------------------ the conformance set


def _conformance() -> dict[str, ConformanceSample]:
    return {sample.name: sample for sample in conformance_samples()}


@pytest.mark.parametrize("version", ["3.0", "2.01"])
def test_conformance_samples_are_schema_valid(version: str) -> None:
    xsd = require_sample(f"finvoice/xsd/Finvoice{version}.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    samples = [s for s in conformance_samples() if s.version == version]
    assert len(samples) >= 4
    for sample in samples:
        document = etree.fromstring(sample.document)
        assert document.get("Version") == version
        assert schema.validate(document), f"{sample.name}: {schema.error_log.last_error}"


@pytest.mark.parametrize("version", ["3.0", "2.01"])
def test_demo_invoices_are_schema_valid_in_either_version(version: str) -> None:
    xsd = require_sample(f"finvoice/xsd/Finvoice{version}.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    for invoice in generate(1, TODAY):
        document = etree.fromstring(finvoice_xml(invoice, version=version))  # type: ignore[arg-type]
        assert schema.validate(document), f"{file_name(invoice)}: {schema.error_log.last_error}"


def test_conformance_set_is_deterministic() -> None:
    first = [(s.name, s.document) for s in conformance_samples()]
    assert first == [(s.name, s.document) for s in conformance_samples()]


def test_unknown_finvoice_version_is_refused() -> None:
    with pytest.raises(ValueError, match=r"3\.0, 2\.01"):
        finvoice_xml(generate(1, TODAY)[0], version="1.3")  # type: ignore[arg-type]


def test_latin9_documents_declare_and_use_iso_8859_15() -> None:
    sample = _conformance()["invoice-3.0-company-rf-vat-rates-latin9"]
    document = sample.document
    assert document.startswith(b"<?xml version='1.0' encoding='ISO-8859-15'?>")
    assert "Kuvitteellinen Rakennus Oy".encode("iso-8859-15") in document
    assert "Aikakauslehti, vuosikerta".encode("iso-8859-15") in document
    root = etree.fromstring(document)
    rates = {row.findtext("RowVatRatePercent") for row in root.iter("InvoiceRow")}
    assert rates == {"25,5", "14", "10"}


def test_prepaid_invoice_instructs_only_the_rest() -> None:
    sample = _conformance()["invoice-3.0-prepaid-latin9"]
    root = etree.fromstring(sample.document)
    total = _money(root, "InvoiceDetails/InvoiceTotalVatIncludedAmount")
    paid = _money(root, "InvoiceDetails/InvoicePaidAmount")
    instructed = _money(root, ".//EpiInstructedAmount")
    assert paid == sample.invoice.prepaid > 0
    assert instructed == total - paid == sample.invoice.amount_due
    assert Decimal(root.findtext("VirtualBankBarcode")[17:25]) / 100 == instructed


def test_credit_note_documents_are_negative_and_name_the_original() -> None:
    samples = [s for s in conformance_samples() if s.invoice.is_credit_note]
    assert {s.version for s in samples} == {"3.0", "2.01"}
    for sample in samples:
        root = etree.fromstring(sample.document)
        details = root.find("InvoiceDetails")
        assert details.findtext("InvoiceTypeCode") == "INV02"
        assert details.findtext("InvoiceTypeCodeUN") == ("381" if sample.version == "3.0" else None)
        original = sample.invoice.credits
        assert original is not None
        assert details.findtext("OriginalInvoiceNumber") == original.number
        assert _money(details, "InvoiceTotalVatIncludedAmount") == -sample.invoice.gross_total
        assert all(_money(row, "RowAmount") < 0 for row in root.iter("InvoiceRow"))
        assert root.find("VirtualBankBarcode") is None


def test_the_wrong_check_digit_sample_has_exactly_that_fault() -> None:
    sample = _conformance()["invoice-3.0-wrong-check-digit"]
    reference = etree.fromstring(sample.document).findtext(".//EpiRemittanceInfoIdentifier")
    assert not reference_is_valid(reference)
    fixed = reference[:-1] + str((int(reference[-1]) - 1) % 10)
    assert reference_is_valid(fixed)
