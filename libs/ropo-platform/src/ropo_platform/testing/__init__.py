"""Reusable test support: a pytest plugin (``ropo_platform.testing.pytest_plugin``)
with NATS/database/tracing fixtures, plus helpers usable without pytest.
"""

from ropo_platform.testing.databases import DatabaseFactory, postgres_admin_url
from ropo_platform.testing.nats_server import NatsServer, find_nats_server
from ropo_platform.testing.ports import free_port, port_is_open
from ropo_platform.testing.processes import ManagedProcess
from ropo_platform.testing.tracing import finished_spans
from ropo_platform.testing.waiting import eventually

__all__ = [
    "DatabaseFactory",
    "ManagedProcess",
    "NatsServer",
    "eventually",
    "find_nats_server",
    "finished_spans",
    "free_port",
    "port_is_open",
    "postgres_admin_url",
]
