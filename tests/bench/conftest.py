"""Fixtures of the benchmark tools' tests.

The benchmark modules live in ``bench/`` (scripts, not a package); their folder is put
on ``sys.path`` here, as the benchmark scripts do themselves.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from invoice_inprocess import invoice_app
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.bootstrap import InvoiceApp
from ropo_platform.db.migrations import upgrade_to_head_async


@pytest_asyncio.fixture
async def migrated_url(database_url: str) -> str:
    """A fresh invoice database of the current backend, migrated to head."""
    await upgrade_to_head_async(database_url, migrations_dir())
    return database_url


@pytest_asyncio.fixture
async def bench_app(migrated_url: str) -> AsyncIterator[InvoiceApp]:
    """The invoice service wired as the benchmark's server runs it (same secrets)."""
    async with invoice_app(migrated_url) as app:
        yield app
