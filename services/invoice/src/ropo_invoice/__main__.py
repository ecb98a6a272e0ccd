"""``python -m ropo_invoice serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: the outbox relay to JetStream (provisions the ``ROPO_INVOICE`` stream),
  the payment-event consumer and the daily collection run;
- ``migrate``: ``alembic upgrade head`` on the service database.

Configuration comes from ``ROPO_INVOICE_*`` variables (``ropo_invoice.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.service_main import ServiceCommands

from ropo_invoice import __version__
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.bootstrap import bootstrap
from ropo_invoice.config import load_invoice_settings
from ropo_invoice.entrypoints.worker import run_worker

main = ServiceCommands(
    context="invoice",
    version=__version__,
    load_settings=load_invoice_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="outbox relay, payment events and the collection run",
    description=__doc__,
).main

if __name__ == "__main__":
    sys.exit(main())
