"""The chatbot: recognises what a customer's message is about and answers it, in Finnish,
Swedish or English, or hands the conversation to a person (pure and deterministic; the
service layer supplies the person's invoice facts and the conversation's earlier bot turns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ropo_chat.domain.bot.answers import BotAnswer, Link, answer_for, handoff_answer
from ropo_chat.domain.bot.facts import InvoiceFact, PersonFacts
from ropo_chat.domain.bot.handoff import (
    BotTurn,
    HandoffDecision,
    HandoffPolicy,
    HandoffReason,
)
from ropo_chat.domain.bot.intents import Intent
from ropo_chat.domain.bot.language import detect_language
from ropo_chat.domain.bot.matcher import IntentMatch, IntentMatcher
from ropo_chat.domain.bot.text import LANGUAGES

__all__ = [
    "LANGUAGES",
    "BotAnswer",
    "BotReply",
    "BotTurn",
    "Chatbot",
    "HandoffDecision",
    "HandoffPolicy",
    "HandoffReason",
    "Intent",
    "IntentMatch",
    "IntentMatcher",
    "InvoiceFact",
    "Link",
    "PersonFacts",
    "answer_for",
    "detect_language",
]


@dataclass(frozen=True, slots=True)
class BotReply:
    """The bot's reply to one message: the language it answers in, the recognised intent and
    the confidence in it, the answer, and whether a person takes over."""

    language: str
    intent: Intent
    confidence: float
    answer: BotAnswer
    handoff: HandoffDecision

    @property
    def turn(self) -> BotTurn:
        """This reply as the next message's history sees it."""
        return BotTurn(self.intent, self.confidence)


class Chatbot:
    """One instance serves every conversation (it keeps no conversation state)."""

    def __init__(
        self, matcher: IntentMatcher | None = None, policy: HandoffPolicy | None = None
    ) -> None:
        self._matcher = matcher or IntentMatcher()
        self._policy = policy or HandoffPolicy()

    def reply(
        self,
        text: str,
        page_language: str,
        facts: PersonFacts | None,
        history: Sequence[BotTurn],
    ) -> BotReply:
        """Answer ``text`` in its language, else ``page_language``; ``facts`` when the customer
        is logged in; ``history`` the conversation's earlier bot turns, oldest first."""
        language = detect_language(text, page_language)
        match = self._matcher.match(text, language)
        decision = self._policy.decide(history, match)
        if decision.hand_off and decision.reason is not HandoffReason.REQUESTED:
            answer = handoff_answer(language)
        else:
            answer = answer_for(match.intent, language, facts)
        return BotReply(language, match.intent, match.confidence, answer, decision)

    def greet(self, page_language: str, facts: PersonFacts | None) -> BotReply:
        """The greeting that opens a conversation, in the page's language."""
        answer = answer_for(Intent.GREETING, page_language, facts)
        return BotReply(page_language, Intent.GREETING, 1.0, answer, HandoffDecision.keep())
