"""``python -m ropo_invoice serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: the outbox relay to JetStream (provisions the ``ROPO_INVOICE`` stream),
  the payment-event consumer and the daily collection run;
- ``migrate``: ``alembic upgrade head`` on the service database;
- ``reencrypt-national-ids [--batch N] [--check]``: after a key rotation, re-seals every
  stored henkilötunnus not under the current ``ROPO_INVOICE_HETU_ENCRYPTION_KEY``
  (``ropo_platform.national_id_rotation``);
- ``check-person-keys``: checks that ``ROPO_INVOICE_PERSON_KEY_SECRET`` derives the person
  keys the stored henkilötunnus values are kept under (``ropo_platform.person_key_check``);
- ``collect [--invoice invoices/ID]``: the collection run and the due-date notifications
  once now; prints a one-line JSON summary (``entrypoints.collect_command``).

Configuration comes from ``ROPO_INVOICE_*`` variables (``ropo_invoice.config``).
"""

from __future__ import annotations

import sys

from ropo_platform.national_id import NationalIdCipher
from ropo_platform.national_id_rotation import SealedColumn, reencrypt_national_ids_command
from ropo_platform.person_key_check import check_person_keys_command
from ropo_platform.service_main import ExtraCommand, ServiceCommands

from ropo_invoice import __version__
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.adapters.national_id_protector import PURPOSE, debtor_national_id_column
from ropo_invoice.bootstrap import bootstrap
from ropo_invoice.config import InvoiceSettings, load_invoice_settings
from ropo_invoice.entrypoints.collect_command import SUMMARY, run_collect
from ropo_invoice.entrypoints.worker import run_worker


def _sealed_national_ids(settings: InvoiceSettings) -> list[SealedColumn]:
    return [debtor_national_id_column(NationalIdCipher(settings.hetu_key_ring, PURPOSE))]


#: Operator commands beyond serve, worker and migrate (add more entries here).
EXTRA_COMMANDS: dict[str, ExtraCommand[InvoiceSettings]] = {
    "reencrypt-national-ids": reencrypt_national_ids_command("invoice", _sealed_national_ids),
    "check-person-keys": check_person_keys_command("invoice", _sealed_national_ids),
    "collect": ExtraCommand(summary=SUMMARY, run=run_collect),
}

main = ServiceCommands(
    context="invoice",
    version=__version__,
    load_settings=load_invoice_settings,
    bootstrap=bootstrap,
    run_worker=run_worker,
    migrations_dir=migrations_dir,
    worker_summary="outbox relay, payment events and the collection run",
    description=__doc__,
    extra_commands=EXTRA_COMMANDS,
).main

if __name__ == "__main__":
    sys.exit(main())
