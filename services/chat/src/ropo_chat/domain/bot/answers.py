"""The bot's answer to an intent: a text in the customer's language and links to the MyRopo
pages that do what was asked. With a logged-in person's facts the answer names their open
invoices (at most ``MAX_LISTED``, soonest due first), each with its own link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from ropo_platform.money import Money

from ropo_chat.domain.bot import paths
from ropo_chat.domain.bot.answer_texts import ENGLISH_MONTHS, TEXTS, Texts
from ropo_chat.domain.bot.facts import InvoiceFact, PersonFacts
from ropo_chat.domain.bot.intents import Intent

#: How many invoices an answer lists; the rest are counted and linked through the front page.
MAX_LISTED: Final = 5
#: Consumer caps of the Debt Collection Act quoted in the costs answer.
REMINDER_CAP: Final = Money.eur(5)
EXTENSION_CAP: Final = Money.eur(5)


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    path: str


@dataclass(frozen=True, slots=True)
class BotAnswer:
    text: str
    links: tuple[Link, ...] = ()


def format_date(day: date, language: str) -> str:
    """5.3.2026 in Finnish and Swedish, 5 March 2026 in English."""
    if language == "en":
        return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"


def answer_for(intent: Intent, language: str, facts: PersonFacts | None) -> BotAnswer:
    """The answer to ``intent`` in ``language`` ("fi", "sv" or "en"); ``facts`` when the person
    is logged in, else ``None``."""
    if language not in TEXTS:
        raise ValueError(f"unsupported language {language!r}")
    return _ANSWERS[intent](_Context(TEXTS[language], language, facts))


def handoff_answer(language: str) -> BotAnswer:
    """What the bot says when it passes the conversation to a person on its own initiative."""
    if language not in TEXTS:
        raise ValueError(f"unsupported language {language!r}")
    return BotAnswer(TEXTS[language].handoff)


@dataclass(frozen=True, slots=True)
class _Context:
    texts: Texts
    language: str
    facts: PersonFacts | None

    def line(self, invoice: InvoiceFact, status: str = "") -> str:
        text = self.texts.invoice_line.format(
            creditor=invoice.creditor_name,
            number=invoice.invoice_number,
            amount=invoice.open_amount.format(self.language),
            due=format_date(invoice.due_date, self.language),
        )
        return f"– {text}" + (f" – {status}" if status else "")


_Line = Callable[[InvoiceFact], tuple[str, Link]]


def _listing(context: _Context, general: str, intro: str, line: _Line) -> BotAnswer:
    """The general answer for an anonymous visitor; for a person, their open invoices."""
    texts = context.texts
    if context.facts is None:
        return BotAnswer(general, (Link(texts.invoices_label, paths.FRONT_PAGE),))
    invoices = context.facts.open_invoices()
    if not invoices:
        return BotAnswer(texts.no_open_invoices, (Link(texts.find_label, paths.FIND_INVOICE),))
    shown = [line(invoice) for invoice in invoices[:MAX_LISTED]]
    lines = [general, intro, *(text for text, _ in shown)]
    links = [link for _, link in shown]
    if len(invoices) > MAX_LISTED:
        lines.append(texts.more_invoices.format(count=len(invoices) - MAX_LISTED))
        links.append(Link(texts.invoices_label, paths.FRONT_PAGE))
    return BotAnswer("\n".join(lines), tuple(links))


def _greeting(context: _Context) -> BotAnswer:
    texts = context.texts
    if context.facts is None:
        return BotAnswer(texts.greeting)
    count = len(context.facts.open_invoices())
    if count == 0:
        return BotAnswer(texts.greeting)
    summary = texts.one_open if count == 1 else texts.many_open.format(count=count)
    return BotAnswer(f"{texts.greeting} {summary}", (Link(texts.invoices_label, paths.FRONT_PAGE),))


def _pay(context: _Context) -> BotAnswer:
    texts = context.texts

    def line(invoice: InvoiceFact) -> tuple[str, Link]:
        label = texts.pay_label.format(number=invoice.invoice_number)
        return context.line(invoice), Link(label, paths.pay(invoice.invoice_id))

    return _listing(context, texts.pay_general, texts.pay_intro, line)


def _possibility(possible: bool | None, yes: str, no: str, unknown: str) -> tuple[str, bool]:
    """The status text and whether the action's link applies (not when it is impossible)."""
    if possible is None:
        return unknown, True
    return (yes, True) if possible else (no, False)


def _extension(context: _Context) -> BotAnswer:
    texts = context.texts

    def line(invoice: InvoiceFact) -> tuple[str, Link]:
        status, actionable = _possibility(
            invoice.extension_possible,
            texts.extension_yes,
            texts.extension_no,
            texts.extension_unknown,
        )
        if actionable:
            label = texts.extension_label.format(number=invoice.invoice_number)
            link = Link(label, paths.payment_time(invoice.invoice_id))
        else:
            link = _invoice_link(texts, invoice)
        return context.line(invoice, status), link

    return _listing(context, texts.extension_general, texts.extension_intro, line)


def _plan(context: _Context) -> BotAnswer:
    texts = context.texts

    def line(invoice: InvoiceFact) -> tuple[str, Link]:
        status, actionable = _possibility(
            invoice.plan_possible, texts.plan_yes, texts.plan_no, texts.plan_unknown
        )
        if actionable:
            label = texts.plan_label.format(number=invoice.invoice_number)
            link = Link(label, paths.payment_time(invoice.invoice_id))
        else:
            link = _invoice_link(texts, invoice)
        return context.line(invoice, status), link

    return _listing(context, texts.plan_general, texts.plan_intro, line)


def _authorization(context: _Context) -> BotAnswer:
    texts = context.texts

    def line(invoice: InvoiceFact) -> tuple[str, Link]:
        label = texts.authorization_label.format(number=invoice.invoice_number)
        return context.line(invoice), Link(label, paths.authorizations(invoice.invoice_id))

    return _listing(context, texts.authorization_general, texts.authorization_intro, line)


def _image(context: _Context) -> BotAnswer:
    texts = context.texts

    def line(invoice: InvoiceFact) -> tuple[str, Link]:
        label = texts.image_label.format(number=invoice.invoice_number)
        return context.line(invoice), Link(label, paths.invoice_document(invoice.invoice_id))

    return _listing(context, texts.image_general, texts.image_intro, line)


def _invoice_link(texts: Texts, invoice: InvoiceFact) -> Link:
    return Link(
        texts.invoice_label.format(number=invoice.invoice_number), paths.invoice(invoice.invoice_id)
    )


def _invoice_pages(context: _Context, general: str) -> BotAnswer:
    texts = context.texts

    def line(invoice: InvoiceFact) -> tuple[str, Link]:
        return context.line(invoice), _invoice_link(texts, invoice)

    return _listing(context, general, texts.open_intro, line)


def _costs(context: _Context) -> BotAnswer:
    general = context.texts.costs.format(
        reminder_cap=REMINDER_CAP.format(context.language),
        extension_cap=EXTENSION_CAP.format(context.language),
    )
    return _invoice_pages(context, general)


def _dispute(context: _Context) -> BotAnswer:
    return _invoice_pages(context, context.texts.dispute)


def _refund(context: _Context) -> BotAnswer:
    texts = context.texts
    return BotAnswer(texts.refund, (Link(texts.refund_label, paths.REPORT_ACCOUNT),))


def _find(context: _Context) -> BotAnswer:
    texts = context.texts
    return BotAnswer(texts.find, (Link(texts.find_label, paths.FIND_INVOICE),))


def _contact_human(context: _Context) -> BotAnswer:
    return BotAnswer(context.texts.contact_human)


def _unknown(context: _Context) -> BotAnswer:
    texts = context.texts
    return BotAnswer(texts.unknown, (Link(texts.invoices_label, paths.FRONT_PAGE),))


_ANSWERS: Final[dict[Intent, Callable[[_Context], BotAnswer]]] = {
    Intent.GREETING: _greeting,
    Intent.PAY_INVOICE: _pay,
    Intent.DUE_DATE_EXTENSION: _extension,
    Intent.PAYMENT_PLAN: _plan,
    Intent.AUTHORIZATION: _authorization,
    Intent.REFUND_ACCOUNT: _refund,
    Intent.INVOICE_IMAGE: _image,
    Intent.FIND_INVOICE: _find,
    Intent.COLLECTION_COSTS: _costs,
    Intent.DISPUTE: _dispute,
    Intent.CONTACT_HUMAN: _contact_human,
    Intent.UNKNOWN: _unknown,
}
