"""``python -m ropo_authorization serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: the invoice-event consumer (ownership, closing), the expiry sweep and
  the outbox relay;
- ``migrate``: ``alembic upgrade head`` on the service database;
- ``reencrypt-national-ids [--batch N] [--check]``: after a key rotation, re-seals every
  stored henkilötunnus not under the current ``ROPO_AUTHORIZATION_HETU_ENCRYPTION_KEY``
  (``ropo_platform.national_id_rotation``);
- ``check-person-keys``: checks that ``ROPO_AUTHORIZATION_PERSON_KEY_SECRET`` derives the person
  keys the stored henkilötunnus values are kept under (``ropo_platform.person_key_check``).

Configuration comes from ``ROPO_AUTHORIZATION_*`` variables (``ropo_authorization.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.national_id import NationalIdCipher
from ropo_platform.national_id_rotation import SealedColumn, reencrypt_national_ids_command
from ropo_platform.person_key_check import check_person_keys_command
from ropo_platform.service_main import ExtraCommand, ServiceCommands

from ropo_authorization import __version__
from ropo_authorization.adapters.identity import GRANTEE_PURPOSE, grantee_national_id_column
from ropo_authorization.adapters.migrations import migrations_dir
from ropo_authorization.bootstrap import bootstrap
from ropo_authorization.config import AuthorizationSettings, load_authorization_settings
from ropo_authorization.entrypoints.worker import run_worker


def _sealed_national_ids(settings: AuthorizationSettings) -> list[SealedColumn]:
    return [grantee_national_id_column(NationalIdCipher(settings.hetu_key_ring, GRANTEE_PURPOSE))]


#: Operator commands beyond serve, worker and migrate (add more entries here).
EXTRA_COMMANDS: dict[str, ExtraCommand[AuthorizationSettings]] = {
    "reencrypt-national-ids": reencrypt_national_ids_command("authorization", _sealed_national_ids),
    "check-person-keys": check_person_keys_command("authorization", _sealed_national_ids),
}

main = ServiceCommands(
    context="authorization",
    version=__version__,
    load_settings=load_authorization_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="event consumers + expiry sweep + outbox relay",
    description=__doc__,
    extra_commands=EXTRA_COMMANDS,
).main

if __name__ == "__main__":
    sys.exit(main())
