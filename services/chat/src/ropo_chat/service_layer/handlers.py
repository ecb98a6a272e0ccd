"""The chat use cases, grouped as ``bootstrap`` wires them for the servicer."""

from __future__ import annotations

from dataclasses import dataclass

from ropo_chat.service_layer.agents import AgentDesk
from ropo_chat.service_layer.customers import CustomerDesk
from ropo_chat.service_layer.reading import Reader
from ropo_chat.service_layer.watching import Watcher


@dataclass(frozen=True, slots=True)
class ChatHandlers:
    customers: CustomerDesk
    agents: AgentDesk
    reader: Reader
    watcher: Watcher
