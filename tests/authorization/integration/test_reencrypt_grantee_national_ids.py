"""``python -m ropo_authorization reencrypt-national-ids``: the grantees' sealed codes move
to a new key, on a real database (SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL``
is set)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from authorization_support import ALICE, GRANTEE_HETU, OTHER_HETU, PERSON_KEY_SECRET
from authorization_support import authorization_settings as base_settings
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from ropo_authorization.adapters.identity import GRANTEE_PURPOSE, SealingIdentityProtector
from ropo_authorization.adapters.orm import authorizations
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import AuthorizationApp, bootstrap
from ropo_authorization.domain.subjects import Party
from ropo_authorization.service_layer.handlers import (
    GrantInvoiceAuthorization,
    RecordInvoiceRegistered,
    record_invoice_registered,
)
from ropo_platform.national_id import NationalId, NationalIdDecryptionError
from ropo_platform.national_id_keys import key_id, key_ring

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
GRANTEES = (GRANTEE_HETU, OTHER_HETU, "010190-900P")
NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def app_with(database_url: str, current: bytes, *older: bytes) -> AuthorizationApp:
    return bootstrap(
        base_settings(
            database_url,
            hetu_encryption_key=b64(current),
            hetu_decryption_keys=",".join(b64(key) for key in older),
        )
    )


async def grant_three(app: AuthorizationApp) -> None:
    for number, hetu in enumerate(GRANTEES):
        invoice = f"invoices/i{number}"
        await record_invoice_registered(
            RecordInvoiceRegistered(invoice, "creditors/c", ALICE, NOW),
            SqlAlchemyUnitOfWork(app.database),
        )
        await app.handlers.grant_invoice_authorization(
            GrantInvoiceAuthorization(
                str(uuid.uuid4()), invoice, Party(ALICE), NationalId.parse(hetu), "Bertta"
            )
        )


async def stored(app: AuthorizationApp) -> dict[str, dict[str, Any]]:
    query = sa.select(
        authorizations.c.id, authorizations.c.grantee, authorizations.c.grantee_national_id_sealed
    ).order_by(authorizations.c.invoice)
    async with app.database.session() as session:
        return {row["id"]: dict(row) for row in (await session.execute(query)).mappings()}


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
        "ROPO_AUTHORIZATION_DATABASE_URL": database_url,
        "ROPO_AUTHORIZATION_PERSON_KEY_SECRET": secret,
        "ROPO_AUTHORIZATION_HETU_ENCRYPTION_KEY": b64(current),
        "ROPO_AUTHORIZATION_HETU_DECRYPTION_KEYS": ",".join(b64(key) for key in older),
    }
    return subprocess.run(
        [sys.executable, "-m", "ropo_authorization", command, *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_a_rotation_moves_every_grantee_code_to_the_new_key(
    migrated_url: str, tmp_path: Path
) -> None:
    before_rotation = app_with(migrated_url, OLD)
    try:
        await grant_three(before_rotation)
        before = await stored(before_rotation)
        # One row as written before key ids existed (0x01 | nonce | sealed).
        legacy_id, legacy = next(iter(before.items()))
        nonce = os.urandom(12)
        aad = GRANTEE_PURPOSE + b"|" + legacy["grantee"].removeprefix("persons/").encode()
        blob = b"\x01" + nonce + AESGCM(OLD).encrypt(nonce, GRANTEES[0].encode(), aad)
        async with before_rotation.database.transaction() as session:
            await session.execute(
                sa.update(authorizations)
                .where(authorizations.c.id == legacy_id)
                .values(grantee_national_id_sealed=blob)
            )
    finally:
        await before_rotation.close()

    done = run_command(migrated_url, tmp_path, NEW, "--batch", "1", older=(OLD,))

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("authorizations.grantee_national_id_sealed: batch 3: 3 examined")
    (summary,) = json.loads(lines[-1])["columns"]
    assert (summary["reencrypted"], summary["undecryptable"], summary["remaining"]) == (3, 0, 0)
    for hetu in GRANTEES:
        assert hetu not in done.stdout + done.stderr

    after_rotation = app_with(migrated_url, NEW)
    try:
        after = await stored(after_rotation)
    finally:
        await after_rotation.close()
    protector = SealingIdentityProtector(NEW, PERSON_KEY_SECRET.encode())
    for (row_id, row), hetu in zip(after.items(), GRANTEES, strict=True):
        assert row["grantee"] == before[row_id]["grantee"]
        assert row["grantee_national_id_sealed"][:5] == b"\x02" + key_id(NEW)
        assert protector.open(row["grantee"], row["grantee_national_id_sealed"]).reveal() == hetu

    check = run_command(migrated_url, tmp_path, NEW, "--check")
    assert check.returncode == 0
    assert json.loads(check.stdout)["columns"][0]["remaining"] == 0


async def test_without_the_old_key_nothing_changes_and_the_rows_are_named(
    migrated_url: str, tmp_path: Path
) -> None:
    before_rotation = app_with(migrated_url, OLD)
    try:
        await grant_three(before_rotation)
        before = await stored(before_rotation)
    finally:
        await before_rotation.close()

    result = run_command(migrated_url, tmp_path, NEW)

    assert result.returncode == 1
    assert "3 rows did not open with any configured key" in result.stderr
    assert all(row_id in result.stderr for row_id in before)
    after_app = app_with(migrated_url, OLD)
    try:
        assert await stored(after_app) == before
    finally:
        await after_app.close()


async def test_grants_made_during_the_rotation_use_the_current_key(migrated_url: str) -> None:
    staged = app_with(migrated_url, OLD, NEW)  # step 1: the new key only opens
    try:
        await grant_three(staged)
        blobs = [row["grantee_national_id_sealed"] for row in (await stored(staged)).values()]
    finally:
        await staged.close()
    assert {blob[:5] for blob in blobs} == {b"\x02" + key_id(OLD)}
    rotated = SealingIdentityProtector(key_ring(NEW, [OLD]), PERSON_KEY_SECRET.encode())
    party = rotated.party(NationalId.parse(GRANTEES[0]))
    assert rotated.open(party, blobs[0]).reveal() == GRANTEES[0]
    with pytest.raises(NationalIdDecryptionError):
        SealingIdentityProtector(NEW, PERSON_KEY_SECRET.encode()).open(party, blobs[0])


def test_settings_read_the_decryption_keys_and_refuse_the_development_key_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ropo_authorization.config import DEV_HETU_ENCRYPTION_KEY, load_authorization_settings

    monkeypatch.setenv("ROPO_AUTHORIZATION_HETU_ENCRYPTION_KEY", b64(NEW))
    monkeypatch.setenv("ROPO_AUTHORIZATION_HETU_DECRYPTION_KEYS", b64(OLD))
    assert load_authorization_settings().hetu_key_ring.keys == (NEW, OLD)

    monkeypatch.setenv("ROPO_ENV", "production")
    monkeypatch.setenv("ROPO_AUTHORIZATION_PERSON_KEY_SECRET", "p" * 40)
    monkeypatch.setenv("ROPO_AUTHORIZATION_HETU_DECRYPTION_KEYS", DEV_HETU_ENCRYPTION_KEY)
    with pytest.raises(SystemExit):
        load_authorization_settings()
    err = capsys.readouterr().err
    assert "ROPO_AUTHORIZATION_HETU_DECRYPTION_KEYS: the development default is not allowed" in err
    assert DEV_HETU_ENCRYPTION_KEY not in err


async def test_check_person_keys_compares_the_secret_with_the_grantee_keys(
    migrated_url: str, tmp_path: Path
) -> None:
    app = app_with(migrated_url, OLD)
    try:
        await grant_three(app)
    finally:
        await app.close()

    same = run_command(migrated_url, tmp_path, OLD, command="check-person-keys")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["columns"][0]["examined"] == 3

    other = run_command(migrated_url, tmp_path, OLD, command="check-person-keys", secret="x" * 40)
    assert other.returncode == 1
    assert json.loads(other.stdout)["columns"][0]["mismatched"] == 3
    for hetu in GRANTEES:
        assert hetu not in other.stdout + other.stderr
