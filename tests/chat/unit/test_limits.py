"""The message rate rule: at most 10 messages per 60 seconds and 100 per day per sender,
decided from the sender's recent post times, with the wait until the next allowed post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ropo_chat.domain.limits import (
    DEFAULT_WINDOWS,
    MessageRateLimit,
    RateDecision,
    RateWindow,
)
from ropo_platform.errors import ResourceExhausted

NOW = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
LIMIT = MessageRateLimit()
MINUTE, DAY = DEFAULT_WINDOWS


def seconds_ago(*offsets: float) -> list[datetime]:
    return [NOW - timedelta(seconds=offset) for offset in offsets]


def test_the_defaults() -> None:
    assert (MINUTE.window, MINUTE.max_messages) == (timedelta(seconds=60), 10)
    assert (DAY.window, DAY.max_messages) == (timedelta(days=1), 100)
    assert LIMIT.lookback == timedelta(days=1)
    assert LIMIT.max_relevant == 100


@pytest.mark.parametrize(
    ("post_times", "decision"),
    [
        pytest.param([], RateDecision(True), id="first message"),
        pytest.param(seconds_ago(*range(1, 10)), RateDecision(True), id="9 in a minute"),
        pytest.param(
            seconds_ago(*range(1, 11)),
            RateDecision(False, 50, MINUTE),
            id="10 in a minute: wait for the oldest to leave",
        ),
        pytest.param(
            seconds_ago(30, *range(1, 11)),
            RateDecision(False, 50, MINUTE),
            id="11 in a minute (a race): wait for two to leave",
        ),
        pytest.param(
            seconds_ago(60, *range(1, 10)), RateDecision(True), id="exactly 60 s ago is out"
        ),
        pytest.param(
            seconds_ago(59.2, *range(1, 10)),
            RateDecision(False, 1, MINUTE),
            id="a fraction of a second rounds up",
        ),
        pytest.param(
            seconds_ago(59.9999, *range(1, 10)),
            RateDecision(False, 1, MINUTE),
            id="at least one second",
        ),
        pytest.param(
            seconds_ago(*(3600 * hour for hour in range(1, 24)), *range(1, 10)),
            RateDecision(True),
            id="32 today",
        ),
        pytest.param(
            seconds_ago(*(600 + 100 * n for n in range(100))),
            RateDecision(False, 86400 - 10500, DAY),
            id="100 today: wait for the oldest of the day",
        ),
        pytest.param(
            seconds_ago(*(86400 + n for n in range(200))),
            RateDecision(True),
            id="yesterday's do not count",
        ),
        pytest.param(
            [NOW + timedelta(seconds=2)] * 10,
            RateDecision(False, 62, MINUTE),
            id="a clock ahead still counts",
        ),
    ],
)
def test_decide(post_times: list[datetime], decision: RateDecision) -> None:
    assert LIMIT.decide(post_times, NOW) == decision


def test_the_order_of_the_post_times_does_not_matter() -> None:
    post_times = seconds_ago(*range(1, 11))
    assert LIMIT.decide(reversed(post_times), NOW) == LIMIT.decide(post_times, NOW)


def test_when_both_windows_are_full_the_longer_wait_wins() -> None:
    # 90 earlier today and 10 in the last minute: the minute frees up first, the day later.
    post_times = seconds_ago(*(1000 + n for n in range(90)), *range(1, 11))
    decision = LIMIT.decide(post_times, NOW)
    assert decision.window == DAY
    assert decision.retry_after_seconds == 86400 - 1089


def test_the_sender_may_post_again_after_the_wait() -> None:
    post_times = seconds_ago(*range(1, 11))
    decision = LIMIT.decide(post_times, NOW)
    later = NOW + timedelta(seconds=decision.retry_after_seconds)
    assert LIMIT.decide(post_times, later).allowed
    assert not LIMIT.decide(post_times, later - timedelta(seconds=1)).allowed


def test_the_newest_max_relevant_post_times_decide_like_all_of_them() -> None:
    post_times = seconds_ago(*(30 * n for n in range(1, 500)))
    newest = sorted(post_times, reverse=True)[: LIMIT.max_relevant]
    assert LIMIT.decide(newest, NOW) == LIMIT.decide(post_times, NOW)


def test_enforce_raises_resource_exhausted_with_the_wait() -> None:
    with pytest.raises(ResourceExhausted) as refused:
        LIMIT.enforce(seconds_ago(*range(1, 11)), NOW)
    assert refused.value.reason == "CHAT_MESSAGE_RATE_LIMITED"
    assert refused.value.retry_after_seconds == 50
    assert refused.value.metadata == {"max_messages": "10", "window_seconds": "60"}


def test_enforce_lets_an_allowed_message_through() -> None:
    LIMIT.enforce(seconds_ago(*range(1, 10)), NOW)


def test_custom_windows() -> None:
    strict = MessageRateLimit((RateWindow(timedelta(seconds=10), 2),))
    assert strict.decide(seconds_ago(1), NOW).allowed
    assert strict.decide(seconds_ago(1, 3), NOW) == RateDecision(
        False, 7, RateWindow(timedelta(seconds=10), 2)
    )
    assert strict.lookback == timedelta(seconds=10)


@pytest.mark.parametrize(
    ("window", "max_messages"),
    [(timedelta(0), 1), (timedelta(seconds=-1), 1), (timedelta(seconds=1), 0)],
)
def test_a_window_needs_a_positive_length_and_limit(window: timedelta, max_messages: int) -> None:
    with pytest.raises(ValueError):
        RateWindow(window, max_messages)
