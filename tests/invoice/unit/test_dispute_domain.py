"""Disputes and payment monitoring on the invoice aggregate: the hold, the rules of a
dispute, its resolution (exact credits, consistent ledger) and the judgment letter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from ropo_invoice.domain.dispute import (
    MAX_ATTACHMENT_BYTES,
    AttachmentInfo,
    DisputeInvalid,
    DisputeNotAllowed,
    DisputeOutcome,
    DisputeState,
    filename_problem,
)
from ropo_invoice.domain.errors import InvalidStageTransition, InvoiceValidationError
from ropo_invoice.domain.events import (
    DisputeResolved,
    InterestCharged,
    InvoiceDisputed,
    InvoiceStageChanged,
    LetterIssued,
)
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.interest import ReferenceRateTable
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.letters import LetterType
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, Language, PostalAddress, ProtectedNationalId
from ropo_invoice.domain.payment_time_policy import DEFAULT_PAYMENT_TIME_POLICY
from ropo_invoice.domain.policy import CollectionPolicy
from ropo_invoice.domain.stage import Stage
from ropo_platform.errors import FieldViolation
from ropo_platform.money import Money

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
DUE = date(2026, 9, 15)
RATES = ReferenceRateTable.from_mapping(
    {date(2026, 1, 1): Decimal("2.00"), date(2026, 7, 1): Decimal("2.00")}
)
PDF_INFO = AttachmentInfo("kuitti.pdf", "application/pdf", 1200)
DEBTOR = "persons/" + "a" * 32
AGENT = "staffUsers/anna"


def eur(amount: str) -> Money:
    return Money.eur(amount)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


def make_invoice(capital: str = "124.00") -> Invoice:
    creditor = Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )
    debtor = Debtor.person(
        "Matti Meikäläinen",
        PostalAddress(("Testikatu 1",), "00100", "Helsinki"),
        Language.FI,
        ProtectedNationalId("a" * 32, b"\x01sealed", "010190-****"),
    )
    invoice = Invoice.register(
        creditor=creditor,
        invoice_number="1001",
        debtor=debtor,
        reference=PaymentReference.parse("1232"),
        issue_date=date(2026, 9, 1),
        due_date=DUE,
        capital=eur(capital),
        payee_account=BankAccount("FI2112345600000785", "NDEAFIHH"),
        now=NOW,
    )
    invoice.pull_events()
    return invoice


def reminded(capital: str = "124.00") -> Invoice:
    """An invoice with interest and a 5 € reminder fee, in stage REMINDER."""
    invoice = make_invoice(capital)
    day = DUE + timedelta(days=15)
    invoice.accrue_interest(day - timedelta(days=1), RATES, at(day))
    letter = invoice.progress_collection(day, CollectionPolicy(), at(day))
    assert letter is not None and invoice.stage is Stage.REMINDER
    invoice.pull_events()
    return invoice


def fields(error: DisputeInvalid | InvoiceValidationError) -> dict[str, str]:
    return {v.field: v.description for v in error.violations}


def dispute_whole(invoice: Invoice, day: date = DUE + timedelta(days=20)) -> None:
    invoice.dispute(disputer=DEBTOR, reason="En ole tilannut.", attachments=[], now=at(day))


# ------------------------------------------------------------------------- opening


def test_a_dispute_puts_the_invoice_on_hold_and_remembers_the_stage() -> None:
    invoice = reminded()
    day = DUE + timedelta(days=20)
    dispute = invoice.dispute(
        disputer=DEBTOR,
        reason="Tuote palautettu 1.9.",
        attachments=[PDF_INFO],
        now=at(day),
        disputed_amount=eur("24.00"),
    )
    assert invoice.stage is Stage.DISPUTED
    assert invoice.stage_before_dispute is Stage.REMINDER
    assert dispute.state is DisputeState.OPEN and dispute.is_open
    assert dispute.resource_name == f"invoices/{invoice.id}/disputes/{dispute.id}"
    assert (dispute.disputed_amount, dispute.attachments) == (eur("24.00"), (PDF_INFO,))
    changed, disputed = invoice.pull_events()
    assert isinstance(changed, InvoiceStageChanged) and changed.stage is Stage.DISPUTED
    assert isinstance(disputed, InvoiceDisputed)
    assert (disputed.amount, disputed.whole, disputed.attachment_count) == (eur("24.00"), False, 1)


def test_a_whole_dispute_records_the_open_amount() -> None:
    invoice = reminded()
    open_amount = invoice.ledger.open_amount
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=NOW)
    assert dispute.is_whole
    disputed = invoice.pull_events()[-1]
    assert isinstance(disputed, InvoiceDisputed)
    assert (disputed.amount, disputed.whole) == (open_amount, True)


def test_one_open_dispute_at_a_time_and_none_once_ended() -> None:
    invoice = make_invoice()
    dispute_whole(invoice)
    with pytest.raises(DisputeNotAllowed) as again:
        dispute_whole(invoice)
    assert again.value.reason == "DISPUTE_ALREADY_OPEN"

    paid = make_invoice()
    paid.receive_payment("p1", eur("124.00"), DUE, NOW)
    with pytest.raises(DisputeNotAllowed) as ended:
        dispute_whole(paid)
    assert ended.value.reason == "INVOICE_NOT_OPEN"


@pytest.mark.parametrize(
    ("amount", "description"),
    [
        (eur("124.01"), "must be at most the open amount (124.00 EUR)"),
        (eur("0.00"), "must be more than zero"),
        (Money("10.00", "SEK"), "is not in the invoice's currency"),
    ],
)
def test_the_disputed_part_is_more_than_zero_and_at_most_what_is_open(
    amount: Money, description: str
) -> None:
    invoice = make_invoice()
    with pytest.raises(DisputeInvalid) as refused:
        invoice.dispute(
            disputer=DEBTOR, reason="x", attachments=[], now=NOW, disputed_amount=amount
        )
    assert fields(refused.value) == {"disputed_amount": description}
    assert invoice.stage is Stage.INVOICE and not invoice.events


def test_reason_and_attachment_rules_name_every_field() -> None:
    invoice = make_invoice()
    attachments = [
        PDF_INFO,
        AttachmentInfo("../../etc/passwd", "application/pdf", 10),
        AttachmentInfo("ohjelma.exe", "application/x-msdownload", 10),
        AttachmentInfo("iso.png", "image/png", MAX_ATTACHMENT_BYTES + 1),
        AttachmentInfo("tyhjä.jpg", "image/jpeg", 0),
        PDF_INFO,
    ]
    with pytest.raises(DisputeInvalid) as refused:
        invoice.dispute(disputer=DEBTOR, reason=" ", attachments=attachments, now=NOW)
    assert refused.value.reason == "DISPUTE_INVALID"
    assert fields(refused.value) == {
        "reason": "is required",
        "attachments": "must be at most 5 files",
        "attachments[1].filename": "must be a file name without a folder (no / or \\)",
        "attachments[2].media_type": "must be one of application/pdf, image/jpeg, image/png",
        "attachments[3].content": "is larger than 5 MiB (5242880 bytes)",
        "attachments[4].content": "is empty",
    }
    too_long = invoice.dispute
    with pytest.raises(DisputeInvalid) as long_reason:
        too_long(disputer=DEBTOR, reason="x" * 2001, attachments=[], now=NOW)
    assert fields(long_reason.value) == {"reason": "must be at most 2000 characters"}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("kuitti.pdf", None),
        ("Kuitti 1.9.2026 (kopio).jpeg", None),
        ("", "is required"),
        ("a" * 121, "must be at most 120 characters"),
        ("C:\\Users\\kuitti.pdf", "must be a file name without a folder (no / or \\)"),
        ("kuitti\r\nX-Header: 1.pdf", "must not contain control characters"),
        ("kuitti\u202e.pdf", "must not contain control characters"),
        ("..", "must be a file name, not only dots"),
    ],
)
def test_filenames_are_plain_base_names(name: str, problem: str | None) -> None:
    assert filename_problem(name) == problem


# ------------------------------------------------------------------------ the hold


def test_while_disputed_nothing_is_sent_charged_or_moved() -> None:
    invoice = make_invoice()
    dispute_whole(invoice, DUE + timedelta(days=3))
    invoice.pull_events()
    open_before = invoice.ledger.open_amount
    for days in (15, 30, 60, 120):
        day = DUE + timedelta(days=days)
        assert invoice.accrue_interest(day - timedelta(days=1), RATES, at(day)) is None
        assert invoice.next_collection_step(day) is None
        assert invoice.progress_collection(day, CollectionPolicy(), at(day)) is None
    assert invoice.ledger.open_amount == open_before
    assert invoice.stage is Stage.DISPUTED and not invoice.events
    # The days of the dispute have been dealt with: none is charged later.
    assert invoice.interest_accrued_until == DUE + timedelta(days=119)


def test_a_disputed_plan_gets_no_reminder_and_is_not_cancelled() -> None:
    invoice = make_invoice("500.00")
    today = DUE + timedelta(days=5)
    option_fee = eur("30.00")
    plan = invoice.create_payment_plan(
        6, option_fee, DEFAULT_PAYMENT_TIME_POLICY, today, at(today), DEBTOR
    )
    dispute_whole(invoice, today)
    invoice.pull_events()
    late = plan.instalments[0].due_date + timedelta(days=60)
    assert not invoice.follow_payment_plan(late, 14, at(late))
    assert invoice.active_plan is plan and not invoice.events


# ---------------------------------------------------------------------- resolution


def test_rejected_returns_to_the_stage_and_writes_to_the_debtor() -> None:
    invoice = reminded()
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=NOW)
    ledger_before = [(c.id, c.open_amount) for c in invoice.ledger.components]
    invoice.pull_events()
    day = DUE + timedelta(days=40)
    letter = invoice.resolve_dispute(
        dispute,
        DisputeOutcome.REJECTED,
        message="Lasku on oikein.",
        resolver=AGENT,
        today=day,
        now=at(day),
    )
    assert invoice.stage is Stage.REMINDER and invoice.stage_before_dispute is None
    assert [(c.id, c.open_amount) for c in invoice.ledger.components] == ledger_before
    assert (letter.type, letter.body, letter.issued_on, letter.fee) == (
        LetterType.CUSTOMER_SERVICE_MESSAGE,
        "Lasku on oikein.",
        day,
        None,
    )
    assert not letter.is_collection_letter
    assert dispute.state is DisputeState.REJECTED and dispute.credited_amount is None
    assert (dispute.resolver, dispute.resolved_at, dispute.message_letter_id) == (
        AGENT,
        at(day),
        letter.id,
    )
    resolved, changed = invoice.pull_events()
    assert isinstance(resolved, DisputeResolved) and resolved.credited is None
    assert resolved.letter_id == letter.id
    assert isinstance(changed, InvoiceStageChanged)
    assert (changed.previous, changed.stage) == (Stage.DISPUTED, Stage.REMINDER)


def test_accepting_a_whole_dispute_credits_everything_open_and_ends_it() -> None:
    invoice = reminded()
    invoice.receive_payment("p1", eur("20.00"), DUE, NOW)
    open_amount = invoice.ledger.open_amount
    interest = invoice.ledger.open_by_type(ComponentType.PENALTY_INTEREST)
    assert interest.is_positive()
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=NOW)
    invoice.pull_events()
    invoice.resolve_dispute(
        dispute, DisputeOutcome.ACCEPTED, message="Hyvitetty.", resolver=AGENT, today=DUE, now=NOW
    )
    ledger = invoice.ledger
    assert dispute.credited_amount == open_amount
    assert ledger.open_amount.is_zero() and invoice.stage is Stage.CREDITED
    # The payment stays where it was: nothing paid is reversed, nothing becomes refundable.
    assert ledger.paid_amount == eur("20.00")
    assert ledger.credited_amount == open_amount
    assert ledger.total_amount == ledger.paid_amount + ledger.credited_amount
    events = invoice.pull_events()
    assert [type(e) for e in events] == [DisputeResolved, InvoiceStageChanged]
    assert not any(isinstance(e, LetterIssued) for e in events)


def test_accepting_a_part_credits_capital_first_and_resumes() -> None:
    invoice = reminded()
    dispute = invoice.dispute(
        disputer=DEBTOR, reason="x", attachments=[], now=NOW, disputed_amount=eur("24.00")
    )
    invoice.resolve_dispute(
        dispute,
        DisputeOutcome.ACCEPTED,
        message="Osa hyvitetty.",
        resolver=AGENT,
        today=DUE,
        now=NOW,
    )
    assert invoice.ledger.open_capital == eur("100.00")
    assert invoice.ledger.open_by_type(ComponentType.REMINDER_FEE) == eur("5.00")
    assert invoice.stage is Stage.REMINDER
    assert dispute.state is DisputeState.ACCEPTED and dispute.credited_amount == eur("24.00")


def test_a_credit_beyond_the_open_capital_takes_interest_then_costs() -> None:
    invoice = reminded()
    invoice.receive_payment("p1", eur("120.00"), DUE, NOW)  # a consumer pays capital first
    interest = invoice.ledger.open_by_type(ComponentType.PENALTY_INTEREST)
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=NOW)
    credit = eur("4.00") + interest + eur("1.00")
    invoice.resolve_dispute(
        dispute,
        DisputeOutcome.PARTIALLY_ACCEPTED,
        message="Osittain.",
        resolver=AGENT,
        today=DUE,
        now=NOW,
        credited_amount=credit,
    )
    ledger = invoice.ledger
    assert ledger.open_capital.is_zero()
    assert ledger.open_by_type(ComponentType.PENALTY_INTEREST).is_zero()
    assert ledger.open_by_type(ComponentType.REMINDER_FEE) == eur("4.00")
    assert ledger.paid_amount == eur("120.00")
    assert ledger.total_amount == ledger.paid_amount + ledger.credited_amount + eur("4.00")
    assert invoice.stage is Stage.REMINDER
    assert dispute.state is DisputeState.PARTIALLY_ACCEPTED and dispute.credited_amount == credit


@pytest.mark.parametrize(
    ("outcome", "credited", "violation"),
    [
        (
            DisputeOutcome.PARTIALLY_ACCEPTED,
            None,
            FieldViolation("credited_amount", "is required for a partial acceptance"),
        ),
        (
            DisputeOutcome.PARTIALLY_ACCEPTED,
            Money.eur("24.01"),
            FieldViolation("credited_amount", "must be at most the disputed amount (24.00 EUR)"),
        ),
        (
            DisputeOutcome.REJECTED,
            Money.eur("1.00"),
            FieldViolation("credited_amount", "is only for a partial acceptance"),
        ),
    ],
)
def test_resolution_rules(
    outcome: DisputeOutcome, credited: Money | None, violation: FieldViolation
) -> None:
    invoice = make_invoice()
    dispute = invoice.dispute(
        disputer=DEBTOR, reason="x", attachments=[], now=NOW, disputed_amount=eur("24.00")
    )
    with pytest.raises(DisputeInvalid) as refused:
        invoice.resolve_dispute(
            dispute,
            outcome,
            message="",
            resolver=AGENT,
            today=DUE,
            now=NOW,
            credited_amount=credited,
        )
    assert set(refused.value.violations) == {violation, FieldViolation("message", "is required")}
    assert dispute.is_open and invoice.stage is Stage.DISPUTED


def test_a_dispute_is_resolved_once() -> None:
    invoice = make_invoice()
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=NOW)

    def reject() -> None:
        invoice.resolve_dispute(
            dispute, DisputeOutcome.REJECTED, message="m", resolver=AGENT, today=DUE, now=NOW
        )

    reject()
    with pytest.raises(DisputeNotAllowed) as again:
        reject()
    assert again.value.reason == "DISPUTE_NOT_OPEN"


def test_an_invoice_paid_during_the_dispute_stays_paid_when_it_is_resolved() -> None:
    invoice = make_invoice()
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=NOW)
    invoice.receive_payment("p1", eur("124.00"), DUE, NOW)
    assert invoice.stage is Stage.PAID
    invoice.resolve_dispute(
        dispute, DisputeOutcome.ACCEPTED, message="m", resolver=AGENT, today=DUE, now=NOW
    )
    assert invoice.stage is Stage.PAID and dispute.credited_amount == eur("0.00")
    assert invoice.ledger.paid_amount == eur("124.00")


def test_interest_resumes_after_the_dispute_without_its_days() -> None:
    invoice = make_invoice("1000.00")
    disputed_on = DUE + timedelta(days=10)
    invoice.accrue_interest(disputed_on - timedelta(days=1), RATES, at(disputed_on))
    charged_before = invoice.ledger.interest_charged
    dispute = invoice.dispute(disputer=DEBTOR, reason="x", attachments=[], now=at(disputed_on))
    resolved_on = DUE + timedelta(days=50)
    # The use case deals with the days up to yesterday before resolving: none is charged.
    invoice.accrue_interest(resolved_on - timedelta(days=1), RATES, at(resolved_on))
    assert invoice.ledger.interest_charged == charged_before
    invoice.resolve_dispute(
        dispute,
        DisputeOutcome.REJECTED,
        message="m",
        resolver=AGENT,
        today=resolved_on,
        now=at(resolved_on),
    )
    invoice.pull_events()
    later = resolved_on + timedelta(days=10)
    invoice.accrue_interest(later - timedelta(days=1), RATES, at(later))
    (charged,) = invoice.pull_events()
    assert isinstance(charged, InterestCharged)
    assert (charged.start, charged.end) == (resolved_on, later - timedelta(days=1))


# -------------------------------------------------------------- payment monitoring


def in_collection() -> Invoice:
    invoice = reminded()
    day = DUE + timedelta(days=31)
    letter = invoice.progress_collection(day, CollectionPolicy(), at(day))
    assert letter is not None and invoice.stage is Stage.COLLECTION
    invoice.pull_events()
    return invoice


def test_payment_monitoring_starts_from_collection_with_a_letter() -> None:
    invoice = in_collection()
    today = DUE + timedelta(days=90)
    letter = invoice.start_payment_monitoring(
        judgment_date=today - timedelta(days=7),
        judgment_reference="  Helsingin käräjäoikeus L 27/1234 ",
        today=today,
        now=at(today),
    )
    assert invoice.stage is Stage.PAYMENT_MONITORING
    assert invoice.judgment_date == today - timedelta(days=7)
    assert invoice.judgment_reference == "Helsingin käräjäoikeus L 27/1234"
    assert letter.type is LetterType.PAYMENT_MONITORING_LETTER
    assert (letter.issued_on, letter.due_date, letter.fee) == (
        today,
        today + timedelta(days=14),
        None,
    )
    assert letter.open_amount == invoice.ledger.open_amount
    issued, changed = invoice.pull_events()
    assert isinstance(issued, LetterIssued) and issued.letter == letter
    assert isinstance(changed, InvoiceStageChanged) and changed.stage is Stage.PAYMENT_MONITORING
    # Monitoring sends no collection letters by itself.
    assert invoice.next_collection_step(today + timedelta(days=60)) is None


def test_payment_monitoring_needs_collection_and_a_valid_judgment() -> None:
    with pytest.raises(InvalidStageTransition):
        reminded().start_payment_monitoring(
            judgment_date=DUE, judgment_reference="KO", today=DUE, now=NOW
        )
    invoice = in_collection()
    with pytest.raises(InvoiceValidationError) as refused:
        invoice.start_payment_monitoring(
            judgment_date=DUE + timedelta(days=1), judgment_reference=" ", today=DUE, now=NOW
        )
    assert fields(refused.value) == {
        "judgment_date": "cannot be in the future",
        "judgment_reference": "is required",
    }
    with pytest.raises(InvoiceValidationError) as long_reference:
        invoice.start_payment_monitoring(
            judgment_date=DUE, judgment_reference="K" * 201, today=DUE, now=NOW
        )
    assert fields(long_reference.value) == {"judgment_reference": "must be at most 200 characters"}
    assert invoice.stage is Stage.COLLECTION and not invoice.events
