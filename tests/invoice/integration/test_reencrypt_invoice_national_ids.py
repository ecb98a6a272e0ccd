"""``python -m ropo_invoice reencrypt-national-ids``: a rotation of the henkilötunnus key on
a real database (SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from invoice_server_support import PERSON_KEY_SECRET, invoice_settings
from invoice_support import HETU_2000S, HETU_MAIJA, HETU_MATTI, finvoice_xml
from ropo_invoice.adapters.national_id_protector import PURPOSE, debtor_national_id_column
from ropo_invoice.adapters.orm import invoices
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.domain.identifiers import NationalId
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_invoice.service_layer.ports import Conflict
from ropo_platform.national_id import NationalIdCipher, NationalIdDecryptionError
from ropo_platform.national_id_keys import key_id, key_ring
from ropo_platform.national_id_rotation import reencrypt_column

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
DEBTORS = (HETU_MATTI, HETU_MAIJA, HETU_2000S)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def app_with(database_url: str, current: bytes, *older: bytes) -> InvoiceApp:
    return bootstrap(
        invoice_settings(
            database_url,
            hetu_encryption_key=b64(current),
            hetu_decryption_keys=",".join(b64(key) for key in older),
        )
    )


async def import_debtors(app: InvoiceApp) -> list[str]:
    ids = []
    for number, hetu in enumerate(DEBTORS, start=1):
        result = await app.handlers.import_finvoice(
            ImportFinvoice(finvoice_xml(number=str(1000 + number), buyer_id=hetu))
        )
        ids.append(result.invoice.id)
    return ids


async def stored(app: InvoiceApp) -> dict[str, dict[str, Any]]:
    query = sa.select(
        invoices.c.id,
        invoices.c.debtor_party,
        invoices.c.debtor_national_id_ciphertext,
        invoices.c.version,
    )
    async with app.database.session() as session:
        return {row["id"]: dict(row) for row in (await session.execute(query)).mappings()}


async def make_version_1(app: InvoiceApp, invoice_id: str, hetu: str) -> None:
    """Store the blob the service wrote before key ids existed (layout 0x01|nonce|sealed)."""
    row = (await stored(app))[invoice_id]
    nonce = os.urandom(12)
    aad = PURPOSE + b"|" + row["debtor_party"].removeprefix("persons/").encode()
    blob = b"\x01" + nonce + AESGCM(OLD).encrypt(nonce, hetu.encode(), aad)
    async with app.database.transaction() as session:
        await session.execute(
            sa.update(invoices)
            .where(invoices.c.id == invoice_id)
            .values(debtor_national_id_ciphertext=blob)
        )


def run_command(
    database_url: str,
    cwd: Path,
    current: bytes,
    *arguments: str,
    older: tuple[bytes, ...] = (),
    command: str = "reencrypt-national-ids",
    secret: str = PERSON_KEY_SECRET,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ROPO_ENV": "test",
        "ROPO_INVOICE_DATABASE_URL": database_url,
        "ROPO_INVOICE_PERSON_KEY_SECRET": secret,
        "ROPO_INVOICE_HETU_ENCRYPTION_KEY": b64(current),
        "ROPO_INVOICE_HETU_DECRYPTION_KEYS": ",".join(b64(key) for key in older),
    }
    return subprocess.run(
        [sys.executable, "-m", "ropo_invoice", command, *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def revealed(app: InvoiceApp, invoice_id: str) -> str:
    invoice = await app.handlers.get_invoice(invoice_id)
    assert invoice.debtor.national_id is not None
    return app.handlers.protector.reveal(invoice.debtor.national_id).reveal()


async def test_a_rotation_moves_every_debtor_code_to_the_new_key(
    migrated_url: str, tmp_path: Path
) -> None:
    before_rotation = app_with(migrated_url, OLD)
    try:
        ids = await import_debtors(before_rotation)
        await make_version_1(before_rotation, ids[0], HETU_MATTI)
        before = await stored(before_rotation)
    finally:
        await before_rotation.close()

    check = run_command(migrated_url, tmp_path, NEW, "--check", older=(OLD,))
    assert check.returncode == 1
    assert json.loads(check.stdout)["columns"] == [
        {"column": "invoices.debtor_national_id_ciphertext", "remaining": 3}
    ]

    done = run_command(migrated_url, tmp_path, NEW, "--batch", "2", older=(OLD,))

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(": ")[1] for line in lines[:2]] == ["batch 1", "batch 2"]
    (summary,) = json.loads(lines[-1])["columns"]
    assert summary == {
        "column": "invoices.debtor_national_id_ciphertext",
        "batches": 2,
        "examined": 3,
        "reencrypted": 3,
        "changed_meanwhile": 0,
        "undecryptable": 0,
        "remaining": 0,
    }
    for hetu in DEBTORS:
        assert hetu not in done.stdout + done.stderr
        assert hetu[:6] not in done.stdout + done.stderr

    after_rotation = app_with(migrated_url, NEW)  # the old key is gone from the configuration
    try:
        after = await stored(after_rotation)
        for invoice_id, hetu in zip(ids, DEBTORS, strict=True):
            row = after[invoice_id]
            assert row["debtor_national_id_ciphertext"][:5] == b"\x02" + key_id(NEW)
            assert row["debtor_party"] == before[invoice_id]["debtor_party"]
            assert row["version"] == before[invoice_id]["version"] + 1
            assert await revealed(after_rotation, invoice_id) == hetu
    finally:
        await after_rotation.close()

    again = run_command(migrated_url, tmp_path, NEW, older=(OLD,))
    assert again.returncode == 0
    assert json.loads(again.stdout.splitlines()[-1])["columns"][0]["examined"] == 0


async def test_the_service_opens_old_codes_and_seals_new_ones_with_the_current_key(
    migrated_url: str,
) -> None:
    before_rotation = app_with(migrated_url, OLD)
    try:
        (first, *_) = await import_debtors(before_rotation)
    finally:
        await before_rotation.close()
    rotated = app_with(migrated_url, NEW, OLD)
    try:
        assert await revealed(rotated, first) == HETU_MATTI
        result = await rotated.handlers.import_finvoice(
            ImportFinvoice(finvoice_xml(number="2001", buyer_id=HETU_MAIJA))
        )
        blob = (await stored(rotated))[result.invoice.id]["debtor_national_id_ciphertext"]
        assert blob[:5] == b"\x02" + key_id(NEW)
    finally:
        await rotated.close()
    without_old_key = app_with(migrated_url, NEW)
    try:
        with pytest.raises(NationalIdDecryptionError):
            await revealed(without_old_key, first)
    finally:
        await without_old_key.close()


async def test_removing_the_old_key_too_early_is_reported_and_changes_nothing(
    migrated_url: str, tmp_path: Path
) -> None:
    before_rotation = app_with(migrated_url, OLD)
    try:
        ids = await import_debtors(before_rotation)
        before = await stored(before_rotation)
    finally:
        await before_rotation.close()

    result = run_command(migrated_url, tmp_path, NEW)

    assert result.returncode == 1
    assert json.loads(result.stdout.splitlines()[-1])["columns"][0]["undecryptable"] == 3
    assert "3 rows did not open with any configured key" in result.stderr
    for invoice_id in ids:
        assert invoice_id in result.stderr
    for hetu in DEBTORS:
        assert hetu not in result.stdout + result.stderr
    after_app = app_with(migrated_url, OLD)
    try:
        assert await stored(after_app) == before
    finally:
        await after_app.close()


async def test_a_save_that_read_the_old_code_fails_instead_of_restoring_it(
    migrated_url: str, database_backend: str
) -> None:
    if database_backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the save and the run cannot interleave")
    app = app_with(migrated_url, NEW, OLD)
    try:
        before_rotation = app_with(migrated_url, OLD)
        try:
            (invoice_id, *_) = await import_debtors(before_rotation)
        finally:
            await before_rotation.close()
        column = debtor_national_id_column(NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE))
        async with app.handlers.uow() as uow:
            invoice = await uow.invoices.get(invoice_id)
            assert invoice is not None
            # The run commits while this unit of work still holds the old blob.
            assert (await reencrypt_column(app.database, column)).reencrypted == 3
            invoice.updated_at += timedelta(seconds=1)
            with pytest.raises(Conflict):
                await uow.commit()
        blob = (await stored(app))[invoice_id]["debtor_national_id_ciphertext"]
        assert blob[:5] == b"\x02" + key_id(NEW)
        assert await revealed(app, invoice_id) == HETU_MATTI
    finally:
        await app.close()


def test_settings_read_the_decryption_keys_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ropo_invoice.config import load_invoice_settings

    monkeypatch.setenv("ROPO_INVOICE_HETU_ENCRYPTION_KEY", b64(NEW))
    monkeypatch.setenv("ROPO_INVOICE_HETU_DECRYPTION_KEYS", f"{b64(OLD)}, {b64(NEW)}")
    assert load_invoice_settings().hetu_key_ring.keys == (NEW, OLD)

    secret_looking = b64(b"x" * 31)
    monkeypatch.setenv("ROPO_INVOICE_HETU_DECRYPTION_KEYS", f"{b64(OLD)},{secret_looking}")
    with pytest.raises(SystemExit) as exited:
        load_invoice_settings()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "ROPO_INVOICE_HETU_DECRYPTION_KEYS: key 2 of the list must decode to 32 bytes" in err
    assert secret_looking not in err
    assert b64(OLD) not in err


def test_a_protector_without_the_old_key_cannot_open_an_old_code() -> None:
    # The reason the old key stays listed until the command reports nothing remaining.
    from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector

    old = AesGcmNationalIdProtector(OLD, PERSON_KEY_SECRET.encode())
    protected = old.protect(NationalId.parse(HETU_MATTI))
    rotated = AesGcmNationalIdProtector(key_ring(NEW, [OLD]), PERSON_KEY_SECRET.encode())
    assert rotated.reveal(protected).reveal() == HETU_MATTI
    assert rotated.person_key(NationalId.parse(HETU_MATTI)) == protected.person_key
    with pytest.raises(NationalIdDecryptionError):
        AesGcmNationalIdProtector(NEW, PERSON_KEY_SECRET.encode()).reveal(protected)


async def test_check_person_keys_tells_whether_the_secret_derived_the_stored_keys(
    migrated_url: str, tmp_path: Path
) -> None:
    app = app_with(migrated_url, NEW, OLD)
    try:
        ids = await import_debtors(app)
    finally:
        await app.close()

    same = run_command(migrated_url, tmp_path, NEW, older=(OLD,), command="check-person-keys")
    assert same.returncode == 0, same.stderr
    (summary,) = json.loads(same.stdout)["columns"]
    assert (summary["examined"], summary["mismatched"], summary["undecryptable"]) == (3, 0, 0)

    other_secret = "a-secret-that-differs-from-the-one-used-0123"
    other = run_command(
        migrated_url, tmp_path, NEW, command="check-person-keys", secret=other_secret
    )
    assert other.returncode == 1
    assert json.loads(other.stdout)["columns"][0]["mismatched"] == 3
    assert "3 rows are stored under a person key this secret does not derive" in other.stderr
    assert all(invoice_id in other.stderr for invoice_id in ids)
    for text in (*DEBTORS, other_secret, PERSON_KEY_SECRET):
        assert text not in other.stdout + other.stderr
