"""One JSON line per request, and never a henkilötunnus, code or token in the logs."""

from __future__ import annotations

import io
import json
import time

import httpx
from ropo_sandbox.logs import make_logger, scrub
from ropo_sandbox.persons import PERSONS
from sandbox_support import Login, RunningBroker, assert_clean_log, log_in, redeem


def test_login_flow_logs_no_personal_data_or_secrets(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    broker.logs.truncate(0)
    broker.logs.seek(0)
    seen: list[str] = []
    for person in PERSONS:
        login = Login()
        code = log_in(browser, login, person.id)
        tokens = redeem(browser, code, login).json()
        browser.get("/idp/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        redeem(browser, code, login)  # a replay: logged as a warning
        seen += [code, tokens["access_token"], tokens["id_token"], login.state, login.nonce]

    # The request line is written after the response went out: wait for the last one.
    deadline = time.monotonic() + 5
    while broker.logs.getvalue().count('"http_request"') < 5 * len(PERSONS):
        assert time.monotonic() < deadline, "request lines missing"
        time.sleep(0.01)
    lines = assert_clean_log(broker.logs.getvalue(), seen)

    requests = [line for line in lines if line["event"] == "http_request"]
    assert len(requests) == 5 * len(PERSONS)
    for line in requests:
        assert {"timestamp", "level", "service", "method", "path", "status", "duration_ms"} <= set(
            line
        )
        assert "?" not in line["path"]
    assert any(line["event"] == "code_replayed" for line in lines)


def test_scrubber_masks_identity_codes_as_a_last_line_of_defence() -> None:
    stream = io.StringIO()
    log = make_logger(stream, "INFO")
    hetu = PERSONS[0].hetu

    log.info("oops", detail=f"person {hetu} and {hetu.lower()}", nested={"list": [hetu]})

    line = json.loads(stream.getvalue())
    assert hetu not in stream.getvalue()
    assert hetu.lower() not in stream.getvalue()
    assert line["nested"] == {"list": ["[REDACTED-HETU]"]}
    assert scrub("trace 0123456789abcdef0123456789abcdef") == (
        "trace 0123456789abcdef0123456789abcdef"
    )


def test_debug_lines_are_filtered_at_info() -> None:
    stream = io.StringIO()

    make_logger(stream, "INFO").debug("hidden")

    assert stream.getvalue() == ""
