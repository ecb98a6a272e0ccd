"""Ropo One's chat: the queue, a conversation with the customer's invoices beside it, and the
agent's actions.

- ``GET /ropo-one/chat`` — the queue (``ListQueue``, longest waiting first) with *Ota
  käsittelyyn* on each row, and the agent's own conversations in progress;
- ``POST /ropo-one/chat/{conversation_id}/ota`` — claim → 303 to the conversation;
- ``GET /ropo-one/chat/{conversation_id}`` — the transcript, the reply form (the
  assignee's), *Siirrä jonoon*, *Sulje keskustelu*, live updates at ``.../events``, and the
  customer's accessible invoices (links to their case pages) with a link to the continuous
  authorization form of the customer's own case;
- ``POST /ropo-one/chat/{conversation_id}`` (``text``, ``request_id``) — the agent's reply
  (303 back, or JSON for the page's script), ``.../siirra``, ``.../sulje``.

Agents and supervisors only (``chat_access``); every view and action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Header, Request
from ropo_platform.logging import get_logger
from starlette.responses import JSONResponse, RedirectResponse, Response

from ropo_gateway.audit.model import Channel
from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.chat_events import (
    message_data,
    resume_point,
    site_links,
    sse_response,
    state_data,
)
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.chat import ConversationState, ConversationView, MessageView, SenderType
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.access import OWN_REASON
from ropo_gateway.myropo.chat import (
    MAX_TEXT_LENGTH,
    ChatProblem,
    problem_of,
    read_transcript,
    typed_text,
)
from ropo_gateway.myropo.chat_routes import wants_json
from ropo_gateway.myropo.chat_views import MessageForm
from ropo_gateway.myropo.refunds import idempotency_key
from ropo_gateway.ropo_one.chat_access import (
    QUEUE_RESOURCE,
    ChatDesk,
    ChatGuard,
    CustomerInvoiceAccess,
    InvoicesByName,
    agent_display_name,
    data_subject,
)
from ropo_gateway.ropo_one.deps import AuditDep, StaffSessionDep
from ropo_gateway.ropo_one.rendering import error_page, render, render_error, staff_translator
from ropo_gateway.ropo_one.texts import StaffTranslator
from ropo_gateway.ropo_one.views import CaseRow, invoice_id_of, row_from_invoice
from ropo_gateway.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one.chat")

QUEUE_PATH: Final = "/ropo-one/chat"
CONVERSATION_PATH: Final = QUEUE_PATH + "/{conversation_id}"
CLAIM_PATH: Final = CONVERSATION_PATH + "/ota"
TRANSFER_PATH: Final = CONVERSATION_PATH + "/siirra"
CLOSE_PATH: Final = CONVERSATION_PATH + "/sulje"
EVENTS_PATH: Final = CONVERSATION_PATH + "/events"
CASE_PATH: Final = "/ropo-one/tapaukset/{invoice_id}"
#: The case page's query parameter that fills in the continuous authorization form's
#: conversation, and the form's anchor.
CONVERSATION_PARAMETER: Final = "keskustelu"
AUTHORIZATIONS_ANCHOR: Final = "#valtuutukset"
PAGE_SIZE: Final = 50
#: Invoices shown beside a conversation: a person has a handful; more are in the search.
MAX_INVOICES: Final = 50
# Audit reasons.
QUEUE_LISTED: Final = "CHAT_QUEUE_LISTED"
VIEWED: Final = "CONVERSATION_VIEWED"
CLAIMED: Final = "CONVERSATION_CLAIMED"
REPLIED: Final = "CONVERSATION_REPLIED"
TRANSFERRED: Final = "CONVERSATION_TRANSFERRED"
CLOSED: Final = "CONVERSATION_CLOSED"


def get_chat_desk(runtime: RuntimeDep) -> ChatDesk:
    """The chat service client (tests replace it)."""
    return runtime.chat


def get_customer_invoice_access(runtime: RuntimeDep) -> CustomerInvoiceAccess:
    """The authorization service: which invoices the conversation's customer may see."""
    return runtime.authorization


def get_invoices_by_name(runtime: RuntimeDep) -> InvoicesByName:
    """The invoice service: those invoices' numbers, creditors and amounts."""
    return runtime.invoices


ChatDeskDep = Annotated[ChatDesk, Depends(get_chat_desk)]
CustomerInvoiceAccessDep = Annotated[CustomerInvoiceAccess, Depends(get_customer_invoice_access)]
InvoicesByNameDep = Annotated[InvoicesByName, Depends(get_invoices_by_name)]


def chat_guard(desk: ChatDeskDep, trail: AuditDep) -> ChatGuard:
    return ChatGuard(desk, trail, Channel.ROPO_ONE)


ChatGuardDep = Annotated[ChatGuard, Depends(chat_guard)]


def conversation_url(conversation: ConversationView) -> str:
    return CONVERSATION_PATH.format(conversation_id=conversation.id)


def _action_url(path: str, conversation: ConversationView) -> str:
    return path.format(conversation_id=conversation.id)


def continuous_url(invoice_id: str, conversation: ConversationView) -> str:
    """The case page's continuous authorization form, with the conversation filled in."""
    case = CASE_PATH.format(invoice_id=invoice_id)
    return f"{case}?{CONVERSATION_PARAMETER}={conversation.id}{AUTHORIZATIONS_ANCHOR}"


def sender_name(t: StaffTranslator, message: MessageView) -> str:
    if message.sender_type is SenderType.CUSTOMER:
        return t("one.chat.customer")
    if message.sender_display_name:
        return message.sender_display_name
    return t(f"one.chat.sender.{message.sender_type.value}")


def _state_attributes(t: StaffTranslator) -> dict[str, str]:
    return {
        f"data-state-{state.value.lower()}": t(f"one.chat.state.{state.value}", name="{name}")
        for state in ConversationState
        if state is not ConversationState.UNSPECIFIED
    }


def state_line(t: StaffTranslator, conversation: ConversationView) -> str:
    return t(
        f"one.chat.state.{conversation.state.value}",
        name=conversation.assignee_display_name or conversation.assignee,
    )


@dataclass(frozen=True, slots=True)
class CustomerInvoice:
    """One invoice beside the conversation: the case row and the person's relation to it."""

    row: CaseRow
    relation: str


@dataclass(frozen=True, slots=True)
class CustomerInvoices:
    """The panel beside the transcript (``invoices`` ``None``: they could not be read)."""

    person: bool
    invoices: tuple[CustomerInvoice, ...] | None
    continuous_url: str = ""


async def customer_invoices(
    access: CustomerInvoiceAccess,
    invoices: InvoicesByName,
    conversation: ConversationView,
    language: str,
) -> CustomerInvoices:
    """The invoices the customer may see (a person's; a visitor has none) and, when the
    person is the debtor of one, the link to make a continuous authorization for them. A
    service that cannot answer leaves the transcript usable."""
    subject = data_subject(conversation)
    if not subject:
        return CustomerInvoices(person=False, invoices=())
    try:
        listed = await access.accessible_invoices(subject, MAX_INVOICES)
        relations = {entry.invoice: entry.reason for entry in listed}
        found = await invoices.invoices_by_name(list(relations), language) if relations else []
    except UpstreamError as error:
        _log.warning("chat_invoices_unavailable", code=error.rpc_error.code.name)
        return CustomerInvoices(person=True, invoices=None)
    rows = tuple(
        CustomerInvoice(row_from_invoice(item), relations[item.name])
        for item in found
        if item.name in relations
    )
    own = next((item for item in rows if item.relation == OWN_REASON), None)
    link = continuous_url(own.row.invoice_id, conversation) if own is not None else ""
    return CustomerInvoices(person=True, invoices=rows, continuous_url=link)


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _csrf_refused(request: Request, session: StaffSession, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    if wants_json(request):
        t = staff_translator(request)
        return JSONResponse({"error": t("one.error.forbidden.body")}, status_code=403)
    return render_error(request, "forbidden", 403, session=session)


@router.get(QUEUE_PATH)
async def queue_page(request: Request, session: StaffSessionDep, guard: ChatGuardDep) -> Response:
    """The queue, longest waiting first, and the agent's conversations in progress."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    identity = session.identity
    try:
        guard.require_queue(identity)
        queue = await guard.desk.list_queue(page_size=PAGE_SIZE)
        mine = await guard.desk.list_conversations(
            assignee=identity.subject, state=ConversationState.WITH_AGENT, page_size=PAGE_SIZE
        )
        # The rows show customers' latest messages: recorded like a search.
        shown = len(queue.conversations) + len(mine.conversations)
        await guard.viewed(identity, QUEUE_RESOURCE, QUEUE_LISTED, result_count=shown)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return render(
        request,
        "ropo_one/chat_queue.html",
        session=session,
        queue=queue.conversations,
        mine=mine.conversations,
        conversation_url=conversation_url,
        claim_url=lambda conversation: _action_url(CLAIM_PATH, conversation),
        new_request_id=new_request_id,
    )


async def _conversation_page(
    request: Request,
    session: StaffSession,
    guard: ChatGuard,
    conversation: ConversationView,
    access: CustomerInvoiceAccess,
    invoices: InvoicesByName,
    *,
    form: MessageForm | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """The conversation page; each rendering is one recorded view."""
    t = staff_translator(request)
    transcript = await read_transcript(guard.desk, conversation)
    panel = await customer_invoices(access, invoices, conversation, t.language)
    identity = session.identity
    await guard.viewed(identity, conversation.name, VIEWED, data_subject(conversation))
    assigned = (
        conversation.state is ConversationState.WITH_AGENT
        and conversation.assignee == identity.subject
    )
    return render(
        request,
        "ropo_one/chat.html",
        session=session,
        status_code=status_code,
        conversation=conversation,
        transcript=transcript,
        panel=panel,
        form=form or MessageForm(request_id=new_request_id()),
        notice=notice,
        assigned=assigned,
        may_claim=conversation.state is ConversationState.QUEUED,
        state_line=state_line(t, conversation),
        state_attributes=_state_attributes(t),
        sender_name=lambda message: sender_name(t, message),
        site_links=site_links,
        new_request_id=new_request_id,
        case_url=lambda invoice: CASE_PATH.format(invoice_id=invoice_id_of(invoice)),
        paths={
            "page": conversation_url(conversation),
            "claim": _action_url(CLAIM_PATH, conversation),
            "transfer": _action_url(TRANSFER_PATH, conversation),
            "close": _action_url(CLOSE_PATH, conversation),
            "events": _action_url(EVENTS_PATH, conversation),
        },
    )


@router.get(CONVERSATION_PATH)
async def conversation_page(
    request: Request,
    conversation_id: str,
    session: StaffSessionDep,
    guard: ChatGuardDep,
    access: CustomerInvoiceAccessDep,
    invoices: InvoicesByNameDep,
) -> Response:
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        conversation = await guard.open(session.identity, conversation_id)
        return await _conversation_page(request, session, guard, conversation, access, invoices)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)


def _problem_key(problem: ChatProblem) -> str:
    return f"one.chat.problem.{problem.key}"


async def _refused(
    request: Request,
    session: StaffSession,
    guard: ChatGuard,
    conversation: ConversationView,
    access: CustomerInvoiceAccess,
    invoices: InvoicesByName,
    problem: ChatProblem,
    typed: str | None = None,
) -> Response:
    """The conversation page (as it is now) saying why the action was not done: next to the
    reply form when ``typed`` is the refused reply, else as a notice."""
    try:
        fresh = await guard.desk.get_conversation(conversation.name)
    except UpstreamError:
        fresh = conversation
    form = MessageForm(
        request_id=new_request_id(),
        text=(typed or "")[:MAX_TEXT_LENGTH],
        problem=_problem_key(problem) if typed is not None else "",
    )
    response = await _conversation_page(
        request,
        session,
        guard,
        fresh,
        access,
        invoices,
        form=form,
        notice="" if typed is not None else _problem_key(problem),
        status_code=problem.status,
    )
    if problem.retry_after_seconds:
        response.headers["Retry-After"] = str(problem.retry_after_seconds)
    return response


def _problem(error: UpstreamError) -> ChatProblem:
    found = problem_of(error)
    if found is None:
        raise error
    return found


@router.post(CLAIM_PATH)
async def claim(
    request: Request,
    conversation_id: str,
    session: StaffSessionDep,
    guard: ChatGuardDep,
    access: CustomerInvoiceAccessDep,
    invoices: InvoicesByNameDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Ota käsittelyyn*: the conversation is the agent's; the customer sees who joined."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    identity = session.identity
    try:
        conversation = await guard.open(identity, conversation_id)
        if not csrf_valid(session, csrf_token):
            return _csrf_refused(request, session, CLAIM_PATH)
        try:
            claimed = await guard.desk.claim_conversation(
                idempotency_key(request_id),
                conversation.name,
                identity.subject,
                agent_display_name(identity),
            )
        except UpstreamError as error:
            problem = _problem(error)
            await guard.acted(identity, conversation, error.rpc_error.reason or "", refused=True)
            return await _refused(request, session, guard, conversation, access, invoices, problem)
        await guard.acted(identity, claimed, CLAIMED)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    return _see_other(conversation_url(claimed))


def _posted_json(messages: tuple[MessageView, ...], conversation: ConversationView) -> Any:
    return {
        "messages": [message_data(item) for item in messages],
        "conversation": state_data(conversation),
        "request_id": new_request_id(),
    }


@router.post(CONVERSATION_PATH)
async def reply(
    request: Request,
    conversation_id: str,
    session: StaffSessionDep,
    guard: ChatGuardDep,
    access: CustomerInvoiceAccessDep,
    invoices: InvoicesByNameDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """*Lähetä*: the agent's message to the customer."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    identity = session.identity
    t = staff_translator(request)
    try:
        conversation = await guard.open(identity, conversation_id)
        if not csrf_valid(session, csrf_token):
            return _csrf_refused(request, session, CONVERSATION_PATH)
        try:
            typed = typed_text(text)
            try:
                posted = await guard.desk.post_message(
                    idempotency_key(request_id),
                    conversation.name,
                    identity.subject,
                    typed,
                    conversation.language_code or t.language,
                    agent_display_name(identity),
                )
            except UpstreamError as error:
                problem = _problem(error)
                await guard.acted(
                    identity, conversation, error.rpc_error.reason or "", refused=True
                )
                raise problem from None
        except ChatProblem as problem:
            if wants_json(request):
                return JSONResponse(
                    {"error": t(_problem_key(problem)), "request_id": new_request_id()},
                    status_code=problem.status,
                )
            return await _refused(
                request, session, guard, conversation, access, invoices, problem, text
            )
        await guard.acted(identity, conversation, REPLIED)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    if wants_json(request):
        return JSONResponse(_posted_json((posted.message, *posted.replies), posted.conversation))
    return _see_other(conversation_url(conversation))


async def _change(
    request: Request,
    conversation_id: str,
    session: StaffSession,
    guard: ChatGuard,
    access: CustomerInvoiceAccess,
    invoices: InvoicesByName,
    csrf_token: str,
    request_id: str,
    route: str,
    transfer: bool,
) -> Response:
    identity = session.identity
    try:
        conversation = await guard.open(identity, conversation_id)
        if not csrf_valid(session, csrf_token):
            return _csrf_refused(request, session, route)
        key = idempotency_key(request_id)
        try:
            if transfer:
                await guard.desk.transfer_conversation(key, conversation.name, identity.subject)
            else:
                await guard.desk.close_conversation(key, conversation.name, identity.subject)
        except UpstreamError as error:
            problem = _problem(error)
            await guard.acted(identity, conversation, error.rpc_error.reason or "", refused=True)
            return await _refused(request, session, guard, conversation, access, invoices, problem)
        await guard.acted(identity, conversation, TRANSFERRED if transfer else CLOSED)
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    # Back in the queue it is someone else's to take: the agent goes to the queue too.
    return _see_other(QUEUE_PATH if transfer else conversation_url(conversation))


@router.post(TRANSFER_PATH)
async def transfer(
    request: Request,
    conversation_id: str,
    session: StaffSessionDep,
    guard: ChatGuardDep,
    access: CustomerInvoiceAccessDep,
    invoices: InvoicesByNameDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Siirrä jonoon*: the conversation waits for another agent."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    return await _change(
        request,
        conversation_id,
        session,
        guard,
        access,
        invoices,
        csrf_token,
        request_id,
        TRANSFER_PATH,
        transfer=True,
    )


@router.post(CLOSE_PATH)
async def close(
    request: Request,
    conversation_id: str,
    session: StaffSessionDep,
    guard: ChatGuardDep,
    access: CustomerInvoiceAccessDep,
    invoices: InvoicesByNameDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    request_id: Annotated[str, Form()] = "",
) -> Response:
    """*Sulje keskustelu*."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    return await _change(
        request,
        conversation_id,
        session,
        guard,
        access,
        invoices,
        csrf_token,
        request_id,
        CLOSE_PATH,
        transfer=False,
    )


@router.get(EVENTS_PATH)
async def events(
    request: Request,
    conversation_id: str,
    session: StaffSessionDep,
    guard: ChatGuardDep,
    after: str = "",
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """Server-Sent Events of the conversation (audited as a view when the stream opens)."""
    if session is None:
        return render_error(request, "login", 401, session=None, offer_login=True)
    try:
        conversation = await guard.open(session.identity, conversation_id)
        if conversation.state is ConversationState.CLOSED:
            return Response(status_code=204)
        await guard.viewed(session.identity, conversation.name, VIEWED, data_subject(conversation))
    except (ApiError, UpstreamError) as error:
        return error_page(request, error, session)
    start = resume_point(conversation.name, last_event_id, after)
    watch = guard.desk.watch_conversation(conversation.name, start)
    return sse_response(watch, request.is_disconnected)
