"""The *Tunnistaudu* page: accessible, masked identity codes, safe headers."""

from __future__ import annotations

import httpx
import lxml.html
from ropo_sandbox.persons import PERSONS
from sandbox_support import Login, RunningBroker, transaction_of


def _page(browser: httpx.Client) -> httpx.Response:
    response = browser.get("/idp/authorize", params=Login().params())
    assert response.status_code == 200
    return response


def test_page_structure_is_accessible(broker: RunningBroker, browser: httpx.Client) -> None:
    document = lxml.html.fromstring(_page(browser).text)

    assert document.get("lang") == "fi"
    assert "Tunnistaudu" in document.findtext(".//title")
    assert len(document.findall(".//main")) == 1
    headings = document.findall(".//h1")
    assert [h.text_content().strip() for h in headings] == ["Tunnistaudu"]
    viewport = document.find(".//meta[@name='viewport']")
    assert viewport is not None


def test_every_input_has_a_label(broker: RunningBroker, browser: httpx.Client) -> None:
    document = lxml.html.fromstring(_page(browser).text)

    visible_inputs = [i for i in document.iter("input") if i.get("type") != "hidden"]
    assert len(visible_inputs) == len(PERSONS)
    for field in visible_inputs:
        labels = document.xpath(f"//label[@for='{field.get('id')}']")
        assert len(labels) == 1, field.get("id")
        assert labels[0].text_content().strip()
    fieldset = document.find(".//fieldset")
    assert fieldset is not None
    assert fieldset.findtext("legend") == "Valitse testihenkilö"


def test_buttons_are_labelled_submit_buttons(broker: RunningBroker, browser: httpx.Client) -> None:
    document = lxml.html.fromstring(_page(browser).text)

    buttons = {b.text_content().strip(): b for b in document.iter("button")}
    assert set(buttons) == {"Tunnistaudu", "Peruuta"}
    assert all(b.get("type") == "submit" for b in buttons.values())
    # Cancelling must not require picking a person first.
    assert buttons["Peruuta"].get("formnovalidate") is not None


def test_persons_are_listed_with_masked_identity_codes(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    page = _page(browser).text
    document = lxml.html.fromstring(page)

    for person in PERSONS:
        label = document.xpath(f"//label[@for='person-{person.id}']")[0].text_content()
        assert person.name in label
        assert person.masked_hetu in label
        assert person.hetu not in page


def test_page_has_protective_headers(broker: RunningBroker, browser: httpx.Client) -> None:
    headers = _page(browser).headers

    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self' http://localhost:8080" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    cookie = headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_stylesheet_is_served_with_a_visible_focus(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    document = lxml.html.fromstring(_page(browser).text)
    href = document.find(".//link[@rel='stylesheet']").get("href")

    response = browser.get(href)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in response.text


def test_missing_choice_is_announced(broker: RunningBroker, browser: httpx.Client) -> None:
    page = _page(browser)

    response = browser.post(
        "/idp/authorize/decision",
        data={"transaction": transaction_of(page.text), "action": "login"},
    )

    document = lxml.html.fromstring(response.text)
    alert = document.find(".//*[@role='alert']")
    assert alert is not None
    assert alert.text_content().strip() == "Valitse testihenkilö."
    assert document.find(".//fieldset").get("aria-describedby") == alert.get("id")


def test_healthz(broker: RunningBroker, browser: httpx.Client) -> None:
    response = browser.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
