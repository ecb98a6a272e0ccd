"""Ropo One staff login through the sandbox identity broker (both in process): a separate OIDC
client with PKCE, a staff session of its own kind, roles, creditor binding, logout and timeouts;
customer and staff sessions never open each other's pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest_asyncio
from ropo_one_support import (
    AGENT,
    CUSTOMER_COOKIE,
    GATEWAY,
    SANDBOX,
    STAFF_COOKIE,
    STAFF_LOGIN_COOKIE,
    SUPERVISOR,
    TESTI,
    TESTI_USER,
    Console,
    captured_logs,
    console,
    csrf_token,
    make_invoice,
    upstream,
)
from ropo_sandbox.persons import TESTI_YRITYS_BUSINESS_ID


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1"))
        yield running


def set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined,no-any-return]


async def test_the_login_is_a_pkce_code_flow_of_the_staff_client(one: Console) -> None:
    landing = await one.client.get("/ropo-one")
    assert landing.status_code == 200
    assert 'action="/ropo-one/kirjaudu"' in landing.text and "Kirjaudu sisään" in landing.text

    start = await one.client.get("/ropo-one/kirjaudu")
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(f"{SANDBOX}/idp/authorize?")
    query = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    assert query["client_id"] == "ropo-one"
    assert query["redirect_uri"] == f"{GATEWAY}/ropo-one/auth/callback"
    assert query["code_challenge_method"] == "S256"
    assert {"state", "nonce", "code_challenge"} <= set(query)
    login_cookie = next(c for c in set_cookies(start) if c.startswith(f"{STAFF_LOGIN_COOKIE}="))
    assert "httponly" in login_cookie.lower() and "samesite=lax" in login_cookie.lower()
    # The broker's page for this client lists staff users, not test persons.
    page = await one.client.get(location)
    assert 'name="staff_user"' in page.text and 'name="person"' not in page.text


async def test_an_agent_logs_in_and_gets_a_staff_session(one: Console) -> None:
    with captured_logs() as logs:
        callback = await one.login_staff(AGENT)
    assert callback.status_code == 303 and callback.headers["location"] == "/ropo-one"
    session_cookie = next(c for c in set_cookies(callback) if c.startswith(f"{STAFF_COOKIE}="))
    lowered = session_cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "max-age" not in lowered
    assert any(c.startswith(f'{STAFF_LOGIN_COOKIE}="";') for c in set_cookies(callback))
    assert one.cookie(CUSTOMER_COOKIE) is None

    page = await one.client.get("/ropo-one")
    assert page.status_code == 200
    assert "Aino Asiakaspalvelija" in page.text and "Asiakaspalvelija" in page.text
    assert "Hae vain avoimet" in page.text and "Kirjaudu ulos" in page.text

    succeeded = [line for line in logs() if line["event"] == "staff_login_succeeded"]
    assert succeeded and succeeded[0]["actor"] == f"staffUsers/{AGENT}"
    assert succeeded[0]["roles"] == ["agent"]


async def test_a_supervisor_has_both_roles(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    page = await one.client.get("/ropo-one")
    assert "Eero Esihenkilö" in page.text
    assert "Asiakaspalvelija, Esihenkilö" in page.text


async def test_a_creditor_user_is_bound_to_its_creditor_by_business_id(one: Console) -> None:
    callback = await one.login_staff(TESTI_USER)
    assert callback.status_code == 303
    assert one.creditors.asked == [TESTI_YRITYS_BUSINESS_ID]
    page = await one.client.get("/ropo-one")
    assert "Näet vain laskuttajan Testi-yritys Oy tapaukset." in page.text
    session = await one.runtime.staff.sessions.resolve(one.cookie(STAFF_COOKIE))
    assert session is not None
    assert session.identity.creditor == TESTI
    assert session.identity.is_creditor_user


async def test_a_creditor_the_invoice_service_does_not_know_gets_no_session(
    one: Console,
) -> None:
    one.creditors.known = {}
    callback = await one.login_staff(TESTI_USER)
    assert callback.status_code == 403
    assert "Ei käyttöoikeutta" in callback.text
    assert one.cookie(STAFF_COOKIE) is None


async def test_a_failing_creditor_lookup_reads_as_unavailable(one: Console) -> None:
    one.creditors.error = upstream(grpc.StatusCode.UNIMPLEMENTED)
    callback = await one.login_staff(TESTI_USER)
    assert callback.status_code == 503
    assert "Palvelu ei ole juuri nyt käytettävissä" in callback.text
    assert one.cookie(STAFF_COOKIE) is None


async def test_login_rotates_the_staff_session(one: Console) -> None:
    await one.login_staff(AGENT)
    first = str(one.cookie(STAFF_COOKIE))
    # A logged-in user going to the login again is sent home, not through a new flow.
    again = await one.client.get("/ropo-one/kirjaudu")
    assert again.status_code == 303 and again.headers["location"] == "/ropo-one"

    # A new login from a browser that (again) presents the first id replaces it.
    one.client.cookies.clear()
    start = await one.client.get("/ropo-one/kirjaudu")
    one.client.cookies.set(STAFF_COOKIE, first, domain="localhost.local")
    callback = await one.through_broker(start.headers["location"], staff_user=AGENT)
    second = next(c for c in set_cookies(callback) if c.startswith(f"{STAFF_COOKIE}="))
    assert first not in second
    assert await one.runtime.staff.sessions.resolve(first) is None


async def test_the_callback_refuses_a_tampered_state_and_a_missing_flow(one: Console) -> None:
    start = await one.client.get("/ropo-one/kirjaudu")
    page = await one.client.get(start.headers["location"])
    assert page.status_code == 200
    back = await one.client.get(
        f"{GATEWAY}/ropo-one/auth/callback?code=forged&state=attacker-state"
    )
    assert back.status_code == 400
    assert "Kirjautuminen epäonnistui" in back.text
    assert one.cookie(STAFF_COOKIE) is None
    # The flow is spent: the same browser cannot try again with it.
    again = await one.client.get(f"{GATEWAY}/ropo-one/auth/callback?code=x&state=y")
    assert again.status_code == 400 and "Kirjautuminen vanhentui" in again.text


async def test_logout_needs_the_csrf_token_and_ends_the_session(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get("/ropo-one")
    token = one.cookie(STAFF_COOKIE)

    forged = await one.client.post("/ropo-one/kirjaudu-ulos", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 200

    logout = await one.client.post(
        "/ropo-one/kirjaudu-ulos", data={"csrf_token": csrf_token(page.text)}
    )
    assert logout.status_code == 303 and logout.headers["location"] == "/ropo-one/uloskirjautunut"
    assert "Olet kirjautunut ulos" in (await one.client.get("/ropo-one/uloskirjautunut")).text
    assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 401
    assert await one.runtime.staff.sessions.resolve(token) is None


async def test_idle_and_absolute_timeouts_end_staff_sessions(tmp_path: Path) -> None:
    async with console(
        tmp_path,
        staff_session_idle_timeout_seconds=600,
        staff_session_absolute_timeout_seconds=1800,
    ) as one:
        await one.login_staff(AGENT)
        one.clock.advance(seconds=540)
        assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 200
        one.clock.advance(seconds=540)
        assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 200
        one.clock.advance(seconds=601)
        assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 401

        # The broker signs with the wall clock: log in again at "now".
        one.clock.now = datetime.now(UTC)
        await one.login_staff(AGENT)
        for _ in range(3):
            one.clock.advance(seconds=590)
            assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 200
        one.clock.advance(seconds=60)
        assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 401
        landing = await one.client.get("/ropo-one")
        assert "Kirjaudu sisään" in landing.text
        assert any(c.startswith(f'{STAFF_COOKIE}="";') for c in set_cookies(landing))


async def test_a_customer_session_never_opens_staff_pages(one: Console) -> None:
    callback = await one.login_customer("maija-meikalainen")
    assert callback.status_code == 303 and one.cookie(CUSTOMER_COOKIE)
    assert one.cookie(STAFF_COOKIE) is None

    assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 401
    assert (await one.client.get("/api/ropo-one/v1/invoices/inv-1")).status_code == 401
    landing = await one.client.get("/ropo-one")
    assert "Kirjaudu sisään" in landing.text and "Hae vain avoimet" not in landing.text
    case = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert case.status_code == 401 and "Maija" not in case.text

    # Even presented in the staff cookie, a customer session id is not a staff session.
    one.client.cookies.set(STAFF_COOKIE, str(one.cookie(CUSTOMER_COOKIE)), domain="localhost.local")
    assert (await one.client.get("/api/ropo-one/v1/invoices")).status_code == 401
    assert one.cases.gets == [] and one.cases.searches == []


async def test_a_staff_session_never_opens_customer_pages(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    staff_token = str(one.cookie(STAFF_COOKIE))

    assert (await one.client.get("/api/myropo/v1/invoices")).status_code == 401
    first_page = await one.client.get("/")
    assert first_page.status_code == 200 and "Tervetuloa!" not in first_page.text

    # Even presented in the customer cookie, a staff session id is not a customer session.
    one.client.cookies.set(CUSTOMER_COOKIE, staff_token, domain="localhost.local")
    assert (await one.client.get("/api/myropo/v1/invoices")).status_code == 401
