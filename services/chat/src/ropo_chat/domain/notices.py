"""What the system says in a transcript when people change: an agent joins, the
conversation goes back to the queue. Worded per conversation language; names are the
display names the agents gave."""

from __future__ import annotations

_AGENT_JOINED = {
    "fi": "{name} asiakaspalvelusta liittyi keskusteluun.",
    "sv": "{name} från kundtjänsten anslöt till chatten.",
    "en": "{name} from customer service joined the chat.",
}
_BACK_TO_QUEUE = {
    "fi": "Keskustelu siirrettiin toiselle asiakaspalvelijalle. Odota hetki, vastaamme pian.",
    "sv": "Chatten flyttades till en annan kundtjänstmedarbetare. Vänta en stund, vi svarar snart.",
    "en": "The chat was passed to another customer service agent. Please wait, we will answer "
    "soon.",
}


def agent_joined(language_code: str, agent_display_name: str) -> str:
    return _AGENT_JOINED[language_code].format(name=agent_display_name)


def back_to_queue(language_code: str) -> str:
    return _BACK_TO_QUEUE[language_code]
