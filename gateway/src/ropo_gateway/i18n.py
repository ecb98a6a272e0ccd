"""A small message catalogue for the pages: Finnish by default, Swedish and English beside it.

Keys are stable identifiers; templates call ``t("key")``. A missing translation
falls back to Finnish, so adding a page never breaks the other languages. Dates
are shown as ``d.m.yyyy`` in all three (the convention in Finland), money with
``Money.format(language)`` (``1 696,32 €`` / ``€1,696.32``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from ropo_platform.money import Money

DEFAULT_LANGUAGE: Final = "fi"
LANGUAGES: Final = ("fi", "sv", "en")
LANGUAGE_COOKIE: Final = "ropo_lang"

_FI: Final[dict[str, str]] = {
    "app.name": "MyRopo",
    "nav.skip": "Siirry sisältöön",
    "nav.logout": "Kirjaudu ulos",
    "nav.login": "Kirjaudu sisään",
    "landing.title": "MyRopo – laskusi yhdessä paikassa",
    "landing.heading": "Tervetuloa MyRopoon",
    "landing.intro": (
        "MyRopossa näet laskusi, maksat ne ja hoidat maksuaikaa koskevat asiat. "
        "Kirjaudu sisään pankkitunnuksilla tai mobiilivarmenteella."
    ),
    "dashboard.title": "Omat laskut – MyRopo",
    "dashboard.welcome": "Tervetuloa!",
    "dashboard.logged_in_as": "Olet kirjautunut nimellä {name} ({masked_id}).",
    "dashboard.invoices": "Laskut",
    "dashboard.archive": "Arkisto",
    "dashboard.invoices_caption": "Avoimet laskut",
    "dashboard.archive_caption": "Maksetut ja päättyneet laskut",
    "dashboard.no_invoices": "Sinulla ei ole avoimia laskuja.",
    "dashboard.no_archive": "Arkistossa ei ole laskuja.",
    "column.creditor": "Laskuttaja",
    "column.invoice_number": "Laskun numero",
    "column.due_date": "Eräpäivä",
    "column.open_amount": "Avoinna",
    "column.status": "Tila",
    "logged_out.title": "Uloskirjautuminen – MyRopo",
    "logged_out.heading": "Olet kirjautunut ulos",
    "logged_out.body": "Istuntosi on päättynyt. Voit sulkea selaimen tai kirjautua uudelleen.",
    "error.title": "Virhe – MyRopo",
    "error.back": "Palaa etusivulle",
    "error.retry_login": "Kirjaudu uudelleen",
    "error.unavailable.heading": "Palvelu ei ole juuri nyt käytettävissä",
    "error.unavailable.body": "Yritä hetken kuluttua uudelleen.",
    "error.login_failed.heading": "Kirjautuminen epäonnistui",
    "error.login_failed.body": "Tunnistautumista ei voitu vahvistaa. Yritä kirjautua uudelleen.",
    "error.login_cancelled.heading": "Kirjautuminen keskeytyi",
    "error.login_cancelled.body": "Tunnistautuminen peruttiin. Voit yrittää uudelleen.",
    "error.login_expired.heading": "Kirjautuminen vanhentui",
    "error.login_expired.body": "Kirjautuminen kesti liian kauan tai se aloitettiin toisessa "
    "ikkunassa. Aloita kirjautuminen uudelleen.",
    "error.forbidden.heading": "Toimintoa ei voitu suorittaa",
    "error.forbidden.body": "Lomake oli vanhentunut. Lataa sivu uudelleen ja yritä uudestaan.",
    "error.not_found.heading": "Sivua ei löytynyt",
    "error.not_found.body": "Hakemaasi sivua ei ole olemassa.",
    "error.bad_request.heading": "Virheellinen pyyntö",
    "error.bad_request.body": "Pyyntöä ei voitu käsitellä.",
    "error.login.heading": "Kirjaudu sisään",
    "error.login.body": "Tämä sivu näkyy vain kirjautuneille käyttäjille.",
    "error.internal.heading": "Tapahtui odottamaton virhe",
    "error.internal.body": "Virhe on kirjattu. Yritä hetken kuluttua uudelleen.",
}

_SV: Final[dict[str, str]] = {
    "nav.skip": "Hoppa till innehållet",
    "nav.logout": "Logga ut",
    "nav.login": "Logga in",
    "landing.title": "MyRopo – dina fakturor på ett ställe",
    "landing.heading": "Välkommen till MyRopo",
    "landing.intro": (
        "I MyRopo ser du dina fakturor, betalar dem och sköter betalningstiden. "
        "Logga in med bankkoder eller mobilcertifikat."
    ),
    "dashboard.title": "Mina fakturor – MyRopo",
    "dashboard.welcome": "Välkommen!",
    "dashboard.logged_in_as": "Du är inloggad som {name} ({masked_id}).",
    "dashboard.invoices": "Fakturor",
    "dashboard.archive": "Arkiv",
    "dashboard.invoices_caption": "Öppna fakturor",
    "dashboard.archive_caption": "Betalda och avslutade fakturor",
    "dashboard.no_invoices": "Du har inga öppna fakturor.",
    "dashboard.no_archive": "Arkivet är tomt.",
    "column.creditor": "Fakturerare",
    "column.invoice_number": "Fakturanummer",
    "column.due_date": "Förfallodag",
    "column.open_amount": "Öppet",
    "column.status": "Status",
    "logged_out.heading": "Du har loggat ut",
    "error.unavailable.heading": "Tjänsten är inte tillgänglig just nu",
    "error.unavailable.body": "Försök igen om en stund.",
    "error.login_failed.heading": "Inloggningen misslyckades",
}

_EN: Final[dict[str, str]] = {
    "nav.skip": "Skip to content",
    "nav.logout": "Log out",
    "nav.login": "Log in",
    "landing.title": "MyRopo – your invoices in one place",
    "landing.heading": "Welcome to MyRopo",
    "landing.intro": (
        "In MyRopo you see your invoices, pay them and arrange more time to pay. "
        "Log in with your online banking codes or mobile certificate."
    ),
    "dashboard.title": "My invoices – MyRopo",
    "dashboard.welcome": "Welcome!",
    "dashboard.logged_in_as": "You are logged in as {name} ({masked_id}).",
    "dashboard.invoices": "Invoices",
    "dashboard.archive": "Archive",
    "dashboard.invoices_caption": "Open invoices",
    "dashboard.archive_caption": "Paid and closed invoices",
    "dashboard.no_invoices": "You have no open invoices.",
    "dashboard.no_archive": "The archive is empty.",
    "column.creditor": "Creditor",
    "column.invoice_number": "Invoice number",
    "column.due_date": "Due date",
    "column.open_amount": "Open",
    "column.status": "Status",
    "logged_out.heading": "You have logged out",
    "error.unavailable.heading": "The service is not available right now",
    "error.unavailable.body": "Please try again in a moment.",
    "error.login_failed.heading": "Login failed",
}

CATALOGUE: Final[Mapping[str, Mapping[str, str]]] = {"fi": _FI, "sv": _SV, "en": _EN}


def negotiate_language(cookie_value: str | None) -> str:
    """The language of a request: the chosen one when supported, else Finnish."""
    return cookie_value if cookie_value in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Translator:
    """Messages and formats of one language, passed to the templates as ``t``/``fmt_*``."""

    language: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        text = CATALOGUE.get(self.language, _FI).get(key) or _FI.get(key, key)
        return text.format(**values) if values else text

    def date(self, value: date | None) -> str:
        """``d.m.yyyy`` without leading zeros, e.g. ``5.3.2025``; empty for no date."""
        return "" if value is None else f"{value.day}.{value.month}.{value.year}"

    def money(self, value: Money) -> str:
        """``1 696,32 €`` (fi, sv) or ``€1,696.32`` (en)."""
        return value.format(self.language)
