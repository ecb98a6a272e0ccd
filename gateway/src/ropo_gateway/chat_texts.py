"""MyRopo's texts of *Avaa Chat*, merged into the catalogue of ``i18n`` (the chat's wording in
one place). The bot's own answers come from the chat service in the conversation's
language; these are the page around them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

FI: Final[dict[str, str]] = {
    "nav.chat": "Avaa Chat",
    "chat.title": "Avaa Chat – MyRopo",
    "chat.heading": "Avaa Chat",
    "chat.intro": (
        "Kysy laskuistasi, eräpäivän siirrosta, maksusuunnitelmasta tai valtuutuksista. "
        "Ropo-botti vastaa heti, ja tarvittaessa keskustelu siirtyy asiakaspalvelijalle."
    ),
    "chat.open": "Avaa Chat",
    "chat.open_conversation": "Sinulla on avoin keskustelu.",
    "chat.continue": "Jatka keskustelua",
    "chat.transcript": "Keskustelu",
    "chat.message": "Viesti",
    "chat.message_hint": "Älä kirjoita viestiin henkilötunnusta tai tilinumeroa.",
    "chat.send": "Lähetä",
    "chat.close": "Sulje keskustelu",
    "chat.closed_note": "Keskustelu on päättynyt. Voit aloittaa uuden keskustelun.",
    "chat.new": "Aloita uusi keskustelu",
    "chat.you": "Sinä",
    "chat.agent": "asiakaspalvelija",
    "chat.sender.BOT": "Ropo-botti",
    "chat.sender.AGENT": "Asiakaspalvelija",
    "chat.sender.SYSTEM": "Ropo",
    "chat.sender.UNSPECIFIED": "Ropo",
    "chat.links": "Linkit",
    "chat.state.BOT": "Ropo-botti vastaa kysymyksiisi.",
    "chat.state.QUEUED": (
        "Keskustelu on siirretty asiakaspalvelijalle. Odota hetki, vastaamme mahdollisimman pian."
    ),
    "chat.state.WITH_AGENT": "Asiakaspalvelija liittyi keskusteluun. Sinua palvelee {name}.",
    "chat.state.CLOSED": "Keskustelu on suljettu.",
    "chat.problem.empty": "Kirjoita viesti.",
    "chat.problem.too_long": "Viesti on liian pitkä. Lyhennä sitä ja lähetä uudelleen.",
    "chat.problem.invalid": "Viestiä ei voitu lähettää. Tarkista teksti ja yritä uudelleen.",
    "chat.problem.rate_limited": (
        "Lähetit viestejä liian nopeasti. Odota hetki ja lähetä viesti uudelleen."
    ),
    "chat.problem.closed": "Keskustelu on suljettu. Aloita tarvittaessa uusi keskustelu.",
    "chat.problem.failed": "Viestiä ei voitu lähettää. Yritä hetken kuluttua uudelleen.",
    "chat.live_failed": "Uudet viestit näkyvät, kun lataat sivun uudelleen.",
    "error.chat_not_found.heading": "Keskustelua ei löytynyt",
    "error.chat_not_found.body": "Keskustelua ei ole olemassa. Voit aloittaa uuden keskustelun.",
    "chat.visitor_note": (
        "Et ole kirjautunut sisään, joten Ropo-botti vastaa yleisellä tasolla eikä näe "
        "laskujasi. Kirjauduttuasi aloitat uuden keskustelun."
    ),
    "chat.visitor_login": "Kirjaudu sisään",
    "chat.problem.too_many_starts": (
        "Täältä on juuri aloitettu liian monta keskustelua. Odota hetki ja yritä uudelleen."
    ),
}

SV: Final[dict[str, str]] = {
    "nav.chat": "Öppna chatten",
    "chat.title": "Öppna chatten – MyRopo",
    "chat.heading": "Öppna chatten",
    "chat.intro": (
        "Fråga om dina fakturor, flyttning av förfallodagen, betalningsplan eller fullmakter. "
        "Ropo-botten svarar direkt, och vid behov tar en kundtjänstmedarbetare över."
    ),
    "chat.open": "Öppna chatten",
    "chat.open_conversation": "Du har en öppen konversation.",
    "chat.continue": "Fortsätt konversationen",
    "chat.transcript": "Konversation",
    "chat.message": "Meddelande",
    "chat.message_hint": "Skriv inte din personbeteckning eller ditt kontonummer i meddelandet.",
    "chat.send": "Skicka",
    "chat.close": "Avsluta konversationen",
    "chat.closed_note": "Konversationen har avslutats. Du kan starta en ny konversation.",
    "chat.new": "Starta en ny konversation",
    "chat.you": "Du",
    "chat.agent": "kundtjänstmedarbetare",
    "chat.sender.BOT": "Ropo-botten",
    "chat.sender.AGENT": "Kundtjänst",
    "chat.sender.SYSTEM": "Ropo",
    "chat.sender.UNSPECIFIED": "Ropo",
    "chat.links": "Länkar",
    "chat.state.BOT": "Ropo-botten svarar på dina frågor.",
    "chat.state.QUEUED": (
        "Konversationen har överförts till kundtjänst. Vänta en stund, vi svarar så snart vi kan."
    ),
    "chat.state.WITH_AGENT": (
        "En kundtjänstmedarbetare har anslutit till konversationen. Du betjänas av {name}."
    ),
    "chat.state.CLOSED": "Konversationen är avslutad.",
    "chat.problem.empty": "Skriv ett meddelande.",
    "chat.problem.too_long": "Meddelandet är för långt. Förkorta det och skicka igen.",
    "chat.problem.invalid": "Meddelandet kunde inte skickas. Kontrollera texten och försök igen.",
    "chat.problem.rate_limited": (
        "Du skickade meddelanden för snabbt. Vänta en stund och skicka meddelandet igen."
    ),
    "chat.problem.closed": "Konversationen är avslutad. Starta vid behov en ny konversation.",
    "chat.problem.failed": "Meddelandet kunde inte skickas. Försök igen om en stund.",
    "chat.live_failed": "Nya meddelanden visas när du laddar om sidan.",
    "error.chat_not_found.heading": "Konversationen hittades inte",
    "error.chat_not_found.body": "Konversationen finns inte. Du kan starta en ny konversation.",
    "chat.visitor_note": (
        "Du är inte inloggad, så Ropo-botten svarar allmänt och ser inte dina fakturor. "
        "När du har loggat in startar du en ny konversation."
    ),
    "chat.visitor_login": "Logga in",
    "chat.problem.too_many_starts": (
        "För många konversationer har nyss startats härifrån. Vänta en stund och försök igen."
    ),
}

EN: Final[dict[str, str]] = {
    "nav.chat": "Open chat",
    "chat.title": "Open chat – MyRopo",
    "chat.heading": "Open chat",
    "chat.intro": (
        "Ask about your invoices, moving a due date, a payment plan or authorizations. "
        "The Ropo bot answers right away and, when needed, a customer service agent takes over."
    ),
    "chat.open": "Open chat",
    "chat.open_conversation": "You have an open conversation.",
    "chat.continue": "Continue the conversation",
    "chat.transcript": "Conversation",
    "chat.message": "Message",
    "chat.message_hint": "Do not write your personal identity code or account number here.",
    "chat.send": "Send",
    "chat.close": "Close the conversation",
    "chat.closed_note": "The conversation has ended. You can start a new one.",
    "chat.new": "Start a new conversation",
    "chat.you": "You",
    "chat.agent": "a customer service agent",
    "chat.sender.BOT": "Ropo bot",
    "chat.sender.AGENT": "Customer service",
    "chat.sender.SYSTEM": "Ropo",
    "chat.sender.UNSPECIFIED": "Ropo",
    "chat.links": "Links",
    "chat.state.BOT": "The Ropo bot answers your questions.",
    "chat.state.QUEUED": (
        "The conversation has been passed to customer service. Please wait, we answer as soon "
        "as we can."
    ),
    "chat.state.WITH_AGENT": (
        "A customer service agent joined the conversation. You are served by {name}."
    ),
    "chat.state.CLOSED": "The conversation is closed.",
    "chat.problem.empty": "Write a message.",
    "chat.problem.too_long": "The message is too long. Shorten it and send it again.",
    "chat.problem.invalid": "The message could not be sent. Check the text and try again.",
    "chat.problem.rate_limited": (
        "You sent messages too quickly. Wait a moment and send the message again."
    ),
    "chat.problem.closed": "The conversation is closed. Start a new one if you need to.",
    "chat.problem.failed": "The message could not be sent. Try again in a moment.",
    "chat.live_failed": "New messages appear when you reload the page.",
    "error.chat_not_found.heading": "Conversation not found",
    "error.chat_not_found.body": "There is no such conversation. You can start a new one.",
    "chat.visitor_note": (
        "You are not logged in, so the Ropo bot answers in general terms and cannot see your "
        "invoices. After logging in you start a new conversation."
    ),
    "chat.visitor_login": "Log in",
    "chat.problem.too_many_starts": (
        "Too many conversations were just started from here. Wait a moment and try again."
    ),
}

CHAT_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {"fi": FI, "sv": SV, "en": EN}
