"""What a payment-time letter shows: the confirmation of a due-date extension or a
payment plan, and the reminder of a missed plan instalment.

The letters carry no fee of their own: a confirmation states the extension or plan
fee already charged; a plan reminder asks only for the missed instalment.
"""

from __future__ import annotations

from dataclasses import dataclass

from ropo_platform.money import Money

from ropo_invoice.adapters.documents import AmountRow, LetterKind
from ropo_invoice.adapters.documents.texts import format_date
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.payment_plan import Instalment, PaymentPlan

_EXTENSION_INTRO = {
    Language.FI: (
        "Laskun eräpäivää on siirretty. Uusi eräpäivä on {pay_by}. "
        "Siirron maksu on {fee}, ja se sisältyy alla olevaan summaan."
    ),
    Language.SV: (
        "Fakturans förfallodag har flyttats. Den nya förfallodagen är {pay_by}. "
        "Avgiften för flytten är {fee} och ingår i beloppet nedan."
    ),
    Language.EN: (
        "The invoice's due date has been extended. The new due date is {pay_by}. "
        "The extension fee is {fee} and is included in the amount below."
    ),
}
_PLAN_INTRO = {
    Language.FI: (
        "Laskulle on tehty {count} erän maksusuunnitelma. Suunnitelman maksu on {fee}, ja "
        "maksettava yhteensä {total}. Maksa kukin erä eräpäivään mennessä; ensimmäinen "
        "erä erääntyy {pay_by}."
    ),
    Language.SV: (
        "En betalningsplan med {count} rater har gjorts för fakturan. Planens avgift är "
        "{fee} och totalt att betala {total}. Betala varje rat senast på dess förfallodag; "
        "den första raten förfaller {pay_by}."
    ),
    Language.EN: (
        "A payment plan of {count} instalments has been made for the invoice. The plan "
        "fee is {fee} and the total to pay {total}. Pay each instalment by its due date; "
        "the first instalment is due on {pay_by}."
    ),
}
_REMINDER_INTRO = {
    Language.FI: (
        "Maksusuunnitelman erä {number} ({amount}, eräpäivä {due}) on maksamatta. Maksa "
        "erä viimeistään {pay_by}, muuten maksusuunnitelma päättyy ja perintä jatkuu. "
        "Tästä muistutuksesta ei peritä maksua."
    ),
    Language.SV: (
        "Betalningsplanens rat {number} ({amount}, förfallodag {due}) är obetald. Betala "
        "raten senast {pay_by}, annars upphör betalningsplanen och indrivningen fortsätter. "
        "Ingen avgift tas ut för denna påminnelse."
    ),
    Language.EN: (
        "Instalment {number} of the payment plan ({amount}, due {due}) is unpaid. Pay it by "
        "{pay_by} at the latest, or the payment plan ends and collection continues. "
        "There is no fee for this reminder."
    ),
}
_INSTALMENT = {
    Language.FI: "Erä {number}, eräpäivä {due}",
    Language.SV: "Rat {number}, förfallodag {due}",
    Language.EN: "Instalment {number}, due {due}",
}


def is_payment_time_letter(letter: Letter) -> bool:
    """True for the letters this module draws."""
    return letter.type in (LetterType.PAYMENT_TIME_CONFIRMATION, LetterType.PAYMENT_PLAN_REMINDER)


@dataclass(frozen=True, slots=True)
class PaymentTimeParts:
    """What differs from a collection letter: kind, amount rows and opening paragraph.

    ``rows`` is ``None`` when the letter shows the open components like a collection
    letter does (an extension: everything is due on the new date).
    """

    kind: LetterKind
    rows: tuple[AmountRow, ...] | None
    intro: str


def payment_time_parts(invoice: Invoice, letter: Letter) -> PaymentTimeParts:
    """The kind, rows and intro of a payment-time ``letter`` in the debtor's language."""
    language = invoice.debtor.language
    plan = _plan_of(invoice, letter)
    if letter.type is LetterType.PAYMENT_PLAN_REMINDER and plan is not None:
        missed = plan.first_missed(letter.issued_on) or plan.instalments[0]
        intro = _REMINDER_INTRO[language].format(
            number=missed.number,
            amount=missed.open_amount.format(language.value),
            due=format_date(missed.due_date),
            pay_by=format_date(letter.due_date),
        )
        row = AmountRow(_instalment_label(missed, language), missed.open_amount)
        return PaymentTimeParts(LetterKind.PAYMENT_PLAN_REMINDER, (row,), intro)
    fee = letter.fee if letter.fee is not None else Money.zero(invoice.currency)
    if plan is not None:
        rows = tuple(
            AmountRow(_instalment_label(instalment, language), instalment.open_amount)
            for instalment in plan.instalments
        )
        intro = _PLAN_INTRO[language].format(
            count=len(plan.instalments),
            fee=fee.format(language.value),
            total=plan.total_amount.format(language.value),
            pay_by=format_date(letter.due_date),
        )
        return PaymentTimeParts(LetterKind.PAYMENT_TIME_CONFIRMATION, rows, intro)
    intro = _EXTENSION_INTRO[language].format(
        pay_by=format_date(letter.due_date), fee=fee.format(language.value)
    )
    return PaymentTimeParts(LetterKind.PAYMENT_TIME_CONFIRMATION, None, intro)


def _plan_of(invoice: Invoice, letter: Letter) -> PaymentPlan | None:
    # A plan confirmation is issued the day the plan is made, pay-by its first
    # instalment; a plan reminder belongs to the plan whose instalment it names.
    for plan in reversed(invoice.payment_plans):
        if letter.type is LetterType.PAYMENT_PLAN_REMINDER:
            if plan.created_at.date() <= letter.issued_on:
                return plan
        elif (
            plan.created_at.date() == letter.issued_on
            and plan.instalments[0].due_date == letter.due_date
        ):
            return plan
    return None


def _instalment_label(instalment: Instalment, language: Language) -> str:
    return _INSTALMENT[language].format(
        number=instalment.number, due=format_date(instalment.due_date)
    )
