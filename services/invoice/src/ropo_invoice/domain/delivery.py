"""How letters reach the debtor: on paper or electronically, and the consent behind it.

Every letter issued for an invoice gets a *delivery*: whom it went to, how, and
whether the recipient has opened it in the message centre (*Viestikeskus*).
Electronic delivery replaces paper only with a recorded consent of the person
(``LetterConsent``) at the moment of issue; without one, letters go on paper.
The consent keeps the address for the e-mail that tells of a new letter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from email_validator import EmailNotValidError, validate_email

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.letters import LetterType
from ropo_invoice.domain.party import PERSONS_PREFIX, Language

LETTERS_SEGMENT = "/letters/"
LETTER_CONSENT_SUFFIX = "/letterConsent"
REFUND_CASES_PREFIX = "refundCases/"


class LetterChannel(StrEnum):
    """How a letter was delivered."""

    PAPER = "paper"
    #: To the message centre, with an e-mail notification (only with a recorded consent).
    ELECTRONIC = "electronic"


class DeliveryType(StrEnum):
    """What a delivered letter is: every ``LetterType`` plus the refund letter, which
    the refund service writes and keeps (this service keeps only its delivery)."""

    INVOICE = LetterType.INVOICE.value
    REMINDER = LetterType.REMINDER.value
    PAYMENT_DEMAND = LetterType.PAYMENT_DEMAND.value
    PAYMENT_MONITORING_LETTER = LetterType.PAYMENT_MONITORING_LETTER.value
    PAYMENT_TIME_CONFIRMATION = LetterType.PAYMENT_TIME_CONFIRMATION.value
    PAYMENT_PLAN_REMINDER = LetterType.PAYMENT_PLAN_REMINDER.value
    CUSTOMER_SERVICE_MESSAGE = LetterType.CUSTOMER_SERVICE_MESSAGE.value
    REFUND_LETTER = "refund_letter"

    @classmethod
    def of(cls, letter_type: LetterType) -> DeliveryType:
        """The delivery type of a letter the invoice issued."""
        return cls(letter_type.value)

    @property
    def asks_for_payment(self) -> bool:
        """False for letters that give no pay-by date (messages, refund letters)."""
        return self not in _NO_PAYMENT


_NO_PAYMENT = frozenset({DeliveryType.CUSTOMER_SERVICE_MESSAGE, DeliveryType.REFUND_LETTER})

_TITLES: MappingProxyType[DeliveryType, dict[Language, str]] = MappingProxyType(
    {
        DeliveryType.INVOICE: {
            Language.FI: "Lasku",
            Language.SV: "Faktura",
            Language.EN: "Invoice",
        },
        DeliveryType.REMINDER: {
            Language.FI: "Maksumuistutus",
            Language.SV: "Betalningspåminnelse",
            Language.EN: "Payment reminder",
        },
        DeliveryType.PAYMENT_DEMAND: {
            Language.FI: "Maksuvaatimus",
            Language.SV: "Betalningskrav",
            Language.EN: "Payment demand",
        },
        DeliveryType.PAYMENT_MONITORING_LETTER: {
            Language.FI: "Maksuvalvontakirje",
            Language.SV: "Betalningsövervakningsbrev",
            Language.EN: "Payment monitoring letter",
        },
        DeliveryType.PAYMENT_TIME_CONFIRMATION: {
            Language.FI: "Maksuaikavahvistus",
            Language.SV: "Bekräftelse av betalningstid",
            Language.EN: "Payment time confirmation",
        },
        DeliveryType.PAYMENT_PLAN_REMINDER: {
            Language.FI: "Maksusuunnitelman muistutus",
            Language.SV: "Påminnelse om betalningsplan",
            Language.EN: "Payment plan reminder",
        },
        DeliveryType.CUSTOMER_SERVICE_MESSAGE: {
            Language.FI: "Asiakaspalvelun viesti",
            Language.SV: "Meddelande från kundtjänsten",
            Language.EN: "Message from customer service",
        },
        DeliveryType.REFUND_LETTER: {
            Language.FI: "Palautuskirje",
            Language.SV: "Återbetalningsbrev",
            Language.EN: "Refund letter",
        },
    }
)


def letter_title(delivery_type: DeliveryType, language: Language) -> str:
    """The title shown in the message centre and named in the e-mail."""
    return _TITLES[delivery_type][language]


class ConsentChannel(StrEnum):
    """Where a consent was given or withdrawn."""

    MYROPO = "myropo"
    CUSTOMER_SERVICE = "customer_service"


# ----------------------------------------------------------------------------- e-mail

#: RFC 5321: the whole path is at most 254 characters, the part before @ at most 64.
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """An address notifications can be sent to.

    The syntax is email-validator's (no DNS lookup), deliberately strict: an ASCII part
    before @ of at most 64 characters, no quoted local part, no IP-address literal, a
    domain with a dot that is not a special-use name (``.test``, ``.invalid``,
    ``localhost``…), at most 254 characters. Stored as SMTP takes it: the domain in lower
    case, an international domain in its ``xn--`` form.
    """

    value: str

    @classmethod
    def parse(cls, text: str) -> EmailAddress:
        """The address in ``text`` (surrounding whitespace ignored); ``InvalidValue``
        saying what is wrong, never repeating the address."""
        candidate = text.strip()
        if not candidate:
            raise InvalidValue("the e-mail address is empty")
        if len(candidate) > MAX_EMAIL_LENGTH:
            raise InvalidValue(f"the e-mail address is longer than {MAX_EMAIL_LENGTH} characters")
        if len(candidate.rpartition("@")[0]) > MAX_LOCAL_PART_LENGTH:
            raise InvalidValue("the part before @ is longer than 64 characters")
        try:
            checked = validate_email(
                candidate,
                check_deliverability=False,
                allow_smtputf8=False,
                allow_quoted_local=False,
                allow_domain_literal=False,
            )
        except EmailNotValidError:
            # The library's message quotes the offending characters: not repeated here.
            raise InvalidValue("the e-mail address must have the form name@example.fi") from None
        # The ASCII form (an international domain as xn--…) is what SMTP servers take.
        return cls(checked.ascii_email or checked.normalized)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """True when ``parse`` accepts ``text``."""
        try:
            cls.parse(text)
        except InvalidValue:
            return False
        return True


# ---------------------------------------------------------------------------- consent


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """One recorded change of a consent (who, where, when, to what)."""

    party: str
    electronic: bool
    channel: ConsentChannel
    actor: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class LetterConsent:
    """A person's consent to electronic letters.

    The e-mail address is kept only while the consent holds: withdrawing clears it
    (nothing is kept that is no longer needed).
    """

    party: str
    electronic: bool = False
    notification_email: str = ""
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.party.startswith(PERSONS_PREFIX):
            raise InvalidValue("only a person can consent to electronic letters")
        if self.electronic and not self.notification_email:
            raise InvalidValue("an electronic consent needs a notification e-mail address")
        if not self.electronic and self.notification_email:
            raise InvalidValue("a withdrawn consent keeps no e-mail address")

    @classmethod
    def never_given(cls, party: str) -> LetterConsent:
        """The consent of a person who has never decided: paper."""
        return cls(party)

    def give(
        self, email: EmailAddress, channel: ConsentChannel, actor: str, now: datetime
    ) -> tuple[LetterConsent, ConsentChange]:
        """Consent (again, possibly with a new address) from ``now`` on."""
        consent = replace(self, electronic=True, notification_email=email.value, updated_at=now)
        return consent, ConsentChange(self.party, True, channel, actor, now)

    def withdraw(
        self, channel: ConsentChannel, actor: str, now: datetime
    ) -> tuple[LetterConsent, ConsentChange]:
        """Letters on paper from ``now`` on; the address is forgotten."""
        consent = replace(self, electronic=False, notification_email="", updated_at=now)
        return consent, ConsentChange(self.party, False, channel, actor, now)


def choose_channel(recipient_party: str, consent: LetterConsent | None) -> LetterChannel:
    """ELECTRONIC only for a person whose own recorded consent holds; PAPER otherwise
    (organisations, unidentified debtors, no or a withdrawn consent)."""
    if (
        recipient_party.startswith(PERSONS_PREFIX)
        and consent is not None
        and consent.party == recipient_party
        and consent.electronic
        and consent.notification_email
    ):
        return LetterChannel.ELECTRONIC
    return LetterChannel.PAPER


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterDelivery:
    """One letter delivered to a recipient; ``letter_id`` equals the invoice id for the
    invoice itself and the refund case id for a refund letter."""

    invoice_id: str
    letter_id: str
    #: ``persons/{key}``, ``organizations/{business_id}``, or ``""`` for a debtor known
    #: only by name and address (such letters are listed only by invoice).
    recipient_party: str
    type: DeliveryType
    channel: LetterChannel
    created_at: datetime
    #: The pay-by date the letter gives; ``None`` when it asks for no payment.
    due_date: date | None = None
    #: The refund case id of a refund letter.
    refund_case: str = ""
    read_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.channel is LetterChannel.ELECTRONIC and not self.recipient_party.startswith(
            PERSONS_PREFIX
        ):
            raise InvalidValue("only a person's letters can be delivered electronically")
        if self.type is DeliveryType.REFUND_LETTER and not self.refund_case:
            raise InvalidValue("a refund letter names its refund case")
        if self.read_at is not None and self.read_at < self.created_at:
            raise InvalidValue("a letter cannot be read before it was made")

    @property
    def name(self) -> str:
        """``invoices/{invoice}/letters/{letter}``."""
        return f"invoices/{self.invoice_id}{LETTERS_SEGMENT}{self.letter_id}"

    @property
    def is_read(self) -> bool:
        """True once the recipient opened it."""
        return self.read_at is not None

    def is_addressed_to(self, party: str) -> bool:
        """True when ``party`` is the recipient (an unidentified recipient is nobody)."""
        return bool(self.recipient_party) and self.recipient_party == party

    def read(self, now: datetime) -> LetterDelivery:
        """Opened at ``now``; the first opening time is kept."""
        if self.read_at is not None:
            return self
        return replace(self, read_at=max(now, self.created_at))
