"""Tables of the payment database: so far only the platform's messaging tables
(outbox, inbox, dead_letter, request_log); issue 5 adds the context's own."""

from __future__ import annotations

from ropo_platform.db import make_metadata, messaging_tables

metadata = make_metadata()
messaging = messaging_tables(metadata)
