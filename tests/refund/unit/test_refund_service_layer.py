"""The refund use cases over in-memory fakes of their ports: the wizard with its attempt
limits, idempotent replay, staff actions, export and import, and case opening."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from refund_fakes import (
    FakeCalendar,
    FakeClock,
    FakeDatabase,
    FakeFiles,
    FakeLetters,
    FakeRandom,
    FakeReport,
    FakeReports,
    dependencies,
    loads,
)
from refund_support import AGENT, ALICE, BOB, SUPERVISOR, account, eur, person
from ropo_platform.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    ValidationFailed,
)
from ropo_refund.domain.events import RefundAccountReported, RefundCaseOpened, RefundPaid
from ropo_refund.domain.fees import FeePolicy
from ropo_refund.domain.identifiers import case_number_from, format_myropo_id
from ropo_refund.domain.payouts import BatchState
from ropo_refund.domain.refund_case import RefundCase, RefundState
from ropo_refund.service_layer.common import Mutation
from ropo_refund.service_layer.opening import (
    CaseOpener,
    CreditNoteRefundDue,
    OverpaymentDetected,
    UnclearPaymentReceived,
)
from ropo_refund.service_layer.payouts import ExportBatch, ImportStatus, PayoutDesk
from ropo_refund.service_layer.ports import (
    CaseFilter,
    PayoutDebtor,
    RequestIdReused,
    StatusOutcome,
    TransactionStatus,
)
from ropo_refund.service_layer.staff import (
    ApproveRefund,
    ChangeAccount,
    ListCases,
    RejectRefund,
    StaffDesk,
)
from ropo_refund.service_layer.wizard import ConfirmAccount, SubmitAccount, VerifyCase, Wizard

DEBTOR = PayoutDebtor("Ropo Capital Oy", "FI4250001510000023", "")


class Service:
    """The use cases wired to fakes."""

    def __init__(self) -> None:
        self.db = FakeDatabase()
        self.clock = FakeClock()
        self.random = FakeRandom()
        self.files = FakeFiles()
        self.reports = FakeReports()
        self.letters = FakeLetters()
        deps = dependencies(self.db, self.clock, self.random)
        self.wizard = Wizard(deps)
        self.staff = StaffDesk(deps, self.letters, "https://myropo.example")
        self.payouts = PayoutDesk(
            deps, debtor=DEBTOR, files=self.files, reports=self.reports, calendar=FakeCalendar()
        )
        self.opener = CaseOpener(FeePolicy(), self.random, self.clock)
        self._requests = 0

    def mutation(self, method: str, fingerprint: str = "f") -> Mutation:
        self._requests += 1
        return Mutation(method, f"request-{self._requests}", fingerprint)

    async def open(self, amount: str = "50.00", payment: str = "payments/p-1") -> RefundCase:
        async with self.db() as uow:
            case = await self.opener.open_case_from_overpayment(
                uow,
                OverpaymentDetected(
                    "invoices/inv-1", payment, ALICE, "Matti Meikäläinen", "sv", eur(amount)
                ),
            )
            await uow.commit()
        return case

    async def verify(
        self, case: RefundCase, subject: str = ALICE, myropo_id: str = ""
    ) -> RefundCase:
        command = VerifyCase(
            self.mutation("VerifyRefundCase"),
            subject,
            case.case_number,
            myropo_id or format_myropo_id(case.myropo_id),
        )
        result: RefundCase = loads(await self.wizard.verify(command))
        return result

    async def confirmed(self, case: RefundCase, holder: str = "Matti Meikäläinen") -> RefundCase:
        await self.verify(case)
        submitted = loads(
            await self.wizard.submit(
                SubmitAccount(self.mutation("Submit"), case.id, ALICE, account(holder=holder))
            )
        )
        result: RefundCase = loads(
            await self.wizard.confirm(
                ConfirmAccount(self.mutation("Confirm"), case.id, ALICE, submitted.etag)
            )
        )
        return result

    async def approved(self, amount: str = "50.00", payment: str = "payments/p-1") -> RefundCase:
        case = await self.confirmed(await self.open(amount, payment))
        result: RefundCase = loads(
            await self.staff.approve(
                ApproveRefund(self.mutation("Approve"), case.id, AGENT, ("agent",), case.etag)
            )
        )
        return result

    def export(self) -> ExportBatch:
        return ExportBatch(self.mutation("Export"), SUPERVISOR, ("supervisor",))

    def stored(self, case_id: str) -> RefundCase:
        return self.db.store.cases[case_id]


@pytest.fixture
def service() -> Service:
    return Service()


# --------------------------------------------------------------------------- opening


async def test_an_event_opens_one_case_with_the_fee_and_an_event(service: Service) -> None:
    first = await service.open("8.00")
    again = await service.open("8.00")
    assert again.id == first.id
    assert len(service.db.store.cases) == 1
    assert (first.handling_fee, first.payout_amount) == (eur("4.00"), eur("4.00"))
    assert first.language == "sv"
    [event] = service.db.store.events
    assert isinstance(event, RefundCaseOpened) and event.refund_case_id == first.id


async def test_a_taken_case_number_is_drawn_again(service: Service) -> None:
    service.random.numbers = [17, 1, 17, 2, 18, 3]
    first = await service.open(payment="payments/p-1")
    second = await service.open(payment="payments/p-2")
    assert first.case_number == case_number_from(17)
    assert second.case_number == case_number_from(18)


async def test_credit_notes_and_unclear_payments(service: Service) -> None:
    async with service.db() as uow:
        credit = await service.opener.open_case_from_credit_note(
            uow, CreditNoteRefundDue("invoices/i", "CN-7", BOB, "Maija", "xx", eur("20.00"))
        )
        unclear = await service.opener.open_case_from_unclear_payment(
            uow, UnclearPaymentReceived("bankPayments/b-1", "Payer Name", eur("20.00"))
        )
        await uow.commit()
    assert (credit.source_key, credit.handling_fee, credit.language) == (
        "credit_note:invoices/i:CN-7",
        eur("0.00"),
        "fi",
    )
    assert (unclear.source_key, unclear.debtor_display_name, unclear.invoice) == (
        "unclear:bankPayments/b-1",
        "Payer Name",
        "",
    )


# --------------------------------------------------------------------------- step 1


async def test_verify_answers_the_case_and_a_replay_the_same_bytes(service: Service) -> None:
    case = await service.open()
    command = VerifyCase(
        service.mutation("VerifyRefundCase"), ALICE, case.case_number, case.myropo_id
    )
    first = await service.wizard.verify(command)
    assert await service.wizard.verify(command) == first
    assert loads(first).id == case.id
    assert len(service.db.store.verifications) == 1
    with pytest.raises(RequestIdReused):
        await service.wizard.verify(
            VerifyCase(Mutation(command.mutation.method, command.mutation.request_id, "other"),
                       ALICE, case.case_number, case.myropo_id)
        )  # fmt: skip


async def test_every_failure_is_the_same_not_found_and_counted(service: Service) -> None:
    case = await service.open()
    rejected = await service.open(payment="payments/p-2")
    async with service.db() as uow:
        closed = await uow.cases.get(rejected.id)
        assert closed is not None
        closed.reject(AGENT, "no", service.clock())
        await uow.cases.update(closed, closed.version - 1)
        await uow.commit()
    attempts = [
        (case.case_number, "AAAA-AAAA-AAAA"),  # wrong ID
        (case_number_from(99), case.myropo_id),  # unknown case number
        ("not a number", case.myropo_id),  # malformed number
        (case.case_number, "!"),  # malformed ID
        (rejected.case_number, rejected.myropo_id),  # closed case
    ]
    errors = []
    for letter, (number, myropo_id) in zip("cdefg", attempts, strict=True):
        with pytest.raises(NotFound) as raised:
            await service.wizard.verify(
                VerifyCase(service.mutation("Verify"), person(letter), number, myropo_id)
            )
        errors.append((raised.value.reason, raised.value.message, raised.value.metadata))
    assert len(set(map(str, errors))) == 1
    assert errors[0][:2] == (
        "REFUND_CASE_NOT_FOUND",
        "No refund case matches the case number and MyRopo ID.",
    )
    assert len(service.db.store.failures) == 5
    assert service.db.store.verifications == []


async def test_five_failures_lock_the_subject_but_not_another(service: Service) -> None:
    case = await service.open()
    for _ in range(5):
        with pytest.raises(NotFound):
            await service.verify(case, myropo_id="AAAA-AAAA-AAAA")
    with pytest.raises(ResourceExhausted) as raised:
        await service.verify(case)  # even the right pair
    assert raised.value.reason == "REFUND_VERIFICATION_LOCKED"
    assert raised.value.retry_after_seconds == 900
    with pytest.raises(ResourceExhausted) as unknown:
        await service.wizard.verify(
            VerifyCase(service.mutation("VerifyRefundCase"), ALICE, "9999999999", "x")
        )
    assert (unknown.value.reason, unknown.value.message) == (
        raised.value.reason,
        raised.value.message,
    )
    assert len(service.db.store.failures) == 5  # locked attempts are not counted
    assert (await service.verify(case, subject=BOB)).id == case.id
    service.clock.advance(minutes=15)
    assert (await service.verify(case)).id == case.id


async def test_ten_failures_on_one_case_number_lock_it_for_everyone(service: Service) -> None:
    case = await service.open()
    for index in range(10):
        with pytest.raises(NotFound):
            await service.verify(
                case, subject=person("cdefghijkl"[index]), myropo_id="AAAAAAAAAAAA"
            )
    with pytest.raises(ResourceExhausted) as raised:
        await service.verify(case, subject=person("z"))
    assert raised.value.retry_after_seconds == 24 * 3600
    service.clock.advance(hours=24)
    assert (await service.verify(case, subject=person("z"))).id == case.id


# --------------------------------------------------------------------------- steps 2 and 3


async def test_steps_2_and_3_need_a_recent_verification(service: Service) -> None:
    case = await service.open()
    submit = SubmitAccount(service.mutation("Submit"), case.id, ALICE, account())
    with pytest.raises(NotFound) as raised:
        await service.wizard.submit(submit)
    assert raised.value.reason == "REFUND_CASE_NOT_FOUND"
    await service.verify(case)
    with pytest.raises(NotFound):
        await service.wizard.submit(
            SubmitAccount(service.mutation("Submit"), case.id, BOB, account())
        )
    service.clock.advance(minutes=61)
    with pytest.raises(NotFound):
        await service.wizard.submit(submit)
    with pytest.raises(NotFound):
        await service.wizard.get_case(case.id, ALICE)
    assert service.stored(case.id).state is RefundState.AWAITING_ACCOUNT


async def test_submit_then_confirm(service: Service) -> None:
    case = await service.confirmed(await service.open())
    assert case.state is RefundState.AWAITING_APPROVAL
    events = service.db.store.events
    assert isinstance(events[-1], RefundAccountReported) and not events[-1].manual_review
    assert (await service.wizard.get_case(case.id, ALICE)).state is RefundState.AWAITING_APPROVAL


async def test_a_replayed_confirmation_answers_the_same_and_a_new_one_is_refused(
    service: Service,
) -> None:
    case = await service.open()
    await service.verify(case)
    submitted = loads(
        await service.wizard.submit(SubmitAccount(service.mutation("S"), case.id, ALICE, account()))
    )
    command = ConfirmAccount(service.mutation("Confirm"), case.id, ALICE, submitted.etag)
    first = await service.wizard.confirm(command)
    events = len(service.db.store.events)
    assert await service.wizard.confirm(command) == first
    assert len(service.db.store.events) == events
    with pytest.raises(FailedPrecondition) as raised:
        await service.wizard.confirm(
            ConfirmAccount(service.mutation("Confirm"), case.id, ALICE, submitted.etag)
        )
    assert raised.value.reason == "REFUND_ACCOUNT_ALREADY_CONFIRMED"
    assert len(service.db.store.events) == events


# --------------------------------------------------------------------------- staff


async def test_roles_are_required(service: Service) -> None:
    case = await service.confirmed(await service.open())
    attempts = [
        service.staff.approve(ApproveRefund(service.mutation("A"), case.id, AGENT, (), case.etag)),
        service.staff.reject(
            RejectRefund(service.mutation("R"), case.id, AGENT, ("creditor:x",), "r")
        ),
        service.staff.change_account(
            ChangeAccount(service.mutation("C"), case.id, AGENT, ("agent",), account(), "r")
        ),
        service.payouts.export(ExportBatch(service.mutation("E"), AGENT, ("agent",))),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as raised:
            await attempt
        assert raised.value.reason == "REFUND_ROLE_REQUIRED"
    assert service.stored(case.id).state is RefundState.AWAITING_APPROVAL


async def test_list_cases_pages_oldest_first_with_filters(service: Service) -> None:
    opened = []
    for index in range(5):
        opened.append(await service.open(payment=f"payments/p-{index}"))
        service.clock.advance(seconds=1)
    page = await service.staff.list_cases(ListCases(CaseFilter(), page_size=2))
    seen = [case.id for case in page.cases]
    while page.next_page_token:
        page = await service.staff.list_cases(
            ListCases(CaseFilter(), page_size=2, page_token=page.next_page_token)
        )
        seen += [case.id for case in page.cases]
    assert seen == [case.id for case in opened]
    with pytest.raises(ValidationFailed):
        await service.staff.list_cases(
            ListCases(CaseFilter(invoice="invoices/x"), page_token=page.next_page_token or "bad")
        )
    only = await service.staff.list_cases(
        ListCases(CaseFilter(states=frozenset({RefundState.APPROVED})))
    )
    assert only.cases == ()


async def test_the_letter_is_in_the_debtors_language_unless_asked(service: Service) -> None:
    case = await service.open("8.00")
    letter = await service.staff.letter(case.id)
    assert letter.filename == f"palautus-{case.case_number}.pdf"
    await service.staff.letter(case.id, "en")
    first, second = service.letters.rendered
    assert (first.language, second.language) == ("sv", "en")
    assert (first.myropo_id, first.handling_fee, first.payout_amount) == (
        case.myropo_id,
        eur("4.00"),
        eur("4.00"),
    )
    assert first.portal_url == "https://myropo.example"


# --------------------------------------------------------------------------- payouts


async def test_export_puts_every_approved_refund_in_one_batch_once(service: Service) -> None:
    with pytest.raises(FailedPrecondition) as empty:
        await service.payouts.export(service.export())
    assert empty.value.reason == "NO_APPROVED_REFUNDS"
    first = await service.approved("50.00", "payments/p-1")
    service.clock.advance(seconds=1)
    second = await service.approved("12.34", "payments/p-2")
    batch = loads(await service.payouts.export(service.export()))
    [built] = service.files.built
    assert [item.refund_case_id for item in built.items] == [first.id, second.id]
    assert [item.amount for item in built.items] == [eur("45.00"), eur("7.34")]
    assert built.items[0].end_to_end_id == f"{first.case_number}-0"
    assert built.items[0].remittance == f"Palautus {first.case_number}"
    assert built.items[0].creditor_iban == "FI4250001510000023"
    assert built.debtor == DEBTOR
    assert built.message_id.startswith("ROPO") and len(built.message_id) == 32
    assert built.execution_date == date(2026, 12, 3)
    assert batch.total_amount == eur("52.34")
    assert {service.stored(c.id).state for c in (first, second)} == {RefundState.IN_PAYOUT}
    with pytest.raises(FailedPrecondition) as again:
        await service.payouts.export(service.export())
    assert again.value.reason == "NO_APPROVED_REFUNDS"
    assert len(service.db.store.batches) == 1


async def test_an_invalid_file_stores_nothing(service: Service) -> None:
    case = await service.approved()
    service.files.fail = True
    with pytest.raises(RuntimeError):
        await service.payouts.export(service.export())
    assert service.db.store.batches == {}
    assert service.stored(case.id).state is RefundState.APPROVED


async def test_a_past_execution_date_is_refused(service: Service) -> None:
    await service.approved()
    with pytest.raises(ValidationFailed) as raised:
        await service.payouts.export(
            ExportBatch(service.mutation("E"), SUPERVISOR, ("supervisor",), date(2026, 1, 1))
        )
    assert [v.field for v in raised.value.violations] == ["execution_date"]


async def test_import_pays_fails_and_is_idempotent(service: Service) -> None:
    paid_case = await service.approved("50.00", "payments/p-1")
    failed_case = await service.approved("30.00", "payments/p-2")
    pending_case = await service.approved("20.00", "payments/p-3")
    batch = loads(await service.payouts.export(service.export()))
    service.reports.reports[b"report"] = FakeReport(
        batch.message_id,
        {
            f"{paid_case.case_number}-0": TransactionStatus(StatusOutcome.PAID),
            f"{failed_case.case_number}-0": TransactionStatus(
                StatusOutcome.REJECTED, "AC04", "Account FI4250001510000023 closed"
            ),
            f"{pending_case.case_number}-0": TransactionStatus(StatusOutcome.PENDING),
        },
    )
    first = await service.payouts.import_status(
        ImportStatus(service.mutation("I"), SUPERVISOR, ("supervisor",), b"report")
    )
    _, imported, paid, failed = pickle.loads(first)  # noqa: S301 - our own test data
    assert (paid, failed) == (1, 1)
    assert imported.state is BatchState.EXPORTED  # one transfer still pending
    assert service.stored(paid_case.id).state is RefundState.PAID
    failed_now = service.stored(failed_case.id)
    assert failed_now.state is RefundState.AWAITING_ACCOUNT
    assert failed_now.failed_payout_count == 1
    assert "AC04" in failed_now.status_message
    assert "FI4250001510000023" not in failed_now.status_message
    assert service.stored(pending_case.id).state is RefundState.IN_PAYOUT
    [paid_event] = [e for e in service.db.store.events if isinstance(e, RefundPaid)]
    assert (paid_event.amount, paid_event.refund_case_id) == (eur("45.00"), paid_case.id)
    again = await service.payouts.import_status(
        ImportStatus(service.mutation("I"), SUPERVISOR, ("supervisor",), b"report")
    )
    assert pickle.loads(again)[2:] == (0, 0)  # noqa: S301 - our own test data
    assert len([e for e in service.db.store.events if isinstance(e, RefundPaid)]) == 1


async def test_import_of_an_unknown_batch_or_unreadable_report(service: Service) -> None:
    service.reports.reports[b"other"] = FakeReport("ROPO" + "0" * 28, {})
    with pytest.raises(NotFound) as raised:
        await service.payouts.import_status(
            ImportStatus(service.mutation("I"), SUPERVISOR, ("supervisor",), b"other")
        )
    assert raised.value.reason == "PAYOUT_BATCH_NOT_FOUND"
    with pytest.raises(ValidationFailed) as invalid:
        await service.payouts.import_status(
            ImportStatus(service.mutation("I"), SUPERVISOR, ("supervisor",), b"<junk/>")
        )
    assert [v.field for v in invalid.value.violations] == ["content"]
