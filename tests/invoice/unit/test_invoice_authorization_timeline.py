"""Authorizations in the invoice timeline: the use cases with fakes, and the wording
in fi/sv/en (values stored, words made at read time, nobody named)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from invoice_fakes import Store, fake_uow_factory
from invoice_support import HETU_MATTI, finvoice_xml
from ropo.invoice.v1 import invoice_event_pb2
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.stage import Stage
from ropo_invoice.entrypoints.proto_mapping import timeline_entry_to_proto
from ropo_invoice.service_layer.authorizations import (
    AuthorizationEnd,
    NoteAuthorizationEnded,
    NoteAuthorizationGranted,
    note_authorization_ended,
    note_authorization_granted,
)
from ropo_invoice.service_layer.handlers import ImportFinvoice, InvoiceHandlers
from ropo_invoice.service_layer.ports import TimelineEntry, TimelineType
from ropo_invoice.service_layer.timeline_texts import describe

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 9, 5, 9, 30, tzinfo=UTC)
LANGUAGES = (Language.FI, Language.SV, Language.EN)


@pytest.fixture
def store() -> Store:
    return Store()


async def imported(store: Store) -> str:
    handlers = InvoiceHandlers(
        uow=fake_uow_factory(store),
        protector=AesGcmNationalIdProtector(bytes(32), b"unit-test-person-key-secret"),
        parse_finvoice=parse_finvoice,
        clock=lambda: NOW,
    )
    result = await handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    return result.invoice.id


def authorization_entries(store: Store, invoice_id: str) -> list[TimelineEntry]:
    return [
        entry
        for entry in store.timeline
        if entry.invoice_id == invoice_id
        and entry.type in (TimelineType.AUTHORIZATION_GRANTED, TimelineType.AUTHORIZATION_REVOKED)
    ]


def worded(entry: TimelineEntry) -> dict[Language, tuple[str, str]]:
    return {language: describe(entry, language) for language in LANGUAGES}


# ------------------------------------------------------------------------------ use cases


async def test_grant_then_revoke_add_one_entry_each(store: Store) -> None:
    invoice_id = await imported(store)
    uow = fake_uow_factory(store)
    granted = NoteAuthorizationGranted(invoice_id, "a1", NOW, date(2026, 12, 31))
    assert await note_authorization_granted(granted, uow())
    ended = NoteAuthorizationEnded(invoice_id, "a1", LATER, AuthorizationEnd.REVOKED)
    assert await note_authorization_ended(ended, uow())

    first, second = authorization_entries(store, invoice_id)
    assert (first.type, first.occurred_at) == (TimelineType.AUTHORIZATION_GRANTED, NOW)
    assert first.details == {"authorization": "a1", "expire_date": "2026-12-31"}
    assert (second.type, second.occurred_at) == (TimelineType.AUTHORIZATION_REVOKED, LATER)
    assert second.details == {"authorization": "a1", "end": "revoked"}
    # After the import's own entry, in arrival order.
    assert [first.position, second.position] == [2, 3]
    assert first.amount is None and second.amount is None


async def test_the_same_authorization_is_noted_once(store: Store) -> None:
    """A duplicate under another event id (the inbox cannot see it) adds nothing."""
    invoice_id = await imported(store)
    uow = fake_uow_factory(store)
    granted = NoteAuthorizationGranted(invoice_id, "a1", NOW)
    ended = NoteAuthorizationEnded(invoice_id, "a1", LATER, AuthorizationEnd.EXPIRED)
    assert await note_authorization_granted(granted, uow())
    assert not await note_authorization_granted(granted, uow())
    assert await note_authorization_ended(ended, uow())
    assert not await note_authorization_ended(ended, uow())
    commits = store.commits
    # Another authorization of the same invoice is its own history.
    assert await note_authorization_granted(NoteAuthorizationGranted(invoice_id, "a2", NOW), uow())
    assert store.commits == commits + 1
    assert [
        (e.type, e.details["authorization"]) for e in authorization_entries(store, invoice_id)
    ] == [
        (TimelineType.AUTHORIZATION_GRANTED, "a1"),
        (TimelineType.AUTHORIZATION_REVOKED, "a1"),
        (TimelineType.AUTHORIZATION_GRANTED, "a2"),
    ]


async def test_unknown_invoice_is_not_found(store: Store) -> None:
    with pytest.raises(InvoiceNotFound):
        await note_authorization_granted(
            NoteAuthorizationGranted("nope", "a1", NOW), fake_uow_factory(store)()
        )
    assert store.timeline == []


@pytest.mark.parametrize(
    ("stage", "end"),
    [(Stage.PAID, "paid"), (Stage.CANCELLED, "closed"), (Stage.CREDITED, "closed")],
)
async def test_ending_with_the_invoice_says_paid_or_closed(
    store: Store, stage: Stage, end: str
) -> None:
    invoice_id = await imported(store)
    store.invoices[invoice_id].stage = stage
    command = NoteAuthorizationEnded(invoice_id, "a1", LATER, None)
    assert await note_authorization_ended(command, fake_uow_factory(store)())
    (entry,) = authorization_entries(store, invoice_id)
    assert entry.details["end"] == end


async def test_nothing_about_the_authorized_person_is_stored(store: Store) -> None:
    invoice_id = await imported(store)
    uow = fake_uow_factory(store)
    await note_authorization_granted(NoteAuthorizationGranted(invoice_id, "a1", NOW), uow())
    for entry in authorization_entries(store, invoice_id):
        assert set(entry.details) <= {"authorization", "expire_date", "end"}
        for language in LANGUAGES:
            text = " ".join(describe(entry, language))
            assert "persons/" not in text and HETU_MATTI not in text


# -------------------------------------------------------------------------------- wording


def _entry(type_: TimelineType, **details: str) -> TimelineEntry:
    return TimelineEntry("i1", type_, NOW, details={"authorization": "a1", **details}, position=4)


def test_granted_wording_with_and_without_an_end_date() -> None:
    dated = _entry(TimelineType.AUTHORIZATION_GRANTED, expire_date="2026-12-31")
    assert worded(dated) == {
        Language.FI: ("Valtuutus annettu", "Voimassa 31.12.2026 asti"),
        Language.SV: ("Fullmakt given", "Gäller till och med 31.12.2026"),
        Language.EN: ("Authorization granted", "Valid until 31.12.2026"),
    }
    assert worded(_entry(TimelineType.AUTHORIZATION_GRANTED)) == {
        Language.FI: ("Valtuutus annettu", "Voimassa toistaiseksi"),
        Language.SV: ("Fullmakt given", "Gäller tills vidare"),
        Language.EN: ("Authorization granted", "Valid until further notice"),
    }


@pytest.mark.parametrize(
    ("end", "fi", "sv", "en"),
    [
        (
            "revoked",
            "Valtuutus peruttu",
            "Fullmakten återkallades",
            "The authorization was revoked",
        ),
        ("expired", "Valtuutus vanhentui", "Fullmakten gick ut", "The authorization expired"),
        (
            "paid",
            "Valtuutus päättyi laskun maksun myötä",
            "Fullmakten upphörde när fakturan betalades",
            "The authorization ended when the invoice was paid",
        ),
        (
            "closed",
            "Valtuutus päättyi laskun sulkemisen myötä",
            "Fullmakten upphörde när fakturan stängdes",
            "The authorization ended when the invoice was closed",
        ),
        ("unknown", "", "", ""),
    ],
)
def test_ended_wording_by_reason(end: str, fi: str, sv: str, en: str) -> None:
    assert worded(_entry(TimelineType.AUTHORIZATION_REVOKED, end=end)) == {
        Language.FI: ("Valtuutus päättyi", fi),
        Language.SV: ("Fullmakten upphörde", sv),
        Language.EN: ("Authorization ended", en),
    }


def test_entries_map_to_their_wire_types() -> None:
    granted = timeline_entry_to_proto(_entry(TimelineType.AUTHORIZATION_GRANTED), Language.FI)
    assert granted.type == invoice_event_pb2.InvoiceEvent.TYPE_AUTHORIZATION_GRANTED
    assert granted.name == "invoices/i1/events/4"
    assert (granted.title, granted.letter, granted.HasField("amount")) == (
        "Valtuutus annettu",
        "",
        False,
    )
    revoked = timeline_entry_to_proto(
        _entry(TimelineType.AUTHORIZATION_REVOKED, end="revoked"), Language.EN
    )
    assert revoked.type == invoice_event_pb2.InvoiceEvent.TYPE_AUTHORIZATION_REVOKED
    assert revoked.description == "The authorization was revoked"
