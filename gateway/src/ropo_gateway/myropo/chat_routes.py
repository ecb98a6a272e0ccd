"""*Avaa Chat* in MyRopo (server-rendered, CSRF-protected, usable without JavaScript), for a
logged-in person and for a visitor without a login (``chat_customer``, ``visitors``).

- ``GET /chat`` — the customer's open conversation (a link back to it) and the button
  *Avaa Chat*; a browser without a visitor pass gets one here (its CSRF token is in the
  form); ``POST /chat`` → the open conversation, or ``StartConversation`` (the bot
  greets) → 303 to ``/chat/{conversation_id}``. A visitor's new conversations are limited
  per client address (429 with ``Retry-After``): the pass is free to get, a conversation
  is not;
- ``GET /chat/{conversation_id}`` — the transcript and the message form (``text``,
  ``request_id``); ``POST`` → ``PostMessage`` → 303 back. The page's script
  (``static/chat.js``) posts the same form with ``fetch`` and ``Accept: application/json``:
  the answer is then the stored message and the bot's replies as JSON, so the page does
  not reload;
- ``GET /chat/{conversation_id}/events`` — the live updates (``chat_events``);
- ``POST /chat/{conversation_id}/sulje`` — *Sulje keskustelu*.

Every ``{conversation_id}`` route reads the conversation first: someone else's (another
visitor's, a person's) answers exactly like a missing one (404) and leaves one audit
record; so does any conversation asked for without a valid pass or session.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Header, Request
from ropo_platform.logging import get_logger
from starlette.responses import JSONResponse, RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.chat_events import (
    message_data,
    resume_point,
    site_links,
    sse_response,
    state_data,
)
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.chat import ConversationState, ConversationView, Posted
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.chat import (
    MAX_TEXT_LENGTH,
    ChatProblem,
    ChatSource,
    CustomerChat,
    read_transcript,
    typed_text,
)
from ropo_gateway.myropo.chat_customer import ChatCustomer, ChatCustomerDep, welcome
from ropo_gateway.myropo.chat_views import (
    CHAT_PATH,
    MessageForm,
    chat_paths,
    sender_name,
    state_text,
    state_texts,
)
from ropo_gateway.myropo.deps import AccessPolicyDep
from ropo_gateway.myropo.refunds import idempotency_key
from ropo_gateway.runtime import Runtime
from ropo_gateway.web.deps import RuntimeDep
from ropo_gateway.web.pages import render, render_error, translator_for

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.chat")

CONVERSATION_PATH: Final = CHAT_PATH + "/{conversation_id}"
EVENTS_PATH: Final = CONVERSATION_PATH + "/events"
CLOSE_PATH: Final = CONVERSATION_PATH + "/sulje"
#: Rate-limit holder of a request without a client address (all of them share one).
_NO_ADDRESS: Final = "-"


def get_chat_source(runtime: RuntimeDep) -> ChatSource:
    """The chat service client (tests replace it)."""
    return runtime.chat


ChatSourceDep = Annotated[ChatSource, Depends(get_chat_source)]


def get_customer_chat(policy: AccessPolicyDep, source: ChatSourceDep) -> CustomerChat:
    return CustomerChat(source, policy)


CustomerChatDep = Annotated[CustomerChat, Depends(get_customer_chat)]


def wants_json(request: Request) -> bool:
    """The page's script asks for JSON; a plain form submission gets pages and redirects."""
    return "application/json" in request.headers.get("accept", "")


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _csrf_refused(request: Request, customer: ChatCustomer, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    if wants_json(request):
        t = translator_for(request)
        return JSONResponse({"error": t("error.forbidden.body")}, status_code=403)
    return render_error(request, "forbidden", 403, session=customer.session)


def _form_accepted(customer: ChatCustomer, submitted: str | None) -> bool:
    return customer.known and csrf_valid(customer, submitted)


async def _conversation_page(
    request: Request,
    customer: ChatCustomer,
    chat: CustomerChat,
    conversation: ConversationView,
    form: MessageForm | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> Response:
    transcript = await read_transcript(chat.source, conversation)
    t = translator_for(request)
    response = render(
        request,
        "chat.html",
        session=customer.session,
        status_code=status,
        transcript=transcript,
        conversation=conversation,
        paths=chat_paths(conversation.id),
        form=form or MessageForm(request_id=new_request_id()),
        state_line=state_text(t, conversation.state, conversation.assignee_display_name),
        state_attributes=state_texts(t),
        sender_name=lambda message: sender_name(t, message),
        site_links=site_links,
        close_request_id=new_request_id(),
        open_conversation=None,
        csrf_token=customer.csrf_token,
        visitor=customer.visitor,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _home_page(
    request: Request,
    customer: ChatCustomer,
    found: ConversationView | None,
    *,
    status: int = 200,
    problem: str = "",
    retry_after: int = 0,
) -> Response:
    response = render(
        request,
        "chat.html",
        session=customer.session,
        status_code=status,
        transcript=None,
        open_conversation=found,
        open_path=chat_paths(found.id).page if found else "",
        csrf_token=customer.csrf_token,
        visitor=customer.visitor,
        start_problem=problem,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _address_holder(request: Request, runtime: Runtime) -> str:
    """Who a visitor's new conversation is counted against: the client address (the
    listener does not trust forwarded headers, so it is the direct peer's)."""
    address = request.client.host if request.client else _NO_ADDRESS
    return runtime.visitor_passes.address_holder(address)


@router.get(CHAT_PATH)
async def chat_home(
    request: Request, runtime: RuntimeDep, customer: ChatCustomerDep, chat: CustomerChatDep
) -> Response:
    """*Avaa Chat*: the customer's open conversation, if any, and the button."""
    customer = welcome(customer, runtime)
    found = None if customer.new_pass else await chat.open_conversation(customer.subject)
    return customer.keep_cookies(_home_page(request, customer, found), runtime)


@router.post(CHAT_PATH)
async def chat_start(
    request: Request,
    runtime: RuntimeDep,
    customer: ChatCustomerDep,
    chat: CustomerChatDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    if not _form_accepted(customer, csrf_token):
        return _csrf_refused(request, customer, CHAT_PATH)
    conversation = await chat.open_conversation(customer.subject)
    if conversation is None:
        if customer.visitor:
            admission = await runtime.visitor_start_limiter.admit(_address_holder(request, runtime))
            if not admission.allowed:
                _log.info("chat_visitor_start_limited")
                return _home_page(
                    request,
                    customer,
                    None,
                    status=HTTPStatus.TOO_MANY_REQUESTS,
                    problem="chat.problem.too_many_starts",
                    retry_after=admission.retry_after_seconds,
                )
        language = translator_for(request).language
        conversation = await chat.start_new(customer.subject, language)
    return customer.keep_cookies(_see_other(chat_paths(conversation.id).page), runtime)


@router.get(CONVERSATION_PATH)
async def conversation_page(
    request: Request, conversation_id: str, customer: ChatCustomerDep, chat: CustomerChatDep
) -> Response:
    """The transcript and, while the conversation is open, the message form."""
    conversation = await chat.conversation_of(customer.subject, conversation_id)
    return await _conversation_page(request, customer, chat, conversation)


def _posted_json(posted: Posted) -> dict[str, Any]:
    return {
        "messages": [message_data(item) for item in (posted.message, *posted.replies)],
        "conversation": state_data(posted.conversation),
        "request_id": new_request_id(),
    }


@router.post(CONVERSATION_PATH)
async def post_message(
    request: Request,
    conversation_id: str,
    customer: ChatCustomerDep,
    chat: CustomerChatDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    text: Annotated[str | None, Form()] = None,
) -> Response:
    """*Lähetä*: the message (and the bot's answer) → 303 back, or JSON for the script."""
    conversation = await chat.conversation_of(customer.subject, conversation_id)
    if not _form_accepted(customer, csrf_token):
        return _csrf_refused(request, customer, CONVERSATION_PATH)
    language = translator_for(request).language
    try:
        typed = typed_text(text)
        posted = await chat.post(
            customer.subject, conversation, typed, language, idempotency_key(request_id)
        )
    except ChatProblem as problem:
        _log.info("chat_message_refused", problem=problem.key)
        return await _refused(request, customer, chat, conversation, problem, text or "")
    if wants_json(request):
        return JSONResponse(_posted_json(posted))
    return _see_other(chat_paths(conversation.id).page)


async def _refused(
    request: Request,
    customer: ChatCustomer,
    chat: CustomerChat,
    conversation: ConversationView,
    problem: ChatProblem,
    typed: str,
) -> Response:
    seconds = problem.retry_after_seconds
    headers = {"Retry-After": str(seconds)} if seconds else {}
    if wants_json(request):
        t = translator_for(request)
        return JSONResponse(
            {"error": t(f"chat.problem.{problem.key}"), "request_id": new_request_id()},
            status_code=problem.status,
            headers=headers,
        )
    # A new key: the corrected message is another request, not a replay of this one.
    form = MessageForm(
        request_id=new_request_id(),
        text=typed[:MAX_TEXT_LENGTH],
        problem=f"chat.problem.{problem.key}",
    )
    try:
        fresh = await chat.source.get_conversation(conversation.name)
    except UpstreamError:  # the page shows what was read before: the refusal is what matters
        fresh = conversation
    return await _conversation_page(
        request,
        customer,
        chat,
        fresh,
        form,
        status=problem.status,
        retry_after=problem.retry_after_seconds,
    )


@router.get(EVENTS_PATH)
async def conversation_events(
    request: Request,
    conversation_id: str,
    customer: ChatCustomerDep,
    chat: CustomerChatDep,
    after: str = "",
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """Server-Sent Events of the conversation; 204 once it is closed (the browser's
    ``EventSource`` then stops reconnecting)."""
    conversation = await chat.conversation_of(customer.subject, conversation_id)
    if conversation.state is ConversationState.CLOSED:
        return Response(status_code=204)
    start = resume_point(conversation.name, last_event_id, after)
    watch = chat.source.watch_conversation(conversation.name, start)
    return sse_response(watch, request.is_disconnected)


@router.post(CLOSE_PATH)
async def close_conversation(
    request: Request,
    conversation_id: str,
    customer: ChatCustomerDep,
    chat: CustomerChatDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
) -> Response:
    """*Sulje keskustelu*: the conversation ends; back to its (read-only) transcript."""
    conversation = await chat.conversation_of(customer.subject, conversation_id)
    if not _form_accepted(customer, csrf_token):
        return _csrf_refused(request, customer, CLOSE_PATH)
    if conversation.state is not ConversationState.CLOSED:
        try:
            await chat.close(customer.subject, conversation, idempotency_key(request_id))
        except ChatProblem as problem:
            _log.info("chat_close_refused", problem=problem.key)
    return _see_other(chat_paths(conversation.id).page)
