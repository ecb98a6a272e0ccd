"""``python -m ropo_refund serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: provisions the ROPO_REFUND stream, runs the outbox relay and the
  consumers of invoice and payment events that open refund cases;
- ``migrate``: ``alembic upgrade head`` on the service database.

Configuration comes from ``ROPO_REFUND_*`` variables (``ropo_refund.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.service_main import ServiceCommands

from ropo_refund import __version__
from ropo_refund.adapters.migrations import migrations_dir
from ropo_refund.bootstrap import bootstrap
from ropo_refund.config import load_refund_settings
from ropo_refund.entrypoints.worker import run_worker

main = ServiceCommands(
    context="refund",
    version=__version__,
    load_settings=load_refund_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="stream + outbox relay + invoice/payment event consumers",
    description=__doc__,
).main

if __name__ == "__main__":
    sys.exit(main())
