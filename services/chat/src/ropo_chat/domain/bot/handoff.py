"""When the bot hands a conversation to a person.

Three reasons: the customer asked for one (``CONTACT_HUMAN``); the bot has no usable guess at
all (confidence below the policy's threshold, which sits below the matcher's: a weak guess is
answered with "did you mean…", no guess at all goes to a person); or the bot was unhelpful
``unhelpful_limit`` times in a row, counting the latest (``UNKNOWN`` or below the threshold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ropo_chat.domain.bot.intents import Intent
from ropo_chat.domain.bot.matcher import IntentMatch

DEFAULT_HANDOFF_THRESHOLD: Final = 0.25


class HandoffReason(StrEnum):
    REQUESTED = "requested"
    LOW_CONFIDENCE = "low_confidence"
    UNHELPFUL_TWICE = "unhelpful_twice"


@dataclass(frozen=True, slots=True)
class BotTurn:
    """One earlier bot reply of the conversation, as stored with its message."""

    intent: Intent
    confidence: float


@dataclass(frozen=True, slots=True)
class HandoffDecision:
    """``hand_off`` with its ``reason``; ``reason`` is ``None`` when the bot keeps answering."""

    hand_off: bool
    reason: HandoffReason | None = None

    @classmethod
    def keep(cls) -> HandoffDecision:
        return cls(False)

    @classmethod
    def because(cls, reason: HandoffReason) -> HandoffDecision:
        return cls(True, reason)


@dataclass(frozen=True, slots=True)
class HandoffPolicy:
    threshold: float = DEFAULT_HANDOFF_THRESHOLD
    unhelpful_limit: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be in [0, 1]")
        if self.unhelpful_limit < 1:
            raise ValueError("unhelpful_limit must be at least 1")

    def is_unhelpful(self, intent: Intent, confidence: float) -> bool:
        return intent is Intent.UNKNOWN or confidence < self.threshold

    def decide(self, history: Sequence[BotTurn], latest: IntentMatch) -> HandoffDecision:
        """``history``: the conversation's earlier bot turns, oldest first."""
        if latest.intent is Intent.CONTACT_HUMAN:
            return HandoffDecision.because(HandoffReason.REQUESTED)
        if latest.confidence < self.threshold:
            return HandoffDecision.because(HandoffReason.LOW_CONFIDENCE)
        if not self.is_unhelpful(latest.intent, latest.confidence):
            return HandoffDecision.keep()
        earlier = self.unhelpful_limit - 1
        recent = list(history)[-earlier:] if earlier else []
        if len(recent) == earlier and all(
            self.is_unhelpful(turn.intent, turn.confidence) for turn in recent
        ):
            return HandoffDecision.because(HandoffReason.UNHELPFUL_TWICE)
        return HandoffDecision.keep()
