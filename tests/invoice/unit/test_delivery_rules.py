"""The pure rules of letter delivery: the channel, the consent, e-mail addresses,
delivery types and titles, and reading a letter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from ropo_invoice.domain.delivery import (
    MAX_EMAIL_LENGTH,
    ConsentChannel,
    DeliveryType,
    EmailAddress,
    LetterChannel,
    LetterConsent,
    LetterDelivery,
    choose_channel,
    letter_title,
)
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.letters import LetterType
from ropo_invoice.domain.party import Language

PERSON = "persons/k-matti"
OTHER = "persons/k-maija"
COMPANY = "organizations/0112038-9"
NOW = datetime(2026, 9, 30, 6, 0, tzinfo=UTC)


def consent(party: str = PERSON) -> LetterConsent:
    given, _ = LetterConsent.never_given(party).give(
        EmailAddress.parse("matti@example.fi"), ConsentChannel.MYROPO, party, NOW
    )
    return given


# ---------------------------------------------------------------------------- channel


def test_electronic_only_for_a_person_with_their_own_recorded_consent() -> None:
    assert choose_channel(PERSON, consent()) is LetterChannel.ELECTRONIC


@pytest.mark.parametrize(
    ("party", "recorded"),
    [
        (PERSON, None),  # never consented
        (PERSON, LetterConsent.never_given(PERSON)),
        (OTHER, None),
        (COMPANY, None),
        ("", None),  # an unidentified debtor
    ],
)
def test_paper_without_a_recorded_consent(party: str, recorded: LetterConsent | None) -> None:
    assert choose_channel(party, recorded) is LetterChannel.PAPER


def test_someone_elses_consent_never_makes_a_letter_electronic() -> None:
    assert choose_channel(OTHER, consent(PERSON)) is LetterChannel.PAPER


def test_a_withdrawn_consent_means_paper_again() -> None:
    withdrawn, change = consent().withdraw(ConsentChannel.CUSTOMER_SERVICE, "staffUsers/a1", NOW)
    assert choose_channel(PERSON, withdrawn) is LetterChannel.PAPER
    assert change.electronic is False
    assert change.channel is ConsentChannel.CUSTOMER_SERVICE


# ---------------------------------------------------------------------------- consent


def test_giving_keeps_the_address_and_records_who_where_when() -> None:
    given, change = LetterConsent.never_given(PERSON).give(
        EmailAddress.parse(" Matti.M@Example.FI "), ConsentChannel.MYROPO, PERSON, NOW
    )
    assert given.electronic and given.notification_email == "Matti.M@example.fi"
    assert given.updated_at == NOW
    assert (change.party, change.electronic, change.actor, change.changed_at) == (
        PERSON,
        True,
        PERSON,
        NOW,
    )


def test_withdrawing_forgets_the_address() -> None:
    withdrawn, _ = consent().withdraw(ConsentChannel.MYROPO, PERSON, NOW + timedelta(days=1))
    assert not withdrawn.electronic
    assert withdrawn.notification_email == ""


@pytest.mark.parametrize(
    ("party", "electronic", "email"),
    [
        (COMPANY, False, ""),  # only persons consent
        (PERSON, True, ""),  # electronic needs an address
        (PERSON, False, "matti@example.fi"),  # no address kept without the consent
    ],
)
def test_consent_invariants(party: str, electronic: bool, email: str) -> None:
    with pytest.raises(InvalidValue):
        LetterConsent(party, electronic, email, NOW)


# ----------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "text",
    [
        "matti@example.fi",
        "matti.meikalainen+laskut@posti.example.com",
        "a!#$%&'*+/=?^_`{|}~-b@sub-domain.example.org",
        "x@xn--kkk-una.fi",
        "1@2.fi",
        f"{'a' * 64}@example.fi",
    ],
)
def test_accepted_addresses(text: str) -> None:
    assert EmailAddress.is_valid(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "matti",
        "matti@",
        "@example.fi",
        "matti@@example.fi",
        "matti@example",  # a single label
        "matti@example.test",  # a special-use name
        "matti@example.123",  # a numeric top-level domain
        "matti@-example.fi",
        "matti@example-.fi",
        "matti@exa_mple.fi",
        "matti@example..fi",
        ".matti@example.fi",
        "matti.@example.fi",
        "ma..tti@example.fi",
        '"matti"@example.fi',
        "matti meikäläinen@example.fi",
        "matti@[192.0.2.1]",
        "matti@example.fi\nBcc: x@example.fi",  # header injection
        f"{'a' * 65}@example.fi",
        f"matti@{'a' * 64}.fi",
    ],
)
def test_refused_addresses(text: str) -> None:
    assert not EmailAddress.is_valid(text)


def test_an_international_domain_is_kept_in_its_ascii_form() -> None:
    assert EmailAddress.parse("matti@exämple.fi").value == "matti@xn--exmple-cua.fi"


def test_the_whole_address_is_at_most_254_characters() -> None:
    domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "fi"])  # 194 characters
    local = "m" * 59
    longest = f"{local}@{domain}"
    assert len(longest) == MAX_EMAIL_LENGTH
    assert EmailAddress.is_valid(longest)
    assert not EmailAddress.is_valid("m" + longest)


def test_errors_never_repeat_the_address() -> None:
    with pytest.raises(InvalidValue) as caught:
        EmailAddress.parse("secret.person@exa_mple.fi")
    assert "secret" not in caught.value.description


# ------------------------------------------------------------------- types and titles


def test_every_letter_type_has_a_delivery_type() -> None:
    assert {DeliveryType.of(t).value for t in LetterType} == {t.value for t in LetterType}
    assert set(DeliveryType) - {DeliveryType.of(t) for t in LetterType} == {
        DeliveryType.REFUND_LETTER
    }


def test_every_type_has_a_title_in_every_language() -> None:
    for delivery_type in DeliveryType:
        titles = {letter_title(delivery_type, language) for language in Language}
        assert len(titles) == len(Language), delivery_type
    assert letter_title(DeliveryType.INVOICE, Language.FI) == "Lasku"
    assert letter_title(DeliveryType.INVOICE, Language.SV) == "Faktura"
    assert letter_title(DeliveryType.INVOICE, Language.EN) == "Invoice"
    assert letter_title(DeliveryType.REMINDER, Language.FI) == "Maksumuistutus"
    assert letter_title(DeliveryType.PAYMENT_DEMAND, Language.FI) == "Maksuvaatimus"
    assert letter_title(DeliveryType.PAYMENT_MONITORING_LETTER, Language.FI) == "Maksuvalvontakirje"
    assert letter_title(DeliveryType.PAYMENT_TIME_CONFIRMATION, Language.FI) == (
        "Maksuaikavahvistus"
    )
    assert letter_title(DeliveryType.CUSTOMER_SERVICE_MESSAGE, Language.FI) == (
        "Asiakaspalvelun viesti"
    )
    assert letter_title(DeliveryType.REFUND_LETTER, Language.FI) == "Palautuskirje"
    assert letter_title(DeliveryType.PAYMENT_PLAN_REMINDER, Language.FI) == (
        "Maksusuunnitelman muistutus"
    )


def test_messages_and_refund_letters_ask_for_no_payment() -> None:
    assert not DeliveryType.CUSTOMER_SERVICE_MESSAGE.asks_for_payment
    assert not DeliveryType.REFUND_LETTER.asks_for_payment
    assert DeliveryType.REMINDER.asks_for_payment and DeliveryType.INVOICE.asks_for_payment


# ---------------------------------------------------------------------------- delivery


def delivery(**changes: object) -> LetterDelivery:
    values: dict[str, object] = {
        "invoice_id": "inv-1",
        "letter_id": "let-1",
        "recipient_party": PERSON,
        "type": DeliveryType.REMINDER,
        "channel": LetterChannel.ELECTRONIC,
        "created_at": NOW,
        "due_date": date(2026, 10, 14),
    }
    values.update(changes)
    return LetterDelivery(**values)  # type: ignore[arg-type]


def test_the_first_reading_time_is_kept() -> None:
    unread = delivery()
    first = unread.read(NOW + timedelta(hours=1))
    again = first.read(NOW + timedelta(days=2))
    assert not unread.is_read and first.is_read
    assert again.read_at == NOW + timedelta(hours=1)
    assert first.name == "invoices/inv-1/letters/let-1"


def test_only_the_recipient_is_addressed() -> None:
    letter = delivery()
    assert letter.is_addressed_to(PERSON)
    assert not letter.is_addressed_to(OTHER)
    unidentified = delivery(recipient_party="", channel=LetterChannel.PAPER)
    assert not unidentified.is_addressed_to("")


@pytest.mark.parametrize(
    "changes",
    [
        {"recipient_party": COMPANY},  # electronic to an organisation
        {"recipient_party": ""},
        {"type": DeliveryType.REFUND_LETTER},  # without its case
        {"read_at": NOW - timedelta(seconds=1)},
    ],
)
def test_delivery_invariants(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        delivery(**changes)
