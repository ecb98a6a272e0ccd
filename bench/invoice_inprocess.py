"""The invoice service wired in this process, for what a subprocess cannot show.

``invoice_app`` bootstraps the service exactly as ``serve`` does (same settings and
secrets as ``invoice_server``), without the gRPC server. ``StatementRecorder`` counts
the SQL statements a use case sends and the time spent in them; ``explain_list`` runs
``EXPLAIN (ANALYZE, BUFFERS)`` on the very statements ``ListInvoices`` sends.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from invoice_server import HETU_KEY, PERSON_KEY_SECRET
from pydantic import SecretStr
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.config import InvoiceSettings
from ropo_invoice.service_layer.handlers import ListInvoices
from ropo_invoice.service_layer.ports import InvoiceFilter
from ropo_platform.config import Environment
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def settings(database_url: str) -> InvoiceSettings:
    """The server's settings (``invoice_server.server_environment``) as an object."""
    return InvoiceSettings(
        database_url=database_url,
        metrics_port=None,
        worker_metrics_port=None,
        environment=Environment.TEST,
        person_key_secret=SecretStr(PERSON_KEY_SECRET),
        hetu_encryption_key=SecretStr(base64.b64encode(HETU_KEY).decode()),
    )


@asynccontextmanager
async def invoice_app(database_url: str) -> AsyncIterator[InvoiceApp]:
    """The wired service on ``database_url``; connections are released on exit."""
    app = bootstrap(settings(database_url))
    try:
        yield app
    finally:
        await app.close()


@dataclass
class StatementRecorder:
    """Records every statement the engine sends while attached, with its duration."""

    engine: AsyncEngine
    statements: list[tuple[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list)

    def __enter__(self) -> StatementRecorder:
        sync_engine = self.engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._before)
        event.listen(sync_engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sync_engine = self.engine.sync_engine
        event.remove(sync_engine, "before_cursor_execute", self._before)
        event.remove(sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        self.statements.append((statement, parameters))
        self._started.append(time.perf_counter())

    def _after(self, *args: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()

    def kinds(self) -> dict[str, int]:
        """Statement count per first keyword and table (``INSERT invoices`` …)."""
        counts: dict[str, int] = {}
        for statement, _parameters in self.statements:
            counts[_kind(statement)] = counts.get(_kind(statement), 0) + 1
        return counts


def _kind(statement: str) -> str:
    """``SELECT invoices``, ``INSERT outbox``, ``BEGIN`` …: verb and first table."""
    words = statement.split()
    if not words:
        return "?"
    verb = words[0].upper()
    upper = [word.upper() for word in words]
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    keyword = "INTO" if verb == "INSERT" else "FROM"
    if keyword in upper and upper.index(keyword) + 1 < len(words):
        return f"{verb} {words[upper.index(keyword) + 1].strip('()')}"
    return verb


def list_request(debtor_party: str, *, open_only: bool = False, text: str = "") -> ListInvoices:
    """The use-case command of ``ListInvoices`` for one debtor, page size 20."""
    return ListInvoices(
        InvoiceFilter(debtor_party=debtor_party, open_only=open_only, text=text), page_size=20
    )


async def explain_list(app: InvoiceApp, command: ListInvoices) -> list[str]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of each SELECT that ``command`` sends, after
    running it once (so caches are as warm as under load)."""
    await app.handlers.list_invoices(command)
    with StatementRecorder(app.database.engine) as recorder:
        await app.handlers.list_invoices(command)
    plans = []
    async with app.database.engine.connect() as connection:
        for statement, parameters in recorder.statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            result = await connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
            )
            plan = "\n".join(_LONG_ARRAY.sub("'{…}'", str(row[0])) for row in result)
            plans.append(f"{abbreviated(statement)}\n{plan}")
    return plans


_SELECTED_COLUMNS = re.compile(r"^SELECT (.{60,}?) FROM ")
_PARAMETER_LIST = re.compile(r"\((\$\d+::\w+)(?:, \$\d+::\w+){3,}, (\$\d+::\w+)\)")
_LONG_ARRAY = re.compile(r"'\{[^}]{100,}\}'")


def abbreviated(statement: str) -> str:
    """One line, with a long column list and long IN lists elided."""
    text = " ".join(statement.split())
    text = _SELECTED_COLUMNS.sub("SELECT … FROM ", text, count=1)
    return _PARAMETER_LIST.sub(r"(\1, …, \2)", text)
