"""The *Tunnistaudu* page in Chromium, driven by keyboard only."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sandbox_support import REDIRECT_URI, Login, RunningBroker, query_of, redeem

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_login_with_the_keyboard_only(broker: RunningBroker) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed")
    login = Login()
    url = (
        broker.base_url
        + "/idp/authorize?"
        + "&".join(f"{key}={value}" for key, value in login.params().items())
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            # Stand in for the relying party's callback.
            page.route(REDIRECT_URI + "*", lambda route: route.fulfill(body="callback"))
            page.goto(url.replace(" ", "+"))
            page.keyboard.press("Tab")  # into the radio group: first person
            assert page.evaluate("document.activeElement.id") == "person-maija-meikalainen"
            page.keyboard.press("ArrowDown")  # next person, selected by the arrow key
            page.keyboard.press("Tab")  # to the Tunnistaudu button
            assert page.evaluate("document.activeElement.textContent.trim()") == "Tunnistaudu"
            with page.expect_request(lambda request: request.url.startswith(REDIRECT_URI)) as sent:
                page.keyboard.press("Enter")
            callback = query_of(sent.value.url)
        finally:
            browser.close()

    assert callback["state"] == login.state
    with httpx.Client(base_url=broker.base_url) as client:
        tokens = redeem(client, callback["code"], login).json()
        keys = KeySet.import_key_set(client.get("/idp/jwks").json())
    claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["name"] == "Matti Meikäläinen"  # the arrow key moved the choice
