"""Message-centre use cases with in-memory fakes: deliveries of the invoice and of new
letters by the consent, consent changes, reading letters, lists and refund letters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from invoice_fakes import Store, fake_uow_factory
from invoice_support import BUYER_COMPANY_ID, HETU_MATTI, finvoice_xml
from message_fakes import stored_delivery
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.domain.delivery import (
    ConsentChannel,
    DeliveryType,
    EmailAddress,
    LetterChannel,
)
from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Invoice
from ropo_invoice.service_layer.documents import LetterNotFound
from ropo_invoice.service_layer.handlers import ImportFinvoice, InvoiceHandlers
from ropo_invoice.service_layer.letter_delivery import keep_new_letters, letter_ids
from ropo_invoice.service_layer.message_centre import (
    DeliverRefundLetter,
    ListLetters,
    MarkLetterRead,
    MessageCentre,
    UpdateLetterConsent,
    deliver_refund_letter,
)
from ropo_invoice.service_layer.ports import LetterFilter, RequestIdReused
from ropo_platform.money import Money
from ropo_platform.pagination import InvalidPageToken

SECRET = b"unit-test-person-key-secret"
NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
REQUEST = "6a0c3c4e-0000-4000-8000-00000000000{}"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class FakeRenderer:
    def render_letter(self, invoice: Invoice, letter: Letter) -> bytes:
        return b"%PDF-1.7 " + letter.id.encode()


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handlers(store: Store, clock: Clock) -> InvoiceHandlers:
    return InvoiceHandlers(
        uow=fake_uow_factory(store),
        protector=AesGcmNationalIdProtector(bytes(32), SECRET),
        parse_finvoice=parse_finvoice,
        clock=clock,
    )


@pytest.fixture
def centre(store: Store, clock: Clock) -> MessageCentre:
    return MessageCentre(fake_uow_factory(store), clock)


async def import_invoice(handlers: InvoiceHandlers, **changes: object) -> Invoice:
    return (await handlers.import_finvoice(ImportFinvoice(finvoice_xml(**changes)))).invoice


async def give_consent(
    centre: MessageCentre, party: str, email: str = "matti@example.fi", request_id: str = ""
) -> None:
    await centre.update_consent(
        UpdateLetterConsent(
            party, True, EmailAddress.parse(email), ConsentChannel.MYROPO, party, request_id
        )
    )


async def withdraw_consent(centre: MessageCentre, party: str) -> None:
    await centre.update_consent(
        UpdateLetterConsent(party, False, None, ConsentChannel.CUSTOMER_SERVICE, "staffUsers/a1")
    )


async def issue_reminder(store: Store, invoice_id: str, when: datetime) -> Letter:
    """A reminder issued through the delivery hook, as the collection run does."""
    uow = fake_uow_factory(store)()
    async with uow:
        invoice = await uow.invoices.get(invoice_id)
        assert invoice is not None
        before = letter_ids(invoice)
        letter = Letter(
            id=f"reminder-{len(before)}",
            type=LetterType.REMINDER,
            issued_on=when.date(),
            due_date=when.date() + timedelta(days=14),
            fee=Money.from_minor_units(500, "EUR"),
            open_amount=Money.from_minor_units(12900, "EUR"),
            sequence=len(before) + 1,
        )
        invoice.letters = (*invoice.letters, letter)
        await keep_new_letters(uow, FakeRenderer(), invoice, before, when)
        await uow.commit()
    return letter


# ---------------------------------------------------------------------------- delivery


async def test_the_imported_invoice_is_delivered_on_paper_without_a_consent(
    handlers: InvoiceHandlers, store: Store
) -> None:
    invoice = await import_invoice(handlers)
    delivery = stored_delivery(store.messages, invoice.id, invoice.id)
    assert delivery.type is DeliveryType.INVOICE
    assert delivery.channel is LetterChannel.PAPER
    assert delivery.recipient_party == invoice.debtor.party
    assert delivery.due_date == date(2026, 9, 15)
    assert delivery.created_at == NOW
    assert not delivery.is_read
    assert store.messages.emails == {}


async def test_with_a_consent_the_invoice_is_electronic_and_an_email_is_written(
    handlers: InvoiceHandlers, centre: MessageCentre, store: Store
) -> None:
    party = (await import_invoice(handlers, number="1")).debtor.party
    await give_consent(centre, party)

    invoice = await import_invoice(handlers, number="2", language="SV")

    delivery = stored_delivery(store.messages, invoice.id, invoice.id)
    assert delivery.channel is LetterChannel.ELECTRONIC
    (email,) = store.messages.emails.values()
    assert email.to_address == "matti@example.fi"
    assert email.subject == "Nytt brev i MyRopo"
    assert "Faktura" in email.body
    assert "{portal_url}/viestit" in email.body
    for secret in ("124", HETU_MATTI, "1232", invoice.debtor.name):
        assert secret not in email.body and secret not in email.subject


async def test_new_letters_follow_the_consent_at_the_moment_of_issue(
    handlers: InvoiceHandlers, centre: MessageCentre, store: Store, clock: Clock
) -> None:
    invoice = await import_invoice(handlers)
    await give_consent(centre, invoice.debtor.party)
    clock.now = NOW + timedelta(days=30)
    electronic = await issue_reminder(store, invoice.id, clock.now)
    await withdraw_consent(centre, invoice.debtor.party)
    paper = await issue_reminder(store, invoice.id, clock.now + timedelta(days=15))

    first = stored_delivery(store.messages, invoice.id, electronic.id)
    second = stored_delivery(store.messages, invoice.id, paper.id)
    assert (first.type, first.channel) == (DeliveryType.REMINDER, LetterChannel.ELECTRONIC)
    assert first.due_date == electronic.due_date
    assert second.channel is LetterChannel.PAPER
    (email,) = store.messages.emails.values()  # only the electronic one told by e-mail
    assert "Maksumuistutus" in email.body
    assert "129" not in email.body and "5,00" not in email.body


async def test_an_organisation_gets_paper(handlers: InvoiceHandlers, store: Store) -> None:
    invoice = await import_invoice(handlers, buyer_id=BUYER_COMPANY_ID, buyer_tax_code=None)
    delivery = stored_delivery(store.messages, invoice.id, invoice.id)
    assert delivery.recipient_party.startswith("organizations/")
    assert delivery.channel is LetterChannel.PAPER


async def test_a_credit_note_or_a_reimport_delivers_nothing_new(
    handlers: InvoiceHandlers, store: Store
) -> None:
    await import_invoice(handlers)
    await import_invoice(handlers)
    assert len(store.messages.deliveries) == 1


async def test_a_refund_letter_is_delivered_once(
    handlers: InvoiceHandlers, centre: MessageCentre, store: Store
) -> None:
    invoice = await import_invoice(handlers)
    await give_consent(centre, invoice.debtor.party)
    opened = NOW + timedelta(days=3)
    command = DeliverRefundLetter(
        invoice.id, "case-1", invoice.debtor.party, opened, opened + timedelta(seconds=2)
    )

    assert await deliver_refund_letter(command, fake_uow_factory(store)())
    assert not await deliver_refund_letter(command, fake_uow_factory(store)())

    delivery = stored_delivery(store.messages, invoice.id, "case-1")
    assert delivery.type is DeliveryType.REFUND_LETTER
    assert delivery.refund_case == "case-1"
    assert delivery.channel is LetterChannel.ELECTRONIC
    assert delivery.due_date is None and delivery.created_at == opened
    (email,) = store.messages.emails.values()
    assert email.created_at == opened + timedelta(seconds=2)


async def test_a_refund_letter_of_an_unknown_invoice_is_refused(store: Store) -> None:
    command = DeliverRefundLetter("nope", "case-1", "persons/k1", NOW, NOW)
    with pytest.raises(InvoiceNotFound):
        await deliver_refund_letter(command, fake_uow_factory(store)())


# ----------------------------------------------------------------------------- consent


async def test_consent_changes_are_recorded_and_withdrawal_forgets_the_address(
    handlers: InvoiceHandlers, centre: MessageCentre, clock: Clock
) -> None:
    party = (await import_invoice(handlers)).debtor.party
    never = await centre.get_consent(party)
    assert not never.consent.electronic and never.changes == ()

    await give_consent(centre, party)
    clock.now = NOW + timedelta(hours=1)
    await give_consent(centre, party)  # the same again: no change
    clock.now = NOW + timedelta(hours=2)
    await withdraw_consent(centre, party)

    view = await centre.get_consent(party)
    assert not view.consent.electronic
    assert view.consent.notification_email == ""
    assert view.consent.updated_at == NOW + timedelta(hours=2)
    assert [(c.electronic, c.channel, c.actor) for c in view.changes] == [
        (True, ConsentChannel.MYROPO, party),
        (False, ConsentChannel.CUSTOMER_SERVICE, "staffUsers/a1"),
    ]


async def test_a_new_address_is_a_change(centre: MessageCentre) -> None:
    await give_consent(centre, "persons/k1", "old@example.fi")
    await give_consent(centre, "persons/k1", "new@example.fi")
    view = await centre.get_consent("persons/k1")
    assert view.consent.notification_email == "new@example.fi"
    assert len(view.changes) == 2


async def test_consent_request_id_replays_and_refuses_reuse(
    centre: MessageCentre, clock: Clock
) -> None:
    await give_consent(centre, "persons/k1", request_id=REQUEST.format(1))
    clock.now = NOW + timedelta(hours=1)
    await give_consent(centre, "persons/k1", request_id=REQUEST.format(1))
    view = await centre.get_consent("persons/k1")
    assert len(view.changes) == 1 and view.consent.updated_at == NOW
    with pytest.raises(RequestIdReused):
        await give_consent(centre, "persons/k1", "other@example.fi", REQUEST.format(1))


# ------------------------------------------------------------------------------ reading


async def test_only_the_recipient_marks_a_letter_read_and_the_first_time_stays(
    handlers: InvoiceHandlers, centre: MessageCentre, store: Store, clock: Clock
) -> None:
    invoice = await import_invoice(handlers)
    party = invoice.debtor.party

    with pytest.raises(LetterNotFound):
        await centre.mark_letter_read(MarkLetterRead(invoice.id, invoice.id, "persons/other"))
    with pytest.raises(LetterNotFound):
        await centre.mark_letter_read(MarkLetterRead(invoice.id, "missing", party))
    assert not stored_delivery(store.messages, invoice.id, invoice.id).is_read

    clock.now = NOW + timedelta(days=1)
    read = await centre.mark_letter_read(
        MarkLetterRead(invoice.id, invoice.id, party, REQUEST.format(2))
    )
    clock.now = NOW + timedelta(days=2)
    again = await centre.mark_letter_read(MarkLetterRead(invoice.id, invoice.id, party))
    replay = await centre.mark_letter_read(
        MarkLetterRead(invoice.id, invoice.id, party, REQUEST.format(2))
    )
    for entry in (read, again, replay):
        assert entry.delivery.read_at == NOW + timedelta(days=1)
    assert stored_delivery(store.messages, invoice.id, invoice.id).read_at == NOW + timedelta(
        days=1
    )
    assert read.invoice_number == "1001" and read.creditor_name == "Testi-yritys Oy"


# ------------------------------------------------------------------------------- lists


async def test_lists_are_newest_first_by_pages_and_can_skip_read_ones(
    handlers: InvoiceHandlers, centre: MessageCentre, clock: Clock
) -> None:
    party = ""
    ids: list[str] = []
    for day in range(1, 6):
        clock.now = NOW + timedelta(days=day)
        invoice = await import_invoice(handlers, number=f"N{day}")
        party, ids = invoice.debtor.party, [*ids, invoice.id]
    clock.now = NOW + timedelta(days=10)
    await centre.mark_letter_read(MarkLetterRead(ids[4], ids[4], party))

    seen: list[str] = []
    token = ""
    while True:
        page = await centre.list_letters(ListLetters(LetterFilter(party), 2, token))
        seen += [entry.delivery.invoice_id for entry in page.letters]
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(ids))

    unread = await centre.list_letters(ListLetters(LetterFilter(party, unread_only=True)))
    assert [entry.delivery.invoice_id for entry in unread.letters] == list(reversed(ids[:4]))
    one = await centre.list_letters(ListLetters(LetterFilter(invoice_id=ids[0])))
    assert [entry.delivery.letter_id for entry in one.letters] == [ids[0]]

    first = await centre.list_letters(ListLetters(LetterFilter(party), 2))
    with pytest.raises(InvalidPageToken):
        await centre.list_letters(
            ListLetters(LetterFilter(party, unread_only=True), 2, first.next_page_token)
        )
    with pytest.raises(InvalidPageToken):
        await centre.list_letters(ListLetters(LetterFilter(party), 2, "not-a-token"))
