"""``python -m ropo_chat serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: provisions the ROPO_CHAT stream and runs the outbox relay;
- ``migrate``: ``alembic upgrade head`` on the service database.

Configuration comes from ``ROPO_CHAT_*`` variables (``ropo_chat.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.service_main import ServiceCommands

from ropo_chat import __version__
from ropo_chat.adapters.migrations import migrations_dir
from ropo_chat.bootstrap import bootstrap
from ropo_chat.config import load_chat_settings
from ropo_chat.entrypoints.worker import run_worker

main = ServiceCommands(
    context="chat",
    version=__version__,
    load_settings=load_chat_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="stream + outbox relay",
    description=__doc__,
).main

if __name__ == "__main__":
    sys.exit(main())
