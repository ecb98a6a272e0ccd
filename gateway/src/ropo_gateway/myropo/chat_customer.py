"""Who uses *Avaa Chat* on this request: a logged-in person or a visitor (``visitors``).

The session wins: a person with a leftover visitor pass chats as the person, and the
visitor's conversation stays the visitor's (never merged). Without a session the visitor
pass names the visitor; without a valid pass the request is the ``UNKNOWN_VISITOR``, who
owns no conversation and whose forms no CSRF token matches — only ``GET /chat`` turns it
into a visitor by minting a pass (``welcome``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from ropo_gateway.auth.model import Session
from ropo_gateway.myropo.visitors import (
    UNKNOWN_VISITOR,
    clear_visitor_cookie,
    set_visitor_cookie,
    visitor_cookie_name,
)
from ropo_gateway.runtime import Runtime
from ropo_gateway.web.deps import RuntimeDep, SessionDep, session_token


@dataclass(frozen=True, slots=True)
class ChatCustomer:
    """The chat's customer: ``subject`` is ``persons/{key}`` or ``visitors/{id}``; ``session``
    is the person's (the header's logout form), ``None`` for a visitor."""

    subject: str
    csrf_token: str
    session: Session | None = None
    #: A pass minted by this request, for the response to set as the cookie.
    new_pass: str = ""
    #: The request carried a visitor pass the response should drop (a person's request).
    stale_pass: bool = False

    @property
    def visitor(self) -> bool:
        return self.session is None

    @property
    def known(self) -> bool:
        """False for the ``UNKNOWN_VISITOR``: no pass, so no conversation and no form."""
        return self.subject != UNKNOWN_VISITOR

    def keep_cookies(self, response: Response, runtime: Runtime) -> Response:
        """Set a freshly minted pass or drop a person's leftover one."""
        if self.new_pass:
            set_visitor_cookie(response, runtime.settings, self.new_pass)
        elif self.stale_pass:
            clear_visitor_cookie(response, runtime.settings)
        return response


async def get_chat_customer(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> ChatCustomer:
    presented = request.cookies.get(visitor_cookie_name(runtime.settings))
    if session is not None and session_token(request, runtime):
        return ChatCustomer(
            session.identity.subject, session.csrf_token, session, stale_pass=bool(presented)
        )
    visitor = runtime.visitor_passes.read(presented)
    if visitor is None:
        return ChatCustomer(UNKNOWN_VISITOR, "")
    return ChatCustomer(visitor.subject, visitor.csrf_token)


def welcome(customer: ChatCustomer, runtime: Runtime) -> ChatCustomer:
    """The customer itself, or — for the ``UNKNOWN_VISITOR`` — a new visitor with a pass."""
    if customer.known:
        return customer
    value, visitor = runtime.visitor_passes.issue()
    return ChatCustomer(visitor.subject, visitor.csrf_token, new_pass=value)


ChatCustomerDep = Annotated[ChatCustomer, Depends(get_chat_customer)]
