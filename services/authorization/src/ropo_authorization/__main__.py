"""``python -m ropo_authorization serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: the invoice-event consumer (ownership, closing), the expiry sweep and
  the outbox relay;
- ``migrate``: ``alembic upgrade head`` on the service database.

Configuration comes from ``ROPO_AUTHORIZATION_*`` variables (``ropo_authorization.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.service_main import ServiceCommands

from ropo_authorization import __version__
from ropo_authorization.adapters.migrations import migrations_dir
from ropo_authorization.bootstrap import bootstrap
from ropo_authorization.config import load_authorization_settings
from ropo_authorization.entrypoints.worker import run_worker

main = ServiceCommands(
    context="authorization",
    version=__version__,
    load_settings=load_authorization_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="event consumers + expiry sweep + outbox relay",
    description=__doc__,
).main

if __name__ == "__main__":
    sys.exit(main())
