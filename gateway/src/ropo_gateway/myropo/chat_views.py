"""What the *Avaa Chat* pages show: their paths, the message form's state and the texts the
page's script needs (states, sender names) as data attributes — the page carries no inline
script. Kept apart from the routes so the front page links to the chat without importing
them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ropo_gateway.clients.chat import ConversationState, MessageView, SenderType
from ropo_gateway.i18n import Translator

CHAT_PATH: Final = "/chat"


@dataclass(frozen=True, slots=True)
class ChatPaths:
    """The addresses of one conversation (``{conversation_id}`` is the only parameter)."""

    page: str
    events: str
    close: str


def chat_paths(conversation_id: str) -> ChatPaths:
    base = f"{CHAT_PATH}/{conversation_id}"
    return ChatPaths(page=base, events=f"{base}/events", close=f"{base}/sulje")


@dataclass(frozen=True, slots=True)
class MessageForm:
    """The message form as shown: what was typed (kept after a refusal), the problem's text
    key and a fresh idempotency key."""

    request_id: str
    text: str = ""
    problem: str = ""


def state_text(t: Translator, state: ConversationState, assignee_display_name: str) -> str:
    """The line above the transcript saying who answers."""
    if state is ConversationState.WITH_AGENT:
        return t("chat.state.WITH_AGENT", name=assignee_display_name or t("chat.agent"))
    if state in (ConversationState.BOT, ConversationState.QUEUED, ConversationState.CLOSED):
        return t(f"chat.state.{state.value}")
    return ""


def state_texts(t: Translator) -> dict[str, str]:
    """``data-state-*`` attributes: the script shows the line of a new state (``{name}``
    stands for the agent's name)."""
    return {
        "data-state-bot": t("chat.state.BOT"),
        "data-state-queued": t("chat.state.QUEUED"),
        "data-state-with_agent": t("chat.state.WITH_AGENT", name="{name}"),
        "data-state-closed": t("chat.state.CLOSED"),
    }


def sender_name(t: Translator, message: MessageView, *, customer_key: str = "chat.you") -> str:
    """How a message is signed: the service's name for the bot and agents, *Sinä* for the
    person's own messages."""
    if message.sender_type is SenderType.CUSTOMER:
        return t(customer_key)
    if message.sender_display_name:
        return message.sender_display_name
    return t(f"chat.sender.{message.sender_type.value}")
