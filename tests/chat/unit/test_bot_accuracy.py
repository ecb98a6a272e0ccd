"""Intent accuracy of the chatbot on its labelled utterances (``tests/chat/data``).

``utterances_heldout.tsv`` was written before the vocabulary and never used to tune it; only
this report reads it. ``utterances_tuning.tsv`` is what the vocabulary was tuned on. Run with
``-s`` to see the tables (per language and per intent).

Held-out figures when first run (the only run that looked at them; 108 utterances, 3 per
language and intent): overall 108/108 (100 %), fi 36/36, sv 36/36, en 36/36, every intent 9/9;
as a Finnish page sends them (language detected first): language 108/108, intent 108/108.
Tuning set then: 609/612 (99.5 %), 203/204 per language; the three misses are "are you a real
human?" questions labelled unknown and read as contact_human.

The held-out set is small and has the same author as the vocabulary; a sober estimate of
accuracy on phrasings nobody tuned for came from the tuning batches, each written before the
vocabulary saw it: 78 % (108 utterances), then 65 %, 79 %, 82 % and 68 % (72 each).

``utterances_blind.tsv`` (180, 5 per language and intent) was written afterwards by another
author who never saw the vocabulary or the other sets. It is only reported, never tuned on.
25 of its texts happen to equal texts of the other sets (common phrasings such as "Moi"); the
other 155 are scored. First run: 135/155 (87.1 %), fi 46/53 (86.8 %), sv 43/50 (86.0 %),
en 46/52 (88.5 %) — the most honest figure here, below the 90 % the held-out set shows. Its test
guards against regressions with lower floors than the held-out targets.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from ropo_chat.domain.bot import Chatbot, Intent, IntentMatcher, detect_language

DATA = Path(__file__).resolve().parents[1] / "data"
LANGUAGES = ("fi", "sv", "en")
MIN_OVERALL = 0.90
MIN_PER_LANGUAGE = 0.85


@dataclass(frozen=True)
class Utterance:
    language: str
    intent: Intent
    text: str


def load(name: str) -> list[Utterance]:
    with (DATA / name).open(encoding="utf-8", newline="") as file:
        rows = csv.reader(
            (line for line in file if not line.startswith("#")),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
        header = next(rows)
        assert header == ["language", "intent", "text"]
        return [Utterance(language, Intent(intent), text) for language, intent, text in rows]


HELDOUT = load("utterances_heldout.tsv")
TUNING = load("utterances_tuning.tsv")
# The blind author wrote some common phrasings the others had too ("Moi", "Can I move the due
# date?"); only the rest is new to the bot.
_SEEN = {u.text.casefold() for u in (*HELDOUT, *TUNING)}
BLIND = [u for u in load("utterances_blind.tsv") if u.text.casefold() not in _SEEN]
#: Regression floors for the blind set (its first run: 87.1 % overall, 86–88.5 % per language).
BLIND_MIN_OVERALL = 0.85
BLIND_MIN_PER_LANGUAGE = 0.80


@dataclass(frozen=True)
class Outcome:
    utterance: Utterance
    predicted: str

    @property
    def correct(self) -> bool:
        return self.predicted == self.utterance.intent


def share(outcomes: Iterable[Outcome]) -> tuple[int, int, float]:
    listed = list(outcomes)
    right = sum(outcome.correct for outcome in listed)
    return right, len(listed), right / len(listed) if listed else 0.0


def report(title: str, outcomes: list[Outcome]) -> str:
    lines = [f"{title}: intent accuracy"]
    right, total, ratio = share(outcomes)
    lines.append(f"  all   {right:4d}/{total:<4d} {ratio:7.1%}")
    for language in LANGUAGES:
        right, total, ratio = share(o for o in outcomes if o.utterance.language == language)
        lines.append(f"  {language:5s} {right:4d}/{total:<4d} {ratio:7.1%}")
    lines.append("  per intent (fi / sv / en / all):")
    for intent in Intent:
        cells = []
        for group in (*((language,) for language in LANGUAGES), LANGUAGES):
            right, total, _ = share(
                o
                for o in outcomes
                if o.utterance.intent is intent and o.utterance.language in group
            )
            cells.append(f"{right}/{total}")
        lines.append(f"    {intent.value:20s} " + "  ".join(f"{cell:>6s}" for cell in cells))
    confusions = Counter((o.utterance.intent.value, o.predicted) for o in outcomes if not o.correct)
    if confusions:
        lines.append("  confusions (expected → predicted: count):")
        lines.extend(
            f"    {expected} → {predicted}: {count}"
            for (expected, predicted), count in sorted(confusions.items())
        )
    return "\n".join(lines)


def evaluate(utterances: list[Utterance], predict: Callable[[Utterance], str]) -> list[Outcome]:
    return [Outcome(utterance, predict(utterance)) for utterance in utterances]


MATCHER = IntentMatcher()


def by_labelled_language(utterance: Utterance) -> str:
    return MATCHER.match(utterance.text, utterance.language).intent


def assert_accurate(outcomes: list[Outcome]) -> None:
    _, _, overall = share(outcomes)
    assert overall >= MIN_OVERALL
    for language in LANGUAGES:
        _, _, ratio = share(o for o in outcomes if o.utterance.language == language)
        assert ratio >= MIN_PER_LANGUAGE, language


def test_the_labelled_set_is_large_balanced_and_kept_apart() -> None:
    assert len(HELDOUT) + len(TUNING) >= 200
    assert len(HELDOUT) >= 70
    for utterances in (HELDOUT, TUNING):
        cells = Counter((u.language, u.intent) for u in utterances)
        assert set(cells) == {(language, intent) for language in LANGUAGES for intent in Intent}
    tuning_texts = {u.text.casefold() for u in TUNING}
    assert not [u.text for u in HELDOUT if u.text.casefold() in tuning_texts]


@pytest.mark.parametrize(
    ("title", "utterances"), [("held-out", HELDOUT), ("tuning", TUNING)], ids=["heldout", "tuning"]
)
def test_intent_accuracy(title: str, utterances: list[Utterance]) -> None:
    outcomes = evaluate(utterances, by_labelled_language)
    print("\n" + report(title, outcomes))
    assert_accurate(outcomes)


def test_end_to_end_on_a_finnish_page_detects_the_language_first() -> None:
    """The whole bot on the held-out set as a Finnish page sends it: the message's language is
    detected first (a wrong guess costs the intent too)."""
    bot = Chatbot()
    detected = [detect_language(u.text, "fi") == u.language for u in HELDOUT]
    outcomes = evaluate(HELDOUT, lambda u: bot.reply(u.text, "fi", None, ()).intent)
    right, total, ratio = share(outcomes)
    print(
        f"\nheld-out, page language fi: language detected {sum(detected)}/{len(detected)} "
        f"({sum(detected) / len(detected):.1%}), intent {right}/{total} ({ratio:.1%})"
    )
    assert ratio >= MIN_PER_LANGUAGE


def test_blind_set_accuracy_is_reported() -> None:
    """Another author's utterances, never tuned on: reported, and guarded against regressions."""
    outcomes = evaluate(BLIND, by_labelled_language)
    print("\n" + report("blind", outcomes))
    _, _, overall = share(outcomes)
    assert overall >= BLIND_MIN_OVERALL
    for language in LANGUAGES:
        _, _, ratio = share(o for o in outcomes if o.utterance.language == language)
        assert ratio >= BLIND_MIN_PER_LANGUAGE, language
