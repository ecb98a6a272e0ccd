"""When the bot hands a conversation to a person, and the Chatbot facade that applies it."""

from __future__ import annotations

import pytest
from ropo_chat.domain.bot import (
    BotTurn,
    Chatbot,
    HandoffDecision,
    HandoffPolicy,
    HandoffReason,
    Intent,
    IntentMatch,
    IntentMatcher,
)
from ropo_chat.domain.bot.answers import answer_for, handoff_answer

POLICY = HandoffPolicy(threshold=0.25)
HELPFUL = BotTurn(Intent.PAY_INVOICE, 0.9)
UNHELPFUL = BotTurn(Intent.UNKNOWN, 0.33)


def match(intent: Intent, confidence: float) -> IntentMatch:
    return IntentMatch(intent, confidence, "fi")


def test_asking_for_a_person_hands_off_at_once() -> None:
    decision = POLICY.decide([], match(Intent.CONTACT_HUMAN, 1.0))

    assert decision == HandoffDecision(True, HandoffReason.REQUESTED)


def test_no_usable_guess_hands_off_at_once() -> None:
    decision = POLICY.decide([HELPFUL], match(Intent.UNKNOWN, 0.0))

    assert decision == HandoffDecision(True, HandoffReason.LOW_CONFIDENCE)


def test_a_confident_answer_keeps_the_bot() -> None:
    assert POLICY.decide([UNHELPFUL], match(Intent.PAYMENT_PLAN, 0.8)) == HandoffDecision.keep()


def test_one_unhelpful_answer_keeps_the_bot() -> None:
    assert POLICY.decide([], match(Intent.UNKNOWN, 0.33)) == HandoffDecision.keep()
    assert POLICY.decide([HELPFUL], match(Intent.UNKNOWN, 0.33)) == HandoffDecision.keep()


def test_two_unhelpful_answers_in_a_row_hand_off() -> None:
    decision = POLICY.decide([HELPFUL, UNHELPFUL], match(Intent.UNKNOWN, 0.4))

    assert decision == HandoffDecision(True, HandoffReason.UNHELPFUL_TWICE)


def test_only_consecutive_unhelpful_answers_count() -> None:
    decision = POLICY.decide([UNHELPFUL, HELPFUL], match(Intent.UNKNOWN, 0.4))

    assert not decision.hand_off


def test_an_earlier_low_confidence_turn_counts_as_unhelpful() -> None:
    earlier = BotTurn(Intent.GREETING, 0.1)

    decision = POLICY.decide([earlier], match(Intent.UNKNOWN, 0.3))

    assert decision.reason is HandoffReason.UNHELPFUL_TWICE


def test_the_unhelpful_limit_is_configurable() -> None:
    patient = HandoffPolicy(threshold=0.25, unhelpful_limit=3)
    latest = match(Intent.UNKNOWN, 0.4)

    assert not patient.decide([UNHELPFUL], latest).hand_off
    assert patient.decide([UNHELPFUL, UNHELPFUL], latest).reason is HandoffReason.UNHELPFUL_TWICE


@pytest.mark.parametrize(
    ("threshold", "limit"), [(-0.1, 2), (1.1, 2), (0.2, 0)], ids=["negative", "above-one", "limit"]
)
def test_refuses_impossible_settings(threshold: float, limit: int) -> None:
    with pytest.raises(ValueError):
        HandoffPolicy(threshold=threshold, unhelpful_limit=limit)


# The facade, end to end on real text.

BOT = Chatbot()
WEAK_GUESS = "referensnummer"  # one weak Swedish hint: UNKNOWN, but not hopeless


def test_weak_guess_precondition() -> None:
    weak = IntentMatcher().match(WEAK_GUESS, "sv")

    assert weak.intent is Intent.UNKNOWN
    assert HandoffPolicy().threshold <= weak.confidence < IntentMatcher().threshold


def test_the_bot_answers_a_recognised_question_in_the_messages_language() -> None:
    reply = BOT.reply("Kan jag flytta förfallodagen?", "fi", None, ())

    assert reply.language == "sv"
    assert reply.intent is Intent.DUE_DATE_EXTENSION
    assert reply.answer == answer_for(Intent.DUE_DATE_EXTENSION, "sv", None)
    assert not reply.handoff.hand_off


def test_a_first_unclear_message_asks_again_and_a_second_hands_off() -> None:
    first = BOT.reply(WEAK_GUESS, "sv", None, ())
    second = BOT.reply(WEAK_GUESS, "sv", None, (first.turn,))

    assert first.intent is Intent.UNKNOWN
    assert not first.handoff.hand_off
    assert first.answer == answer_for(Intent.UNKNOWN, "sv", None)
    assert second.handoff == HandoffDecision(True, HandoffReason.UNHELPFUL_TWICE)
    assert second.answer == handoff_answer("sv")


def test_a_message_the_bot_cannot_read_at_all_goes_to_a_person() -> None:
    reply = BOT.reply("Mikä on Suomen pääkaupunki?", "fi", None, ())

    assert reply.intent is Intent.UNKNOWN
    assert reply.confidence == 0.0
    assert reply.handoff.reason is HandoffReason.LOW_CONFIDENCE
    assert reply.answer == handoff_answer("fi")


def test_asking_for_a_person_gets_the_handoff_answer_of_that_intent() -> None:
    reply = BOT.reply("I want to talk to a human", "fi", None, ())

    assert reply.language == "en"
    assert reply.handoff.reason is HandoffReason.REQUESTED
    assert reply.answer == answer_for(Intent.CONTACT_HUMAN, "en", None)


def test_the_greeting_opens_in_the_page_language_without_handoff() -> None:
    reply = BOT.greet("sv", None)

    assert (reply.language, reply.intent, reply.confidence) == ("sv", Intent.GREETING, 1.0)
    assert not reply.handoff.hand_off
    assert reply.turn == BotTurn(Intent.GREETING, 1.0)


def test_replies_are_deterministic() -> None:
    texts = ["moi", "voisko eräpäivää siirtää", WEAK_GUESS, "asdf"]

    first = [BOT.reply(text, "fi", None, ()) for text in texts]

    assert [Chatbot().reply(text, "fi", None, ()) for text in texts] == first
