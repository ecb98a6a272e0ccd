"""``python -m ropo_payment serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: provisions the ROPO_PAYMENT stream, runs the outbox relay, the
  invoice-event consumer and the PSP reconciler;
- ``migrate``: ``alembic upgrade head`` on the service database.

Configuration comes from ``ROPO_PAYMENT_*`` variables (``ropo_payment.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.service_main import ServiceCommands

from ropo_payment import __version__
from ropo_payment.adapters.migrations import migrations_dir
from ropo_payment.bootstrap import bootstrap
from ropo_payment.config import load_payment_settings
from ropo_payment.entrypoints.worker import run_worker

main = ServiceCommands(
    context="payment",
    version=__version__,
    load_settings=load_payment_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="stream + invoice events + reconciler + outbox relay",
    description=__doc__,
).main

if __name__ == "__main__":
    sys.exit(main())
