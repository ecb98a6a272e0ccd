"""Who may see and do what with chat conversations in Ropo One, and the audit trail of it.

Customer service is Ropo's own: agents and supervisors only. A creditor user is answered
403 on the queue and, on every route that names a conversation, exactly like a missing
one (``case_not_found``: the same 404 body) with one audit record — as is a malformed or
unknown id. Every view of a conversation or of the queue and every action (refused by the
service or not) writes one record (``chat_view`` / ``chat_admin``), naming the customer by
pseudonym only (``persons/{key}``; an anonymous visitor is no data subject).

The chat service decides the actions again (only the assignee writes, transfers or
closes; only a queued conversation can be claimed).
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Final, Protocol

import grpc
from ropo.invoice.v1 import invoice_pb2

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.auth.staff_identity import INTERNAL_ROLES, StaffIdentity
from ropo_gateway.chat_events import ConversationWatch
from ropo_gateway.clients.authorization import InvoiceAccess
from ropo_gateway.clients.chat import (
    ConversationPage,
    ConversationState,
    ConversationView,
    MessagePage,
    Posted,
)
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.chat import (
    CONVERSATION_NOT_FOUND,
    MALFORMED_CONVERSATION,
    conversation_name,
)
from ropo_gateway.ropo_one.access import case_not_found, require_role
from ropo_gateway.ropo_one.audit import MALFORMED_ID
from ropo_gateway.ropo_one.ports import AuditSink

STAFF_ONLY: Final = "CHAT_STAFF_ONLY"
#: The resource of the queue page (many conversations, no one customer).
QUEUE_RESOURCE: Final = "conversations"
PERSONS_PREFIX: Final = "persons/"
_MISSING: Final = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})


class ChatDesk(Protocol):
    """The chat service as Ropo One uses it (``ChatClient``)."""

    async def list_queue(
        self, *, language_code: str = "", page_size: int = ..., page_token: str = ""
    ) -> ConversationPage: ...

    async def list_conversations(
        self,
        *,
        customer: str = "",
        assignee: str = "",
        state: ConversationState = ...,
        page_size: int = ...,
        page_token: str = "",
    ) -> ConversationPage: ...

    async def get_conversation(self, name: str) -> ConversationView: ...

    async def list_messages(
        self, conversation: str, *, page_size: int = ..., page_token: str = ""
    ) -> MessagePage: ...

    async def claim_conversation(
        self, request_id: str, conversation: str, agent: str, agent_display_name: str
    ) -> ConversationView: ...

    async def transfer_conversation(
        self,
        request_id: str,
        conversation: str,
        actor: str,
        target_agent: str = "",
        target_agent_display_name: str = "",
    ) -> ConversationView: ...

    async def close_conversation(
        self, request_id: str, conversation: str, actor: str
    ) -> ConversationView: ...

    async def post_message(
        self,
        request_id: str,
        conversation: str,
        sender: str,
        text: str,
        language_code: str,
        sender_display_name: str = "",
    ) -> Posted: ...

    def watch_conversation(
        self, conversation: str, after_message: str = ""
    ) -> ConversationWatch: ...


class CustomerInvoiceAccess(Protocol):
    """The invoices a person may see (``AuthorizationClient.accessible_invoices``)."""

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]: ...


class InvoicesByName(Protocol):
    """Invoices by name, basic view (``InvoiceClient.invoices_by_name``)."""

    async def invoices_by_name(
        self, names: Sequence[str], language_code: str
    ) -> list[invoice_pb2.Invoice]: ...


def chat_forbidden() -> ApiError:
    """403 for the queue of a user who may not handle chats (a creditor user)."""
    return ApiError(
        HTTPStatus.FORBIDDEN,
        STAFF_ONLY,
        "Chats are handled by Ropo's staff only.",
        page="chat_forbidden",
    )


def handles_chats(identity: StaffIdentity) -> bool:
    """True for agents and supervisors."""
    return bool(identity.roles & INTERNAL_ROLES)


def data_subject(conversation: ConversationView) -> str:
    """The customer as the audit log names a person; '' for an anonymous visitor."""
    return conversation.customer if conversation.customer.startswith(PERSONS_PREFIX) else ""


def agent_display_name(identity: StaffIdentity) -> str:
    """The name the customer sees: the agent's first name only."""
    parts = identity.display_name.split()
    return parts[0] if parts else identity.user_id


class ChatGuard:
    """The first step of every chat route: check the role, read the conversation or refuse,
    and write the audit records."""

    def __init__(self, desk: ChatDesk, trail: AuditSink, channel: Channel) -> None:
        self.desk = desk
        self._trail = trail
        self.channel = channel

    def require_queue(self, identity: StaffIdentity) -> None:
        """Raise 403 unless the user may see the queue."""
        require_role(identity)
        if not handles_chats(identity):
            raise chat_forbidden()

    async def refuse(self, identity: StaffIdentity, resource: str, reason: str) -> ApiError:
        await self._record(identity, resource, Purpose.ACCESS_DENIED, Outcome.DENIED, reason)
        return case_not_found()

    async def open(self, identity: StaffIdentity, conversation_id: str) -> ConversationView:
        """The conversation ``conversation_id`` or, after one audit record, ``case_not_found``."""
        require_role(identity)
        name = conversation_name(conversation_id)
        if name is None:
            raise await self.refuse(identity, MALFORMED_CONVERSATION, MALFORMED_ID)
        if not handles_chats(identity):
            raise await self.refuse(identity, name, STAFF_ONLY)
        try:
            conversation = await self.desk.get_conversation(name)
        except UpstreamError as error:
            if error.rpc_error.code not in _MISSING:
                raise
            raise await self.refuse(identity, name, CONVERSATION_NOT_FOUND) from None
        if conversation.name != name:
            raise await self.refuse(identity, name, CONVERSATION_NOT_FOUND)
        return conversation

    async def viewed(
        self,
        identity: StaffIdentity,
        resource: str,
        reason: str,
        subject: str = "",
        result_count: int | None = None,
    ) -> None:
        await self._record(
            identity, resource, Purpose.CHAT_VIEW, Outcome.ALLOWED, reason, subject, result_count
        )

    async def acted(
        self,
        identity: StaffIdentity,
        conversation: ConversationView,
        reason: str,
        *,
        refused: bool = False,
    ) -> None:
        await self._record(
            identity,
            conversation.name,
            Purpose.CHAT_ADMIN,
            Outcome.DENIED if refused else Outcome.ALLOWED,
            reason,
            data_subject(conversation),
        )

    async def _record(
        self,
        identity: StaffIdentity,
        resource: str,
        purpose: Purpose,
        outcome: Outcome,
        reason: str,
        subject: str = "",
        result_count: int | None = None,
    ) -> None:
        await self._trail.record(
            AuditEvent(
                actor=identity.subject,
                resource=resource,
                purpose=purpose,
                outcome=outcome,
                channel=self.channel,
                data_subject=subject,
                reason=reason,
                result_count=result_count,
            )
        )
