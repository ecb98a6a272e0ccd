"""A small message catalogue for the pages: Finnish by default, Swedish and English beside it.

Keys are stable identifiers; templates call ``t("key")``. A missing translation
falls back to Finnish, so adding a page never breaks the other languages. Dates
are shown as ``d.m.yyyy`` in all three (the convention in Finland), money with
``Money.format(language)`` (``1 696,32 €`` / ``€1,696.32``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Final

from ropo_platform.money import Money

from ropo_gateway.chat_texts import CHAT_TEXTS
from ropo_gateway.letter_texts import LETTER_TEXTS
from ropo_gateway.refund_texts import REFUND_TEXTS

DEFAULT_LANGUAGE: Final = "fi"
LANGUAGES: Final = ("fi", "sv", "en")
LANGUAGE_COOKIE: Final = "ropo_lang"


def _finnish_time() -> tzinfo:
    # Times are shown in Finnish time; a system without the tz database shows UTC.
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Helsinki")
    except Exception:  # ZoneInfoNotFoundError or no tzdata at all
        return UTC


DISPLAY_TIMEZONE: Final = _finnish_time()
# How a time of day is written after the date.
_TIME_FORMATS: Final = {"fi": "{date} klo {h}.{m:02d}", "sv": "{date} kl. {h}.{m:02d}"}

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
    # --- MyRopo: front page, invoice page, Hae lasku, Ilmoita tilinumero ---
    "nav.main": "Päävalikko",
    "nav.home": "Omat laskut",
    "nav.lookup": "Hae lasku",
    "nav.language": "Kieli",
    "lang.fi": "Suomeksi",
    "lang.sv": "På svenska",
    "lang.en": "In English",
    "cards.heading": "Asioi",
    "card.lookup.title": "Hae lasku",
    "card.lookup.body": (
        "Etsi lasku, joka ei näy listallasi, laskun tiedoilla tai MyRopo-tunnuksella."
    ),
    "card.refund.title": "Ilmoita tilinumero",
    "card.refund.body": "Ilmoita tilinumero, jolle sinulle kuuluva palautus maksetaan.",
    "dashboard.tabs": "Laskulistat",
    "search.label": "Etsi laskua listauksesta",
    "search.hint": "Laskuttaja, laskun numero tai viitenumero",
    "search.submit": "Etsi",
    "search.clear": "Tyhjennä haku",
    "search.no_results": "Hakuehdoilla ei löytynyt laskuja.",
    "search.results_for": "Hakutulokset: {query}",
    "row.invoice_number": "Laskun numero {number}",
    "pager.label": "Sivut",
    "pager.next": "Seuraava sivu",
    "pager.first": "Ensimmäinen sivu",
    "invoice.title": "Lasku {number} – MyRopo",
    "invoice.heading": "Laskun tiedot",
    "invoice.back": "Takaisin laskuihin",
    "invoice.summary": "Yhteenveto",
    "invoice.status": "Laskun tila",
    "invoice.due_date": "Eräpäivä",
    "invoice.open_total": "Avoinna yhteensä",
    "invoice.creditor": "Laskuttaja",
    "invoice.reference": "Maksuviite",
    "invoice.number": "Laskun numero",
    "invoice.case_number": "Asianumero",
    "invoice.issue_date": "Laskun päivä",
    "invoice.original_due_date": "Alkuperäinen eräpäivä",
    "invoice.payee_iban": "Saajan tilinumero",
    "invoice.barcode": "Virtuaaliviivakoodi",
    "invoice.ledger": "Laskun erittely",
    "invoice.ledger.component": "Erä",
    "invoice.ledger.amount": "Määrä",
    "invoice.ledger.open": "Avoinna",
    "invoice.ledger.total": "Yhteensä",
    "invoice.lines": "Laskurivit",
    "invoice.lines.description": "Kuvaus",
    "invoice.lines.quantity": "Määrä",
    "invoice.lines.unit_price": "À-hinta",
    "invoice.lines.vat": "ALV %",
    "invoice.lines.total": "Yhteensä",
    "invoice.actions": "Lisätoiminnot",
    "invoice.open_document": "Avaa lasku",
    "invoice.open_document_hint": "PDF-tiedosto",
    "invoice.timeline": "Tapahtumat",
    "invoice.timeline_empty": "Laskulla ei ole vielä tapahtumia.",
    "invoice.timeline_unavailable": "Tapahtumia ei voitu juuri nyt hakea.",
    "lookup.title": "Hae lasku – MyRopo",
    "lookup.heading": "Hae lasku",
    "lookup.intro": (
        "Voit hakea laskun, joka ei näy laskulistallasi, esimerkiksi yrityksen laskun. Voit "
        "katsoa ja maksaa löytynyttä laskua rajoitetun ajan."
    ),
    "lookup.by_details": "Hae laskun tiedolla",
    "lookup.invoice_number": "Laskun numero",
    "lookup.reference": "Laskun viitenumero",
    "lookup.postal_code": "Laskulla oleva postinumerosi",
    "lookup.by_myropo_id": "Hae MyRopo-tunnuksella",
    "lookup.myropo_id": "MyRopo-tunnus",
    "lookup.myropo_id_hint": "Tunnus on kirjeen oikeassa yläkulmassa.",
    "lookup.submit": "Hae",
    "lookup.failed": (
        "Laskua ei löytynyt antamillasi tiedoilla. Tarkista tiedot ja yritä uudelleen."
    ),
    "lookup.errors_heading": "Tarkista lomake",
    "lookup.error.required": "Täytä kenttä {label}.",
    "lookup.error.too_long": "{label} on liian pitkä.",
    "lookup.limit_note": "Voit tehdä enintään {count} hakua {minutes} minuutin aikana.",
    "error.invoice_not_found.heading": "Laskua ei löytynyt",
    "error.invoice_not_found.body": (
        "Laskua ei ole olemassa tai sinulla ei ole oikeutta nähdä sitä."
    ),
    "error.lookup_failed.heading": "Laskua ei löytynyt",
    "error.lookup_failed.body": (
        "Laskua ei löytynyt antamillasi tiedoilla. Tarkista tiedot ja yritä uudelleen."
    ),
    "error.rate_limited.heading": "Liian monta hakua",
    "error.rate_limited.body": (
        "Olet tehnyt liian monta hakua lyhyessä ajassa. Odota hetki ja yritä sitten uudelleen."
    ),
    "error.denied.heading": "Ei käyttöoikeutta",
    "error.denied.body": "Sinulla ei ole oikeutta tähän toimintoon.",
    "error.conflict.heading": "Tiedot muuttuivat",
    "error.conflict.body": (
        "Tietoja muutettiin samaan aikaan. Lataa sivu uudelleen ja yritä uudestaan."
    ),
    "error.not_implemented.heading": "Toiminto ei ole vielä käytettävissä",
    "error.not_implemented.body": "Tämä toiminto avataan pian.",
    "error.document_unavailable.heading": "Laskun kuvaa ei voitu näyttää",
    "error.document_unavailable.body": "Yritä hetken kuluttua uudelleen.",
    # --- Valtuutus, Maksa ---
    "row.delegate": "Valtuutettu",
    "row.delegate_hint": "sinut on valtuutettu hoitamaan tätä laskua laskun saajan puolesta",
    "row.lookup": "Haettu",
    "row.lookup_hint": "löysit laskun Hae lasku -toiminnolla",
    "invoice.pay": "Maksa",
    "invoice.delegate_note": (
        "Sinut on valtuutettu hoitamaan tätä laskua laskun saajan puolesta. Voit maksaa "
        "laskun, hakea sille maksuaikaa ja keskustella siitä asiakaspalvelun kanssa."
    ),
    "invoice.lookup_note": (
        "Löysit tämän laskun Hae lasku -toiminnolla. Voit katsoa ja maksaa sitä rajoitetun ajan."
    ),
    "valtuutus.heading": "Valtuutus",
    "valtuutus.intro": (
        "Voit valtuuttaa toisen henkilön hoitamaan tätä laskua puolestasi. Valtuutus koskee "
        "vain tätä laskua: valtuutettu näkee laskun, voi maksaa sen, hakea sille maksuaikaa ja "
        "keskustella siitä asiakaspalvelun kanssa, mutta ei voi valtuuttaa muita. Valtuutus "
        "päättyy, kun lasku on maksettu."
    ),
    "valtuutus.continuous": (
        "Jatkuvan valtuutuksen, joka koskee kaikkia laskujasi, voit tehdä asiakaspalvelun "
        "chatissa (Avaa Chat)."
    ),
    "valtuutus.name": "Nimi",
    "valtuutus.national_id": "Henkilötunnus",
    "valtuutus.national_id_hint": "Valtuutettavan henkilötunnus, muodossa PPKKVV-NNNT.",
    "valtuutus.expire_date": "Voimassa asti (valinnainen)",
    "valtuutus.expire_date_hint": "Viimeinen voimassaolopäivä. Tyhjä: kunnes lasku on maksettu.",
    "valtuutus.submit": "Tallenna",
    "valtuutus.closed": (
        "Lasku on maksettu tai päättynyt, joten sille ei voi enää antaa valtuutusta."
    ),
    "valtuutus.given": "Annetut valtuutukset",
    "valtuutus.none_given": "Et ole valtuuttanut ketään hoitamaan tätä laskua.",
    "valtuutus.column.name": "Nimi",
    "valtuutus.column.national_id": "Henkilötunnus",
    "valtuutus.column.until": "Voimassa asti",
    "valtuutus.column.state": "Tila",
    "valtuutus.column.actions": "Toiminnot",
    "valtuutus.continuous_row": "Jatkuva valtuutus: kaikki laskusi",
    "valtuutus.no_end": "Toistaiseksi",
    "valtuutus.state.ACTIVE": "Voimassa",
    "valtuutus.state.REVOKED": "Peruttu",
    "valtuutus.state.EXPIRED": "Vanhentunut",
    "valtuutus.state.ENDED": "Päättynyt",
    "valtuutus.revoke": "Peru valtuutus",
    "valtuutus.errors_heading": "Tarkista valtuutuksen tiedot",
    "valtuutus.error.REQUIRED": "Täytä kenttä.",
    "valtuutus.error.TOO_LONG": "Teksti on liian pitkä.",
    "valtuutus.error.INVALID_NAME": "Tarkista nimi.",
    "valtuutus.error.NAME_CONTAINS_NATIONAL_ID": (
        "Kirjoita nimi-kenttään valtuutettavan nimi, ei henkilötunnusta."
    ),
    "valtuutus.error.INVALID_NATIONAL_ID": (
        "Henkilötunnus ei ole oikein. Tarkista se ja kirjoita se uudelleen."
    ),
    "valtuutus.error.SELF_AUTHORIZATION": "Et voi valtuuttaa itseäsi.",
    "valtuutus.error.INVALID_DATE": "Päivämäärä ei ole oikein. Käytä muotoa p.k.vvvv.",
    "valtuutus.error.EXPIRE_DATE_IN_PAST": "Päivämäärä ei voi olla menneisyydessä.",
    "valtuutus.problem.AUTHORIZATION_ALREADY_ACTIVE": (
        "Henkilöllä on jo voimassa oleva valtuutus tähän laskuun."
    ),
    "valtuutus.problem.INVOICE_CLOSED": (
        "Lasku on maksettu tai päättynyt, joten sille ei voi enää antaa valtuutusta."
    ),
    "valtuutus.problem.AUTHORIZATION_NOT_ACTIVE": "Valtuutus on jo päättynyt.",
    "notice.authorization_saved": "Valtuutus on tallennettu.",
    "notice.authorization_revoked": "Valtuutus on peruttu.",
    "pay.title": "Maksa lasku {number} – MyRopo",
    "pay.heading": "Maksa lasku",
    "pay.back": "Takaisin laskuun",
    "pay.intro": (
        "Maksa lasku verkkopankissa tai mobiilipankissa alla olevilla tiedoilla. Käytä aina "
        "viitenumeroa, jotta maksu kohdistuu oikealle laskulle."
    ),
    "pay.details": "Maksutiedot",
    "pay.amount": "Maksettava summa",
    "pay.recipient": "Saaja",
    "pay.iban": "Saajan tilinumero",
    "pay.bic": "BIC",
    "pay.reference": "Viitenumero",
    "pay.due_date": "Eräpäivä",
    "pay.reference_hint": "Maksu kirjautuu laskulle, kun pankki on välittänyt sen meille.",
    "pay.copy": "Kopioi tiedot pankkiin",
    "pay.barcode_intro": (
        "Kun liität virtuaaliviivakoodin verkkopankin maksulomakkeelle, saaja, tilinumero, "
        "summa, viitenumero ja eräpäivä täyttyvät valmiiksi."
    ),
    "pay.barcode": "Virtuaaliviivakoodi",
    "pay.nothing_open": "Laskulla ei ole avoinna maksettavaa.",
    "maksu.pay_online": "Maksa verkkopankissa",
    "maksu.online_heading": "Maksa verkkopankissa",
    "maksu.online_intro": (
        "Maksa lasku heti pankkisi verkkopalvelussa. Siirryt maksunvälittäjän sivulle ja "
        "palaat maksun jälkeen MyRopoon."
    ),
    "maksu.select": "Valitse",
    "maksu.select_invoice": "Valitse lasku {number} maksettavaksi",
    "maksu.select_hint": "Valitse laskut, jotka haluat maksaa yhdellä kertaa verkkopankissa.",
    "maksu.pay_selected": "Maksa valitut",
    "maksu.problem.unavailable": (
        "Maksaminen ei juuri nyt onnistu. Yritä hetken kuluttua uudelleen."
    ),
    "maksu.problem.not_payable": (
        "Laskua ei voi nyt maksaa verkkopankissa: se on jo maksettu tai siltä ei ole avoinna "
        "maksettavaa."
    ),
    "maksu.problem.in_progress": "Maksu on jo käsittelyssä. Odota hetki ja yritä uudelleen.",
    "maksu.problem.none_selected": "Valitse maksettavat laskut.",
    "maksu.problem.too_many": "Valitse kerralla enintään 50 laskua.",
    "maksu.receipt.title": "Maksu – MyRopo",
    "maksu.receipt.succeeded.heading": "Maksettu MyRopossa",
    "maksu.receipt.succeeded.body": (
        "Kiitos! Maksu on vastaanotettu. Se kirjautuu laskulle, kun raha on saapunut meille, "
        "yleensä 1–2 pankkipäivän kuluessa."
    ),
    "maksu.receipt.failed.heading": "Maksu peruttiin",
    "maksu.receipt.failed.body": "Laskua ei maksettu. Voit maksaa sen uudelleen laskun sivulla.",
    "maksu.receipt.pending.heading": "Maksu odottaa vahvistusta",
    "maksu.receipt.pending.body": (
        "Pankki ei ole vielä vahvistanut maksua. Tila päivittyy, kun vahvistus saapuu."
    ),
    "maksu.receipt.details": "Maksun tiedot",
    "maksu.receipt.amount": "Summa",
    "maksu.receipt.method": "Maksutapa",
    "maksu.receipt.time": "Maksettu",
    "maksu.receipt.invoices": "Laskut",
    "maksu.receipt.open_invoice": "Avaa lasku",
    "maksu.receipt.invoice": "Lasku",
    "maksu.receipt.reference": "viite {reference}",
    "maksu.receipt.back": "Palaa laskuihin",
    "error.psp_return_invalid.heading": "Maksun paluutieto ei kelpaa.",
    "error.psp_return_invalid.body": (
        "Jos maksoit laskun, maksu kirjautuu sille, kun maksunvälittäjä on vahvistanut sen."
    ),
    "error.payment_not_found.heading": "Maksua ei löytynyt",
    "error.payment_not_found.body": "Maksua ei ole olemassa tai se ei ole sinun.",
    # *Maksuaika*: Eräpäivän siirto and Maksusuunnitelma (payment_time_routes).
    "maksuaika.heading": "Maksuaika",
    "maksuaika.unavailable": (
        "Maksuajan vaihtoehtoja ei juuri nyt saatu. Yritä hetken kuluttua uudelleen."
    ),
    "maksuaika.fee": "Kulu",
    "maksuaika.free": "Maksuton",
    "maksuaika.continue": "Jatka",
    "maksuaika.cancel": "Peruuta",
    "maksuaika.extension.heading": "Eräpäivän siirto",
    "maksuaika.extension.latest": "Uusi eräpäivä viimeistään",
    "maksuaika.extension.new_due_date": "Uusi eräpäivä",
    "maksuaika.extension.fee_note": "Kulu lisätään laskulle, kun vahvistat siirron.",
    "maksuaika.extension.confirm": "Vahvista siirto",
    "maksuaika.plan.heading": "Maksusuunnitelma",
    "maksuaika.plan.choose": "Valitse erien määrä",
    "maksuaika.plan.choice": "{count} erää, ensimmäinen erä {amount}, kulu {fee}, yhteensä {total}",
    "maksuaika.plan.summary": "Maksat laskun {count} kuukausittaisessa erässä.",
    "maksuaika.plan.confirm": "Vahvista maksusuunnitelma",
    "maksuaika.confirm.title": "Maksuaika – MyRopo",
    "maksuaika.confirm.back": "Takaisin laskulle",
    "maksuaika.problem.fee_changed": "Kulu on muuttunut. Tarkista uudet tiedot ja yritä uudelleen.",
    "maksuaika.problem.not_allowed": "Tätä ei voi enää tehdä tälle laskulle.",
    "maksuaika.problem.invalid": "Valinta ei kelpaa. Tarkista tiedot ja yritä uudelleen.",
    "maksuaika.problem.unavailable": (
        "Palvelu ei ole juuri nyt käytettävissä. Yritä hetken kuluttua uudelleen."
    ),
    "notice.due_date_extended": "Eräpäivä siirretty: {date}. Kulu: {fee}.",
    "notice.payment_plan_created": "Maksusuunnitelma on tehty.",
    "plan.heading": "Maksusuunnitelma",
    "plan.number": "Erä",
    "plan.due_date": "Eräpäivä",
    "plan.amount": "Summa",
    "plan.paid": "Maksettu",
    "plan.state": "Tila",
    "plan.total": "Yhteensä",
    "plan.fee_included": "sisältää kulun {fee}",
    "plan.state.ACTIVE": "Voimassa",
    "plan.state.COMPLETED": "Maksettu",
    "plan.state.CANCELLED": "Peruttu",
    "plan.state.UNSPECIFIED": "",
    "plan.instalment.OPEN": "Avoinna",
    "plan.instalment.PAID": "Maksettu",
    "plan.instalment.OVERDUE": "Myöhässä",
    "plan.instalment.UNSPECIFIED": "",
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
    # --- MyRopo: front page, invoice page, Hae lasku, Ilmoita tilinumero ---
    "nav.main": "Huvudmeny",
    "nav.home": "Mina fakturor",
    "nav.lookup": "Sök faktura",
    "nav.language": "Språk",
    "cards.heading": "Ärenden",
    "card.lookup.title": "Sök faktura",
    "card.lookup.body": (
        "Sök en faktura som inte syns i din lista med fakturans uppgifter eller MyRopo-koden."
    ),
    "card.refund.title": "Meddela kontonummer",
    "card.refund.body": "Meddela det kontonummer till vilket din återbetalning betalas.",
    "dashboard.tabs": "Fakturalistor",
    "search.label": "Sök faktura i listan",
    "search.hint": "Fakturerare, fakturanummer eller referensnummer",
    "search.submit": "Sök",
    "search.clear": "Töm sökningen",
    "search.no_results": "Inga fakturor motsvarar sökningen.",
    "search.results_for": "Sökresultat: {query}",
    "row.invoice_number": "Fakturanummer {number}",
    "pager.label": "Sidor",
    "pager.next": "Nästa sida",
    "pager.first": "Första sidan",
    "invoice.title": "Faktura {number} – MyRopo",
    "invoice.heading": "Fakturans uppgifter",
    "invoice.back": "Tillbaka till fakturorna",
    "invoice.summary": "Sammandrag",
    "invoice.status": "Fakturans status",
    "invoice.due_date": "Förfallodag",
    "invoice.open_total": "Öppet totalt",
    "invoice.creditor": "Fakturerare",
    "invoice.reference": "Referensnummer",
    "invoice.number": "Fakturanummer",
    "invoice.case_number": "Ärendenummer",
    "invoice.issue_date": "Fakturadatum",
    "invoice.original_due_date": "Ursprunglig förfallodag",
    "invoice.payee_iban": "Mottagarens kontonummer",
    "invoice.barcode": "Virtuell streckkod",
    "invoice.ledger": "Specifikation",
    "invoice.ledger.component": "Post",
    "invoice.ledger.amount": "Belopp",
    "invoice.ledger.open": "Öppet",
    "invoice.ledger.total": "Totalt",
    "invoice.lines": "Fakturarader",
    "invoice.lines.description": "Beskrivning",
    "invoice.lines.quantity": "Antal",
    "invoice.lines.unit_price": "À-pris",
    "invoice.lines.vat": "Moms %",
    "invoice.lines.total": "Totalt",
    "invoice.actions": "Fler funktioner",
    "invoice.open_document": "Öppna fakturan",
    "invoice.open_document_hint": "PDF-fil",
    "invoice.timeline": "Händelser",
    "invoice.timeline_empty": "Fakturan har inga händelser ännu.",
    "invoice.timeline_unavailable": "Händelserna kunde inte hämtas just nu.",
    "lookup.title": "Sök faktura – MyRopo",
    "lookup.heading": "Sök faktura",
    "lookup.intro": (
        "Du kan söka en faktura som inte syns i din fakturalista, till exempel ett företags "
        "faktura. Du kan se och betala en faktura du hittar under en begränsad tid."
    ),
    "lookup.by_details": "Sök med fakturans uppgifter",
    "lookup.invoice_number": "Fakturanummer",
    "lookup.reference": "Fakturans referensnummer",
    "lookup.postal_code": "Ditt postnummer på fakturan",
    "lookup.by_myropo_id": "Sök med MyRopo-kod",
    "lookup.myropo_id": "MyRopo-kod",
    "lookup.myropo_id_hint": "Koden finns i brevets övre högra hörn.",
    "lookup.submit": "Sök",
    "lookup.failed": "Ingen faktura hittades med uppgifterna. Kontrollera dem och försök igen.",
    "lookup.errors_heading": "Kontrollera formuläret",
    "lookup.error.required": "Fyll i fältet {label}.",
    "lookup.error.too_long": "{label} är för lång.",
    "lookup.limit_note": "Du kan göra högst {count} sökningar på {minutes} minuter.",
    "logged_out.title": "Utloggning – MyRopo",
    "logged_out.body": "Din session har avslutats. Du kan stänga webbläsaren eller logga in igen.",
    "error.title": "Fel – MyRopo",
    "error.back": "Tillbaka till startsidan",
    "error.retry_login": "Logga in igen",
    "error.login_failed.body": "Identifieringen kunde inte bekräftas. Försök logga in igen.",
    "error.login_cancelled.heading": "Inloggningen avbröts",
    "error.login_cancelled.body": "Identifieringen avbröts. Du kan försöka igen.",
    "error.login_expired.heading": "Inloggningen gick ut",
    "error.login_expired.body": (
        "Inloggningen tog för lång tid eller startades i ett annat fönster. Börja om inloggningen."
    ),
    "error.forbidden.heading": "Åtgärden kunde inte utföras",
    "error.forbidden.body": "Formuläret var för gammalt. Ladda om sidan och försök igen.",
    "error.not_found.heading": "Sidan hittades inte",
    "error.not_found.body": "Sidan du söker finns inte.",
    "error.bad_request.heading": "Felaktig begäran",
    "error.bad_request.body": "Begäran kunde inte behandlas.",
    "error.login.heading": "Logga in",
    "error.login.body": "Den här sidan visas bara för inloggade användare.",
    "error.internal.heading": "Ett oväntat fel inträffade",
    "error.internal.body": "Felet har registrerats. Försök igen om en stund.",
    "error.invoice_not_found.heading": "Fakturan hittades inte",
    "error.invoice_not_found.body": "Fakturan finns inte eller så har du inte rätt att se den.",
    "error.lookup_failed.heading": "Fakturan hittades inte",
    "error.lookup_failed.body": (
        "Ingen faktura hittades med uppgifterna. Kontrollera dem och försök igen."
    ),
    "error.rate_limited.heading": "För många sökningar",
    "error.rate_limited.body": (
        "Du har gjort för många sökningar på kort tid. Vänta en stund och försök sedan igen."
    ),
    "error.denied.heading": "Ingen behörighet",
    "error.denied.body": "Du har inte rätt att utföra den här åtgärden.",
    "error.conflict.heading": "Uppgifterna ändrades",
    "error.conflict.body": "Uppgifterna ändrades samtidigt. Ladda om sidan och försök igen.",
    "error.not_implemented.heading": "Funktionen är inte tillgänglig ännu",
    "error.not_implemented.body": "Den här funktionen öppnas snart.",
    "error.document_unavailable.heading": "Fakturabilden kunde inte visas",
    "error.document_unavailable.body": "Försök igen om en stund.",
    # --- Valtuutus, Maksa ---
    "row.delegate": "Befullmäktigad",
    "row.delegate_hint": "du har fullmakt att sköta fakturan för mottagarens räkning",
    "row.lookup": "Sökt",
    "row.lookup_hint": "du hittade fakturan med Sök faktura",
    "invoice.pay": "Betala",
    "invoice.delegate_note": (
        "Du har fullmakt att sköta den här fakturan för fakturamottagarens räkning. Du kan "
        "betala fakturan, be om betalningstid och diskutera den med kundtjänsten."
    ),
    "invoice.lookup_note": (
        "Du hittade fakturan med Sök faktura. Du kan se och betala den under en begränsad tid."
    ),
    "valtuutus.heading": "Fullmakt",
    "valtuutus.intro": (
        "Du kan ge en annan person fullmakt att sköta den här fakturan för din räkning. "
        "Fullmakten gäller endast den här fakturan: den befullmäktigade ser fakturan, kan betala "
        "den, be om betalningstid och diskutera den med kundtjänsten, men kan inte ge fullmakt "
        "åt andra. Fullmakten upphör när fakturan är betald."
    ),
    "valtuutus.continuous": (
        "En fortlöpande fullmakt för alla dina fakturor kan du ge i kundtjänstens chatt "
        "(Öppna chatten)."
    ),
    "valtuutus.name": "Namn",
    "valtuutus.national_id": "Personbeteckning",
    "valtuutus.national_id_hint": "Den befullmäktigades personbeteckning, i formen DDMMÅÅ-NNNK.",
    "valtuutus.expire_date": "Giltig till (valfritt)",
    "valtuutus.expire_date_hint": "Sista giltighetsdag. Tomt: tills fakturan är betald.",
    "valtuutus.submit": "Spara",
    "valtuutus.closed": "Fakturan är betald eller avslutad, så ingen fullmakt kan längre ges.",
    "valtuutus.given": "Givna fullmakter",
    "valtuutus.none_given": "Du har inte gett någon fullmakt för den här fakturan.",
    "valtuutus.column.name": "Namn",
    "valtuutus.column.national_id": "Personbeteckning",
    "valtuutus.column.until": "Giltig till",
    "valtuutus.column.state": "Status",
    "valtuutus.column.actions": "Funktioner",
    "valtuutus.continuous_row": "Fortlöpande fullmakt: alla dina fakturor",
    "valtuutus.no_end": "Tills vidare",
    "valtuutus.state.ACTIVE": "Giltig",
    "valtuutus.state.REVOKED": "Återkallad",
    "valtuutus.state.EXPIRED": "Utgången",
    "valtuutus.state.ENDED": "Upphört",
    "valtuutus.revoke": "Återkalla fullmakten",
    "valtuutus.errors_heading": "Kontrollera fullmaktens uppgifter",
    "valtuutus.error.REQUIRED": "Fyll i fältet.",
    "valtuutus.error.TOO_LONG": "Texten är för lång.",
    "valtuutus.error.INVALID_NAME": "Kontrollera namnet.",
    "valtuutus.error.NAME_CONTAINS_NATIONAL_ID": (
        "Skriv den befullmäktigades namn i namnfältet, inte personbeteckningen."
    ),
    "valtuutus.error.INVALID_NATIONAL_ID": (
        "Personbeteckningen är inte korrekt. Kontrollera den och skriv den på nytt."
    ),
    "valtuutus.error.SELF_AUTHORIZATION": "Du kan inte ge fullmakt åt dig själv.",
    "valtuutus.error.INVALID_DATE": "Datumet är inte korrekt. Använd formen d.m.åååå.",
    "valtuutus.error.EXPIRE_DATE_IN_PAST": "Datumet kan inte vara i det förflutna.",
    "valtuutus.problem.AUTHORIZATION_ALREADY_ACTIVE": (
        "Personen har redan en giltig fullmakt för den här fakturan."
    ),
    "valtuutus.problem.INVOICE_CLOSED": (
        "Fakturan är betald eller avslutad, så ingen fullmakt kan längre ges."
    ),
    "valtuutus.problem.AUTHORIZATION_NOT_ACTIVE": "Fullmakten har redan upphört.",
    "notice.authorization_saved": "Fullmakten har sparats.",
    "notice.authorization_revoked": "Fullmakten har återkallats.",
    "pay.title": "Betala faktura {number} – MyRopo",
    "pay.heading": "Betala fakturan",
    "pay.back": "Tillbaka till fakturan",
    "pay.intro": (
        "Betala fakturan i nätbanken eller mobilbanken med uppgifterna nedan. Använd alltid "
        "referensnumret så att betalningen riktas till rätt faktura."
    ),
    "pay.details": "Betalningsuppgifter",
    "pay.amount": "Belopp att betala",
    "pay.recipient": "Mottagare",
    "pay.iban": "Mottagarens kontonummer",
    "pay.bic": "BIC",
    "pay.reference": "Referensnummer",
    "pay.due_date": "Förfallodag",
    "pay.reference_hint": "Betalningen bokförs på fakturan när banken har förmedlat den till oss.",
    "pay.copy": "Kopiera uppgifterna till banken",
    "pay.barcode_intro": (
        "När du klistrar in den virtuella streckkoden i nätbankens betalningsformulär fylls "
        "mottagare, kontonummer, belopp, referensnummer och förfallodag i automatiskt."
    ),
    "pay.barcode": "Virtuell streckkod",
    "pay.nothing_open": "Fakturan har inget öppet belopp att betala.",
    "maksu.pay_online": "Betala i nätbanken",
    "maksu.online_heading": "Betala i nätbanken",
    "maksu.online_intro": (
        "Betala fakturan genast i din nätbank. Du går till betalningsförmedlarens sida och "
        "kommer tillbaka till MyRopo efter betalningen."
    ),
    "maksu.select": "Välj",
    "maksu.select_invoice": "Välj faktura {number} för betalning",
    "maksu.select_hint": "Välj de fakturor du vill betala på en gång i nätbanken.",
    "maksu.pay_selected": "Betala valda",
    "maksu.problem.unavailable": "Betalningen lyckas inte just nu. Försök igen om en stund.",
    "maksu.problem.not_payable": (
        "Fakturan kan inte betalas i nätbanken nu: den är redan betald eller har inget öppet "
        "belopp."
    ),
    "maksu.problem.in_progress": "Betalningen behandlas redan. Vänta en stund och försök igen.",
    "maksu.problem.none_selected": "Välj de fakturor som ska betalas.",
    "maksu.problem.too_many": "Välj högst 50 fakturor åt gången.",
    "maksu.receipt.title": "Betalning – MyRopo",
    "maksu.receipt.succeeded.heading": "Betald i MyRopo",
    "maksu.receipt.succeeded.body": (
        "Tack! Betalningen har tagits emot. Den registreras på fakturan när pengarna har "
        "kommit fram till oss, vanligen inom 1–2 bankdagar."
    ),
    "maksu.receipt.failed.heading": "Betalningen avbröts",
    "maksu.receipt.failed.body": "Fakturan betalades inte. Du kan betala den igen på fakturasidan.",
    "maksu.receipt.pending.heading": "Betalningen väntar på bekräftelse",
    "maksu.receipt.pending.body": (
        "Banken har ännu inte bekräftat betalningen. Statusen uppdateras när bekräftelsen kommer."
    ),
    "maksu.receipt.details": "Betalningens uppgifter",
    "maksu.receipt.amount": "Belopp",
    "maksu.receipt.method": "Betalningssätt",
    "maksu.receipt.time": "Betald",
    "maksu.receipt.invoices": "Fakturor",
    "maksu.receipt.open_invoice": "Öppna fakturan",
    "maksu.receipt.invoice": "Faktura",
    "maksu.receipt.reference": "referens {reference}",
    "maksu.receipt.back": "Tillbaka till fakturorna",
    "error.psp_return_invalid.heading": "Betalningens returuppgifter är ogiltiga.",
    "error.psp_return_invalid.body": (
        "Om du betalade fakturan registreras betalningen när betalningsförmedlaren har "
        "bekräftat den."
    ),
    "error.payment_not_found.heading": "Betalningen hittades inte",
    "error.payment_not_found.body": "Betalningen finns inte eller är inte din.",
    "maksuaika.heading": "Betalningstid",
    "maksuaika.unavailable": (
        "Alternativen för betalningstid kunde inte hämtas just nu. Försök igen om en stund."
    ),
    "maksuaika.fee": "Avgift",
    "maksuaika.free": "Avgiftsfri",
    "maksuaika.continue": "Fortsätt",
    "maksuaika.cancel": "Avbryt",
    "maksuaika.extension.heading": "Flyttning av förfallodagen",
    "maksuaika.extension.latest": "Ny förfallodag senast",
    "maksuaika.extension.new_due_date": "Ny förfallodag",
    "maksuaika.extension.fee_note": "Avgiften läggs till fakturan när du bekräftar.",
    "maksuaika.extension.confirm": "Bekräfta flyttningen",
    "maksuaika.plan.heading": "Betalningsplan",
    "maksuaika.plan.choose": "Välj antal rater",
    "maksuaika.plan.choice": "{count} rater, första raten {amount}, avgift {fee}, totalt {total}",
    "maksuaika.plan.summary": "Du betalar fakturan i {count} månatliga rater.",
    "maksuaika.plan.confirm": "Bekräfta betalningsplanen",
    "maksuaika.confirm.title": "Betalningstid – MyRopo",
    "maksuaika.confirm.back": "Tillbaka till fakturan",
    "maksuaika.problem.fee_changed": (
        "Avgiften har ändrats. Kontrollera de nya uppgifterna och försök igen."
    ),
    "maksuaika.problem.not_allowed": "Detta kan inte längre göras för fakturan.",
    "maksuaika.problem.invalid": "Valet godkänns inte. Kontrollera uppgifterna och försök igen.",
    "maksuaika.problem.unavailable": (
        "Tjänsten är inte tillgänglig just nu. Försök igen om en stund."
    ),
    "notice.due_date_extended": "Förfallodagen har flyttats: {date}. Avgift: {fee}.",
    "notice.payment_plan_created": "Betalningsplanen har gjorts.",
    "plan.heading": "Betalningsplan",
    "plan.number": "Rat",
    "plan.due_date": "Förfallodag",
    "plan.amount": "Belopp",
    "plan.paid": "Betalt",
    "plan.state": "Status",
    "plan.total": "Totalt",
    "plan.fee_included": "inklusive avgift {fee}",
    "plan.state.ACTIVE": "I kraft",
    "plan.state.COMPLETED": "Betald",
    "plan.state.CANCELLED": "Avbruten",
    "plan.instalment.OPEN": "Öppen",
    "plan.instalment.PAID": "Betald",
    "plan.instalment.OVERDUE": "Försenad",
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
    # --- MyRopo: front page, invoice page, Hae lasku, Ilmoita tilinumero ---
    "nav.main": "Main menu",
    "nav.home": "My invoices",
    "nav.lookup": "Find an invoice",
    "nav.language": "Language",
    "cards.heading": "Services",
    "card.lookup.title": "Find an invoice",
    "card.lookup.body": (
        "Find an invoice that is not in your list with its details or its MyRopo ID."
    ),
    "card.refund.title": "Report an account number",
    "card.refund.body": "Tell us the account to which a refund owed to you is paid.",
    "dashboard.tabs": "Invoice lists",
    "search.label": "Search the list",
    "search.hint": "Creditor, invoice number or reference",
    "search.submit": "Search",
    "search.clear": "Clear the search",
    "search.no_results": "No invoices match your search.",
    "search.results_for": "Results for: {query}",
    "row.invoice_number": "Invoice number {number}",
    "pager.label": "Pages",
    "pager.next": "Next page",
    "pager.first": "First page",
    "invoice.title": "Invoice {number} – MyRopo",
    "invoice.heading": "Invoice details",
    "invoice.back": "Back to invoices",
    "invoice.summary": "Summary",
    "invoice.status": "Invoice status",
    "invoice.due_date": "Due date",
    "invoice.open_total": "Total open",
    "invoice.creditor": "Creditor",
    "invoice.reference": "Payment reference",
    "invoice.number": "Invoice number",
    "invoice.case_number": "Case number",
    "invoice.issue_date": "Invoice date",
    "invoice.original_due_date": "Original due date",
    "invoice.payee_iban": "Payee account",
    "invoice.barcode": "Virtual bank barcode",
    "invoice.ledger": "Breakdown",
    "invoice.ledger.component": "Item",
    "invoice.ledger.amount": "Amount",
    "invoice.ledger.open": "Open",
    "invoice.ledger.total": "Total",
    "invoice.lines": "Invoice rows",
    "invoice.lines.description": "Description",
    "invoice.lines.quantity": "Quantity",
    "invoice.lines.unit_price": "Unit price",
    "invoice.lines.vat": "VAT %",
    "invoice.lines.total": "Total",
    "invoice.actions": "More actions",
    "invoice.open_document": "Open the invoice",
    "invoice.open_document_hint": "PDF file",
    "invoice.timeline": "Timeline",
    "invoice.timeline_empty": "Nothing has happened to the invoice yet.",
    "invoice.timeline_unavailable": "The timeline could not be loaded right now.",
    "lookup.title": "Find an invoice – MyRopo",
    "lookup.heading": "Find an invoice",
    "lookup.intro": (
        "You can find an invoice that is not in your list, for example a company's invoice. You "
        "can view and pay an invoice you find for a limited time."
    ),
    "lookup.by_details": "Search with the invoice details",
    "lookup.invoice_number": "Invoice number",
    "lookup.reference": "Invoice reference number",
    "lookup.postal_code": "Your postal code on the invoice",
    "lookup.by_myropo_id": "Search with the MyRopo ID",
    "lookup.myropo_id": "MyRopo ID",
    "lookup.myropo_id_hint": "The ID is in the top right corner of the letter.",
    "lookup.submit": "Search",
    "lookup.failed": "No invoice was found with the details you gave. Check them and try again.",
    "lookup.errors_heading": "Check the form",
    "lookup.error.required": "Fill in {label}.",
    "lookup.error.too_long": "{label} is too long.",
    "lookup.limit_note": "You can make at most {count} searches in {minutes} minutes.",
    "logged_out.title": "Logged out – MyRopo",
    "logged_out.body": "Your session has ended. You can close the browser or log in again.",
    "error.title": "Error – MyRopo",
    "error.back": "Back to the front page",
    "error.retry_login": "Log in again",
    "error.login_failed.body": "Your identification could not be confirmed. Please log in again.",
    "error.login_cancelled.heading": "Login cancelled",
    "error.login_cancelled.body": "The identification was cancelled. You can try again.",
    "error.login_expired.heading": "Login expired",
    "error.login_expired.body": (
        "The login took too long or was started in another window. Please start again."
    ),
    "error.forbidden.heading": "The action could not be completed",
    "error.forbidden.body": "The form had expired. Reload the page and try again.",
    "error.not_found.heading": "Page not found",
    "error.not_found.body": "The page you are looking for does not exist.",
    "error.bad_request.heading": "Invalid request",
    "error.bad_request.body": "The request could not be processed.",
    "error.login.heading": "Log in",
    "error.login.body": "This page is shown to logged-in users only.",
    "error.internal.heading": "An unexpected error occurred",
    "error.internal.body": "The error has been logged. Please try again in a moment.",
    "error.invoice_not_found.heading": "Invoice not found",
    "error.invoice_not_found.body": "The invoice does not exist or you are not allowed to see it.",
    "error.lookup_failed.heading": "Invoice not found",
    "error.lookup_failed.body": (
        "No invoice was found with the details you gave. Check them and try again."
    ),
    "error.rate_limited.heading": "Too many searches",
    "error.rate_limited.body": (
        "You have made too many searches in a short time. Please wait a while and try again."
    ),
    "error.denied.heading": "Not allowed",
    "error.denied.body": "You are not allowed to do this.",
    "error.conflict.heading": "The details changed",
    "error.conflict.body": (
        "The details were changed at the same time. Reload the page and try again."
    ),
    "error.not_implemented.heading": "Not available yet",
    "error.not_implemented.body": "This feature opens soon.",
    "error.document_unavailable.heading": "The invoice image could not be shown",
    "error.document_unavailable.body": "Please try again in a moment.",
    # --- Valtuutus, Maksa ---
    "row.delegate": "Authorized",
    "row.delegate_hint": "you are authorized to handle this invoice on behalf of its recipient",
    "row.lookup": "Found",
    "row.lookup_hint": "you found this invoice with Find an invoice",
    "invoice.pay": "Pay",
    "invoice.delegate_note": (
        "You are authorized to handle this invoice on behalf of its recipient. You can pay it, "
        "ask for more time to pay and discuss it with customer service."
    ),
    "invoice.lookup_note": (
        "You found this invoice with Find an invoice. You can view and pay it for a limited time."
    ),
    "valtuutus.heading": "Authorization",
    "valtuutus.intro": (
        "You can authorize another person to handle this invoice on your behalf. The "
        "authorization applies to this invoice only: the authorized person sees the invoice, can "
        "pay it, ask for more time to pay and discuss it with customer service, but cannot "
        "authorize others. It ends when the invoice is paid."
    ),
    "valtuutus.continuous": (
        "A continuous authorization for all your invoices can be made in the customer service "
        "chat (Open chat)."
    ),
    "valtuutus.name": "Name",
    "valtuutus.national_id": "Personal identity code",
    "valtuutus.national_id_hint": "The person's Finnish personal identity code, DDMMYY-NNNC.",
    "valtuutus.expire_date": "Valid until (optional)",
    "valtuutus.expire_date_hint": "The last day in force. Empty: until the invoice is paid.",
    "valtuutus.submit": "Save",
    "valtuutus.closed": "The invoice is paid or closed, so it can no longer be authorized.",
    "valtuutus.given": "Authorizations given",
    "valtuutus.none_given": "You have not authorized anyone to handle this invoice.",
    "valtuutus.column.name": "Name",
    "valtuutus.column.national_id": "Personal identity code",
    "valtuutus.column.until": "Valid until",
    "valtuutus.column.state": "Status",
    "valtuutus.column.actions": "Actions",
    "valtuutus.continuous_row": "Continuous authorization: all your invoices",
    "valtuutus.no_end": "Until further notice",
    "valtuutus.state.ACTIVE": "In force",
    "valtuutus.state.REVOKED": "Revoked",
    "valtuutus.state.EXPIRED": "Expired",
    "valtuutus.state.ENDED": "Ended",
    "valtuutus.revoke": "Revoke authorization",
    "valtuutus.errors_heading": "Check the authorization details",
    "valtuutus.error.REQUIRED": "Fill in this field.",
    "valtuutus.error.TOO_LONG": "The text is too long.",
    "valtuutus.error.INVALID_NAME": "Check the name.",
    "valtuutus.error.NAME_CONTAINS_NATIONAL_ID": (
        "Write the person's name in the name field, not the personal identity code."
    ),
    "valtuutus.error.INVALID_NATIONAL_ID": (
        "The personal identity code is not valid. Check it and type it again."
    ),
    "valtuutus.error.SELF_AUTHORIZATION": "You cannot authorize yourself.",
    "valtuutus.error.INVALID_DATE": "The date is not valid. Use the form d.m.yyyy.",
    "valtuutus.error.EXPIRE_DATE_IN_PAST": "The date cannot be in the past.",
    "valtuutus.problem.AUTHORIZATION_ALREADY_ACTIVE": (
        "The person already holds an authorization in force for this invoice."
    ),
    "valtuutus.problem.INVOICE_CLOSED": (
        "The invoice is paid or closed, so it can no longer be authorized."
    ),
    "valtuutus.problem.AUTHORIZATION_NOT_ACTIVE": "The authorization has already ended.",
    "notice.authorization_saved": "The authorization was saved.",
    "notice.authorization_revoked": "The authorization was revoked.",
    "pay.title": "Pay invoice {number} – MyRopo",
    "pay.heading": "Pay the invoice",
    "pay.back": "Back to the invoice",
    "pay.intro": (
        "Pay the invoice in your online or mobile bank with the details below. Always use the "
        "reference number so that the payment reaches the right invoice."
    ),
    "pay.details": "Payment details",
    "pay.amount": "Amount to pay",
    "pay.recipient": "Payee",
    "pay.iban": "Payee account",
    "pay.bic": "BIC",
    "pay.reference": "Reference number",
    "pay.due_date": "Due date",
    "pay.reference_hint": "The payment shows on the invoice once the bank has passed it to us.",
    "pay.copy": "Copy the details to your bank",
    "pay.barcode_intro": (
        "Paste the virtual bank barcode into your bank's payment form and the payee, account, "
        "amount, reference and due date are filled in for you."
    ),
    "pay.barcode": "Virtual bank barcode",
    "pay.nothing_open": "Nothing is open on this invoice.",
    "maksu.pay_online": "Pay online",
    "maksu.online_heading": "Pay online",
    "maksu.online_intro": (
        "Pay the invoice right away in your online bank. You go to the payment service "
        "provider's page and come back to MyRopo after paying."
    ),
    "maksu.select": "Select",
    "maksu.select_invoice": "Select invoice {number} for payment",
    "maksu.select_hint": "Select the invoices you want to pay at once in your online bank.",
    "maksu.pay_selected": "Pay selected",
    "maksu.problem.unavailable": "Paying is not possible right now. Please try again shortly.",
    "maksu.problem.not_payable": (
        "The invoice cannot be paid online now: it is already paid or nothing is open on it."
    ),
    "maksu.problem.in_progress": "The payment is already being processed. Wait a moment and "
    "try again.",
    "maksu.problem.none_selected": "Select the invoices to pay.",
    "maksu.problem.too_many": "Select at most 50 invoices at a time.",
    "maksu.receipt.title": "Payment – MyRopo",
    "maksu.receipt.succeeded.heading": "Paid in MyRopo",
    "maksu.receipt.succeeded.body": (
        "Thank you! The payment was received. It is registered on the invoice when the money "
        "reaches us, usually within 1–2 banking days."
    ),
    "maksu.receipt.failed.heading": "Payment cancelled",
    "maksu.receipt.failed.body": "The invoice was not paid. You can pay it again on its page.",
    "maksu.receipt.pending.heading": "Payment awaiting confirmation",
    "maksu.receipt.pending.body": (
        "The bank has not confirmed the payment yet. The status is updated when it does."
    ),
    "maksu.receipt.details": "Payment details",
    "maksu.receipt.amount": "Amount",
    "maksu.receipt.method": "Payment method",
    "maksu.receipt.time": "Paid",
    "maksu.receipt.invoices": "Invoices",
    "maksu.receipt.open_invoice": "Open the invoice",
    "maksu.receipt.invoice": "Invoice",
    "maksu.receipt.reference": "reference {reference}",
    "maksu.receipt.back": "Back to your invoices",
    "error.psp_return_invalid.heading": "The payment return data is not valid.",
    "error.psp_return_invalid.body": (
        "If you paid the invoice, the payment is registered once the payment service provider "
        "has confirmed it."
    ),
    "error.payment_not_found.heading": "Payment not found",
    "error.payment_not_found.body": "The payment does not exist or is not yours.",
    "maksuaika.heading": "Payment time",
    "maksuaika.unavailable": (
        "The payment time options could not be fetched just now. Please try again shortly."
    ),
    "maksuaika.fee": "Fee",
    "maksuaika.free": "Free of charge",
    "maksuaika.continue": "Continue",
    "maksuaika.cancel": "Cancel",
    "maksuaika.extension.heading": "Due date extension",
    "maksuaika.extension.latest": "New due date at the latest",
    "maksuaika.extension.new_due_date": "New due date",
    "maksuaika.extension.fee_note": "The fee is added to the invoice when you confirm.",
    "maksuaika.extension.confirm": "Confirm the extension",
    "maksuaika.plan.heading": "Payment plan",
    "maksuaika.plan.choose": "Choose the number of instalments",
    "maksuaika.plan.choice": (
        "{count} instalments, first instalment {amount}, fee {fee}, total {total}"
    ),
    "maksuaika.plan.summary": "You pay the invoice in {count} monthly instalments.",
    "maksuaika.plan.confirm": "Confirm the payment plan",
    "maksuaika.confirm.title": "Payment time – MyRopo",
    "maksuaika.confirm.back": "Back to the invoice",
    "maksuaika.problem.fee_changed": "The fee has changed. Check the new details and try again.",
    "maksuaika.problem.not_allowed": "This can no longer be done for this invoice.",
    "maksuaika.problem.invalid": "The choice is not valid. Check the details and try again.",
    "maksuaika.problem.unavailable": (
        "The service is not available just now. Please try again shortly."
    ),
    "notice.due_date_extended": "Due date extended: {date}. Fee: {fee}.",
    "notice.payment_plan_created": "The payment plan has been made.",
    "plan.heading": "Payment plan",
    "plan.number": "Instalment",
    "plan.due_date": "Due date",
    "plan.amount": "Amount",
    "plan.paid": "Paid",
    "plan.state": "Status",
    "plan.total": "Total",
    "plan.fee_included": "including a fee of {fee}",
    "plan.state.ACTIVE": "Active",
    "plan.state.COMPLETED": "Paid",
    "plan.state.CANCELLED": "Cancelled",
    "plan.instalment.OPEN": "Open",
    "plan.instalment.PAID": "Paid",
    "plan.instalment.OVERDUE": "Overdue",
}

CATALOGUE: Final[Mapping[str, Mapping[str, str]]] = {
    "fi": {**_FI, **REFUND_TEXTS["fi"], **CHAT_TEXTS["fi"], **LETTER_TEXTS["fi"]},
    "sv": {**_SV, **REFUND_TEXTS["sv"], **CHAT_TEXTS["sv"], **LETTER_TEXTS["sv"]},
    "en": {**_EN, **REFUND_TEXTS["en"], **CHAT_TEXTS["en"], **LETTER_TEXTS["en"]},
}


def negotiate_language(cookie_value: str | None) -> str:
    """The language of a request: the chosen one when supported, else Finnish."""
    return cookie_value if cookie_value in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Translator:
    """Messages and formats of one language, passed to the templates as ``t``/``fmt_*``."""

    language: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        finnish = CATALOGUE[DEFAULT_LANGUAGE]
        text = CATALOGUE.get(self.language, finnish).get(key) or finnish.get(key, key)
        return text.format(**values) if values else text

    def date(self, value: date | None) -> str:
        """``d.m.yyyy`` without leading zeros, e.g. ``5.3.2025``; empty for no date."""
        return "" if value is None else f"{value.day}.{value.month}.{value.year}"

    def date_time(self, value: datetime | None) -> str:
        """A moment in Finnish time: ``5.3.2025 klo 14.30`` (fi), ``5.3.2025 kl. 14.30`` (sv),
        ``5.3.2025 14:30`` (en); empty for none."""
        if value is None:
            return ""
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(DISPLAY_TIMEZONE)
        pattern = _TIME_FORMATS.get(self.language, "{date} {h}:{m:02d}")
        return pattern.format(date=self.date(local.date()), h=local.hour, m=local.minute)

    def money(self, value: Money) -> str:
        """``1 696,32 €`` (fi, sv) or ``€1,696.32`` (en)."""
        return value.format(self.language)

    def plain_amount(self, value: Money) -> str:
        """The amount as a bank's payment form takes it: no grouping, no currency —
        ``1696,32`` (fi, sv) or ``1696.32`` (en)."""
        text = str(value.amount)
        return text if self.language == "en" else text.replace(".", ",")
