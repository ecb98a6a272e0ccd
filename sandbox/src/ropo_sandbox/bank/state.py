"""The bank's in-memory state: one instance per app, reached via ``request.app.state.bank``.

Everything runs on the app's one event loop and no method awaits, so each method is
atomic with respect to concurrent requests. A restart loses the state (a dev tool).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from ropo_sandbox.bank.payouts import PayoutFile
from ropo_sandbox.logs import Logger

PREFIX = "/bank"
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ReceivedPayout:
    content: bytes
    payout: PayoutFile


@dataclass
class Bank:
    """Payout files by message id and the end-to-end ids tests want rejected."""

    clock: Clock
    log: Logger
    payouts: dict[str, ReceivedPayout] = field(default_factory=dict)
    rejections: dict[str, str] = field(default_factory=dict)

    def receive(self, content: bytes, payout: PayoutFile) -> bool:
        """Keep the file unless its message id is known; True when it is new."""
        if payout.message_id in self.payouts:
            return False
        self.payouts[payout.message_id] = ReceivedPayout(content, payout)
        return True


def build_bank(clock: Clock, log: Logger) -> Bank:
    """An empty bank."""
    return Bank(clock=clock, log=log)


def get_bank(request: Request) -> Bank:
    """The app's bank (set by ``create_app``)."""
    bank: Bank = request.app.state.bank
    return bank
