"""The intent matcher: deterministic scoring over the vocabulary tables, typo tolerance,
colloquial forms, compounds and the UNKNOWN threshold."""

from __future__ import annotations

import pytest
from ropo_chat.domain.bot import Intent, IntentMatcher
from ropo_chat.domain.bot.vocabulary import VOCABULARY, Terms

MATCHER = IntentMatcher()


@pytest.mark.parametrize(
    ("language", "text", "intent"),
    [
        ("fi", "Miten maksan laskun verkkopankissa?", Intent.PAY_INVOICE),
        ("fi", "Voinko siirtää eräpäivää?", Intent.DUE_DATE_EXTENSION),
        ("fi", "Haluan tehdä maksusuunnitelman", Intent.PAYMENT_PLAN),
        ("fi", "Miten valtuutan puolisoni?", Intent.AUTHORIZATION),
        ("fi", "Mihin ilmoitan tilinumeron?", Intent.REFUND_ACCOUNT),
        ("fi", "Haluan nähdä alkuperäisen laskun", Intent.INVOICE_IMAGE),
        ("fi", "En löydä laskuani", Intent.FIND_INVOICE),
        ("fi", "Miksi laskussa on perintäkuluja?", Intent.COLLECTION_COSTS),
        ("fi", "Haluan riitauttaa laskun", Intent.DISPUTE),
        ("fi", "Haluan puhua ihmisen kanssa", Intent.CONTACT_HUMAN),
        ("fi", "Moikka!", Intent.GREETING),
        ("sv", "Hur betalar jag fakturan i nätbanken?", Intent.PAY_INVOICE),
        ("sv", "Kan jag flytta förfallodagen?", Intent.DUE_DATE_EXTENSION),
        ("sv", "Jag vill göra en betalningsplan", Intent.PAYMENT_PLAN),
        ("sv", "Hur ger jag fullmakt?", Intent.AUTHORIZATION),
        ("sv", "Var anmäler jag mitt kontonummer?", Intent.REFUND_ACCOUNT),
        ("sv", "Kan jag få fakturan som pdf?", Intent.INVOICE_IMAGE),
        ("sv", "Jag hittar inte min faktura", Intent.FIND_INVOICE),
        ("sv", "Varför har jag fått inkassokostnader?", Intent.COLLECTION_COSTS),
        ("sv", "Jag vill bestrida fakturan", Intent.DISPUTE),
        ("sv", "Jag vill prata med kundtjänsten", Intent.CONTACT_HUMAN),
        ("sv", "Hejsan", Intent.GREETING),
        ("en", "How do I pay with online banking?", Intent.PAY_INVOICE),
        ("en", "Can I move the due date?", Intent.DUE_DATE_EXTENSION),
        ("en", "I want a payment plan", Intent.PAYMENT_PLAN),
        ("en", "How do I authorize my husband?", Intent.AUTHORIZATION),
        ("en", "Where do I report my account number for the refund?", Intent.REFUND_ACCOUNT),
        ("en", "Can I see the original invoice?", Intent.INVOICE_IMAGE),
        ("en", "I can't find my invoice", Intent.FIND_INVOICE),
        ("en", "Why are there collection costs?", Intent.COLLECTION_COSTS),
        ("en", "I want to dispute this invoice", Intent.DISPUTE),
        ("en", "Let me talk to a human", Intent.CONTACT_HUMAN),
        ("en", "Good morning", Intent.GREETING),
    ],
)
def test_recognises_every_intent_in_every_language(
    language: str, text: str, intent: Intent
) -> None:
    match = MATCHER.match(text, language)

    assert match.intent is intent
    assert MATCHER.threshold <= match.confidence <= 1.0
    assert match.language == language


def test_the_same_message_always_gets_the_same_answer() -> None:
    texts = ["voisko eräpäivää siirtää", "Hur betalar jag?", "asdf", "pay or plan"]
    first = [MATCHER.match(text, "fi") for text in texts]

    assert [IntentMatcher().match(text, "fi") for text in texts] == first
    assert [MATCHER.match(text, "fi") for text in texts] == first


@pytest.mark.parametrize(
    ("language", "typo", "intent"),
    [
        ("fi", "maksusuunitelma", Intent.PAYMENT_PLAN),
        ("fi", "valtuutsu", Intent.AUTHORIZATION),
        ("fi", "perintäkulujaa", Intent.COLLECTION_COSTS),
        ("sv", "betalningsplna", Intent.PAYMENT_PLAN),
        ("sv", "kontonumer", Intent.REFUND_ACCOUNT),
        ("en", "instalmnets", Intent.PAYMENT_PLAN),
        ("en", "authorisaton", Intent.AUTHORIZATION),
    ],
)
def test_tolerates_typos_in_longer_words(language: str, typo: str, intent: Intent) -> None:
    assert MATCHER.match(typo, language).intent is intent


def test_a_typo_in_a_short_word_is_not_guessed() -> None:
    # "kuva" → "kiva" would be a different word; below five letters only exact matches count.
    assert MATCHER.scores("kiva", "fi") == {}


def test_a_known_word_is_not_read_as_a_typo_of_a_similar_one() -> None:
    # A reminder's fee is not a misspelt payment plan, though the words share 14 letters.
    assert MATCHER.match("betalningspåminnelse", "sv").intent is Intent.COLLECTION_COSTS


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("eräpäivää voisko siirtää", Intent.DUE_DATE_EXTENSION),
        ("tartten lisää aikaa", Intent.DUE_DATE_EXTENSION),
        ("saisinko laskun maksuun", Intent.PAY_INVOICE),
        ("voiks mun vaimo hoitaa mun laskuja", Intent.AUTHORIZATION),
        ("haluun nähä laskun", Intent.INVOICE_IMAGE),
        ("maksoin tuplana, rahat takas", Intent.REFUND_ACCOUNT),
        ("erapaivan siirto", Intent.DUE_DATE_EXTENSION),
    ],
)
def test_understands_colloquial_finnish_and_missing_umlauts(text: str, intent: Intent) -> None:
    assert MATCHER.match(text, "fi").intent is intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("fakturan syns int", Intent.FIND_INVOICE),
        ("jag hör int till den här räkningen, den är fel", Intent.DISPUTE),
        ("jag kan int betala allt på en gång", Intent.PAYMENT_PLAN),
    ],
)
def test_understands_finland_swedish(text: str, intent: Intent) -> None:
    assert MATCHER.match(text, "sv").intent is intent


def test_a_compound_counts_as_its_parts_only_when_it_is_not_a_word_of_its_own() -> None:
    assert MATCHER.match("laskukuva", "fi").intent is Intent.INVOICE_IMAGE  # lasku + kuva
    scores = MATCHER.scores("maksusuunnitelma", "fi")

    assert set(scores) == {Intent.PAYMENT_PLAN}  # not also "maksu" → paying


def test_a_longer_phrase_explains_its_words_for_every_intent() -> None:
    # "paljonko maksaa" is a question about costs; its "maksaa" no longer means paying.
    scores = MATCHER.scores("Paljonko maksukehotus maksaa?", "fi")

    assert Intent.PAY_INVOICE not in scores
    assert MATCHER.match("Paljonko maksukehotus maksaa?", "fi").intent is Intent.COLLECTION_COSTS


def test_words_of_a_phrase_must_stand_close_together() -> None:
    # "för mycket" (paid too much) is three words apart in a thank-you.
    match = MATCHER.match("tack så mycket för all hjälp", "sv")

    assert match.intent is Intent.GREETING


def test_a_greeting_gives_way_to_a_question() -> None:
    assert MATCHER.match("moi, haluan maksusuunnitelman", "fi").intent is Intent.PAYMENT_PLAN
    assert MATCHER.match("Hi! How do I pay the bill?", "en").intent is Intent.PAY_INVOICE


def test_nothing_recognised_is_unknown_with_no_confidence() -> None:
    match = MATCHER.match("Mikä on Suomen pääkaupunki?", "fi")

    assert match.intent is Intent.UNKNOWN
    assert match.confidence == 0.0


def test_a_weak_hint_alone_is_unknown_but_keeps_its_confidence() -> None:
    match = MATCHER.match("referensnummer", "sv")

    assert match.intent is Intent.UNKNOWN
    assert 0.0 < match.confidence < MATCHER.threshold


def test_competing_hints_lower_the_confidence() -> None:
    alone = MATCHER.match("Haluan maksaa laskun", "fi")
    contested = MATCHER.match("Haluan maksaa laskun, mutta lisää aikaa tarvitsisin", "fi")

    assert alone.intent is Intent.PAY_INVOICE
    assert contested.intent is Intent.DUE_DATE_EXTENSION
    assert contested.confidence < 1.0


def test_ties_resolve_in_the_fixed_intent_order() -> None:
    shared = Terms(strong=("tilaus",))
    vocabulary = {"fi": {Intent.DISPUTE: shared, Intent.PAY_INVOICE: shared}}
    matcher = IntentMatcher(threshold=0.5, vocabulary=vocabulary)

    results = {matcher.match("tilaus", "fi") for _ in range(3)}

    assert len(results) == 1
    (match,) = results
    assert match.intent is Intent.PAY_INVOICE  # declared before DISPUTE
    assert match.confidence == 0.5  # a tie halves the confidence


def test_a_higher_threshold_turns_uncertain_matches_into_unknown() -> None:
    strict = IntentMatcher(threshold=0.9)

    assert strict.match("lasku maksuun", "fi").intent is Intent.UNKNOWN
    assert strict.match("maksusuunnitelma", "fi").intent is Intent.PAYMENT_PLAN


def test_every_intent_but_unknown_has_words_in_every_language() -> None:
    for table in VOCABULARY.values():
        assert set(table) == set(Intent) - {Intent.UNKNOWN}
        assert all(terms.strong for terms in table.values())


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_refuses_a_threshold_outside_zero_to_one(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        IntentMatcher(threshold=threshold)


def test_refuses_an_unsupported_language() -> None:
    with pytest.raises(ValueError, match="language"):
        MATCHER.match("hola", "es")
