"""No henkilötunnus leaks when people authorize each other (DESIGN §8, issue 4).

With real processes: a person authorizes another by name and henkilötunnus (the JSON API and
the page form), opens the authorization list, revokes one; then every log line of every
process, every message on every JetStream stream and every text column of every service
database is scanned for a henkilötunnus. The grantee's code exists at rest only sealed
(AES-GCM) in the authorization database, and pages and JSON show it masked.
"""

from __future__ import annotations

import asyncio
import re
from html import unescape

import pytest
from ropo_platform.money_proto import money_from_proto
from ropo_platform.redaction import HETU_PATTERN
from ropo_sandbox.persons import person_by_id
from ropo_stack import Stack, stream_messages, text_cells

pytestmark = pytest.mark.slow
OWNER, GRANTEES = "john-smith", ("liisa-virtanen", "ville-nieminen")


def masked(hetu: str) -> str:
    """How the suite shows a henkilötunnus: the birth date only (``DDMMYY-****``)."""
    return f"{hetu[:6]}-****"


def test_authorizing_leaves_no_henkilotunnus_behind(stack: Stack) -> None:
    owner = person_by_id(OWNER)
    grantees = [person_by_id(person_id) for person_id in GRANTEES]
    assert owner is not None and all(grantees)
    invoice = next(
        item
        for item in stack.ensure_demo_invoices_sync(OWNER)
        if money_from_proto(item.open_amount).is_positive()
    )
    invoice_id = invoice.name.removeprefix("invoices/")
    base = f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}/authorizations"
    with stack.client() as client:
        assert stack.login(client, OWNER).status_code == 303
        first, second = grantees[0], grantees[1]
        assert first is not None and second is not None
        created = client.post(base, json={"name": first.name, "national_id": first.hetu})
        assert created.status_code in (200, 201), created.text
        assert first.hetu not in created.text
        assert created.json()["grantee_masked_identifier"] == masked(first.hetu)
        page = client.get(f"{stack.gateway_url}/laskut/{invoice_id}")
        token = unescape(re.findall(r'name="csrf_token" value="([^"]+)"', page.text)[0])
        form = client.post(
            f"{stack.gateway_url}/laskut/{invoice_id}/valtuutukset",
            data={"csrf_token": token, "name": second.name, "national_id": second.hetu},
        )
        assert form.status_code == 303, form.text
        assert second.hetu not in form.headers["location"]
        listed = client.get(base)
        assert listed.status_code == 200
        assert masked(first.hetu) in listed.text and masked(second.hetu) in listed.text
        assert not HETU_PATTERN.search(listed.text)
        page = client.get(f"{stack.gateway_url}/laskut/{invoice_id}")
        assert not HETU_PATTERN.search(page.text)
        for authorization in listed.json()["authorizations"]:
            if authorization["state"] == "ACTIVE":
                revoke = client.post(f"{base}/{authorization['id']}/revoke", json={})
                assert revoke.status_code == 200

    hetus = [person.hetu for person in (owner, first, second)]

    def leaks(text: str) -> bool:
        return bool(HETU_PATTERN.search(text)) or any(hetu in text for hetu in hetus)

    assert [f"{name}: {line}" for name, line in stack.log_lines() if leaks(line)] == []
    assert stack.nats is not None
    messages = asyncio.run(stream_messages(stack.nats.url))
    assert messages, "the events were published"
    assert [m for m in messages if leaks(m.decode("latin-1"))] == []
    for database in sorted(stack.tmp_dir.glob("*.db")):
        cells = [f"{database.name} {t}.{c}" for t, c, v in text_cells(database) if leaks(v)]
        assert cells == []
    grantee_rows = [
        value
        for table, column, value in text_cells(stack.tmp_dir / "authorization.db")
        if table == "authorizations" and column == "grantee_masked_identifier"
    ]
    assert masked(first.hetu) in grantee_rows and masked(second.hetu) in grantee_rows


def test_a_henkilotunnus_typed_wrong_is_refused_without_being_echoed(stack: Stack) -> None:
    invoice = stack.ensure_demo_invoices_sync(OWNER)[0]
    invoice_id = invoice.name.removeprefix("invoices/")
    wrong = "131052-308U"  # a check character that does not match
    with stack.client() as client:
        assert stack.login(client, OWNER).status_code == 303
        answer = client.post(
            f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}/authorizations",
            json={"name": "Testi Henkilö", "national_id": wrong},
        )
    assert answer.status_code == 400
    assert wrong not in answer.text
    assert "national_id" in answer.text
    assert not [line for _, line in stack.log_lines() if wrong in line]
