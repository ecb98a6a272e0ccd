"""The parser over the project's own generated Finvoice set (no shared data needed).

``ropo_sandbox.demo.conformance`` writes one message per import path: 3.0 and
2.01, UTF-8 and ISO-8859-15, national and RF references, VAT 25.5/14/10 %,
prepaid invoices, company and consumer buyers, credit notes and a reference
with a wrong check digit. What was written is known from the generator's model,
so every field the parser returns is compared with it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.domain.commands import IncomingDebtor, RegisterCreditNote, RegisterInvoice
from ropo_invoice.domain.errors import InvoiceValidationError
from ropo_invoice.domain.identifiers import NationalId, PaymentReference, ReferenceKind
from ropo_invoice.domain.party import DebtorKind, Language
from ropo_platform.money import Money
from ropo_sandbox.demo.conformance import ConformanceSample, conformance_samples
from ropo_sandbox.demo.model import Buyer, DemoInvoice

SAMPLES = conformance_samples()
IMPORTED = [sample for sample in SAMPLES if sample.rejected_for is None]
INVOICES = [sample for sample in IMPORTED if not sample.invoice.is_credit_note]
CREDIT_NOTES = [sample for sample in IMPORTED if sample.invoice.is_credit_note]
REJECTED = [sample for sample in SAMPLES if sample.rejected_for is not None]


def ids(samples: list[ConformanceSample]) -> list[str]:
    return [sample.name for sample in samples]


def test_the_set_covers_every_import_path() -> None:
    invoices = [sample.invoice for sample in SAMPLES]
    assert {sample.version for sample in SAMPLES} == {"3.0", "2.01"}
    assert {sample.encoding for sample in SAMPLES} == {"UTF-8", "ISO-8859-15"}
    assert {invoice.reference_kind for invoice in invoices} == {"national", "rf"}
    rates = {line.vat_rate for invoice in invoices for line in invoice.lines}
    assert {Decimal("25.5"), Decimal(14), Decimal(10)} <= rates
    assert any(len({line.vat_rate for line in i.lines}) == 3 for i in invoices)
    assert any(invoice.prepaid for invoice in invoices)
    assert {invoice.buyer.kind for invoice in invoices} == {"person", "organization"}
    assert {(sample.version, sample.invoice.is_credit_note) for sample in SAMPLES} == {
        ("3.0", False),
        ("3.0", True),
        ("2.01", False),
        ("2.01", True),
    }
    assert REJECTED
    assert len({sample.name for sample in SAMPLES}) == len(SAMPLES)


def test_consumers_have_test_range_henkilotunnus_only() -> None:
    for sample in SAMPLES:
        buyer = sample.invoice.buyer
        if buyer.kind == "person":
            assert NationalId.is_valid(buyer.identifier)
            assert 900 <= int(buyer.identifier[7:10]) <= 999, sample.name


def test_the_encoding_declaration_matches_the_bytes() -> None:
    for sample in SAMPLES:
        declaration = sample.document.split(b"?>", 1)[0]
        assert sample.encoding.encode() in declaration
        if sample.encoding == "ISO-8859-15":
            with pytest.raises(UnicodeDecodeError):
                sample.document.decode("utf-8")


@pytest.mark.parametrize("sample", INVOICES, ids=ids(INVOICES))
def test_generated_invoices_import_as_written(sample: ConformanceSample) -> None:
    command = parse_finvoice(sample.document)
    assert isinstance(command, RegisterInvoice)
    written = sample.invoice
    _same_creditor(command, written)
    _same_debtor(command.debtor, written.buyer)
    assert command.language is Language(written.buyer.language)
    assert command.invoice_number == written.number
    assert command.issue_date == written.invoice_date
    assert command.due_date == written.due_date
    _same_reference(command.reference, written)
    assert command.total_amount == Money.eur(written.gross_total)
    assert command.amount_due == Money.eur(written.amount_due)
    if written.prepaid:
        assert command.amount_due < command.total_amount
    _same_rows(command, written, sign=1)
    assert command.source_format == f"finvoice-{sample.version}"


@pytest.mark.parametrize("sample", CREDIT_NOTES, ids=ids(CREDIT_NOTES))
def test_generated_credit_notes_import_as_written(sample: ConformanceSample) -> None:
    command = parse_finvoice(sample.document)
    assert isinstance(command, RegisterCreditNote)
    written = sample.invoice
    assert written.credits is not None
    _same_creditor(command, written)
    assert command.debtor is not None
    _same_debtor(command.debtor, written.buyer)
    assert command.credit_note_number == written.number
    assert command.original_invoice_number == written.credits.number
    expected_original_date = written.credits.invoice_date if sample.version == "3.0" else None
    assert command.original_invoice_date == expected_original_date
    assert command.issue_date == written.invoice_date
    assert command.reference is not None
    _same_reference(command.reference, written)
    assert command.amount == Money.eur(written.gross_total)
    assert command.amount.is_positive()
    _same_rows(command, written, sign=-1)


@pytest.mark.parametrize("sample", REJECTED, ids=ids(REJECTED))
def test_generated_bad_messages_are_rejected_naming_the_element(
    sample: ConformanceSample,
) -> None:
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(sample.document)
    assert [violation.field for violation in error.value.violations] == [sample.rejected_for]
    assert "check digit" in error.value.violations[0].description


def test_the_credit_notes_credit_invoices_of_the_set() -> None:
    invoices = {(s.invoice.creditor.business_id, s.invoice.number) for s in INVOICES}
    for sample in CREDIT_NOTES:
        assert sample.invoice.credits is not None
        key = (sample.invoice.creditor.business_id, sample.invoice.credits.number)
        assert key in invoices, sample.name


# ------------------------------------------------------------------------------ helpers


def _same_creditor(command: RegisterInvoice | RegisterCreditNote, written: DemoInvoice) -> None:
    assert command.creditor.name == written.creditor.name
    assert command.creditor.business_id.value == written.creditor.business_id
    assert command.creditor.account.iban == written.creditor.iban
    assert command.creditor.account.bic == written.creditor.bic


def _same_debtor(debtor: IncomingDebtor, buyer: Buyer) -> None:
    assert debtor.name == buyer.name
    assert debtor.address.postal_code == buyer.address.postal_code
    assert debtor.address.street_lines == (buyer.address.street,)
    assert debtor.address.town == buyer.address.town
    if buyer.kind == "person":
        assert debtor.kind is DebtorKind.PERSON
        assert debtor.national_id == NationalId.parse(buyer.identifier)
    else:
        assert debtor.kind is DebtorKind.ORGANIZATION
        assert debtor.business_id is not None
        assert debtor.business_id.value == buyer.identifier


def _same_reference(reference: PaymentReference, written: DemoInvoice) -> None:
    assert reference.value == written.reference
    expected = ReferenceKind.RF if written.reference_kind == "rf" else ReferenceKind.NATIONAL
    assert reference.kind is expected


def _same_rows(
    command: RegisterInvoice | RegisterCreditNote, written: DemoInvoice, *, sign: int
) -> None:
    assert len(command.lines) == len(written.lines)
    for read, line in zip(command.lines, written.lines, strict=True):
        assert read.position == line.position
        assert read.description == line.name
        assert read.quantity == sign * line.quantity
        assert read.unit_price == line.article.unit_price
        assert read.vat_rate_percent == line.vat_rate
        assert read.net_amount == sign * line.net_amount
        assert read.vat_amount == sign * line.vat_amount
        assert read.gross_amount == sign * line.gross_amount
        assert read.currency == "EUR"
