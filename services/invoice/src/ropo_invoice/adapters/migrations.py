"""Where the invoice service's Alembic scripts are: ``services/invoice/migrations``.

The scripts live beside the package's ``src`` folder (DESIGN §2), not inside the
package, so they are found relative to this file; an explicit folder
(``ROPO_INVOICE_MIGRATIONS_DIR``) wins, e.g. in an image with another layout.
"""

from __future__ import annotations

from pathlib import Path

import ropo_invoice


class MigrationsNotFound(RuntimeError):
    """The migrations folder is not where it should be."""


def migrations_dir(configured: str | Path | None = None) -> Path:
    """The folder with ``env.py`` and ``versions/``; ``MigrationsNotFound`` otherwise."""
    if configured:
        candidates = [Path(configured)]
    else:
        package = Path(ropo_invoice.__file__).resolve().parent  # .../src/ropo_invoice
        candidates = [package.parent.parent / "migrations"]  # services/invoice/migrations
    for candidate in candidates:
        if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
            return candidate
    raise MigrationsNotFound(
        "invoice migrations not found at "
        + ", ".join(str(c) for c in candidates)
        + " (set ROPO_INVOICE_MIGRATIONS_DIR)"
    )
