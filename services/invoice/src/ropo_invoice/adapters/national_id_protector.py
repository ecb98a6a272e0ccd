"""Protection of the henkilötunnus at rest: AES-256-GCM plus the shared pseudonym.

Stored blob layout (version 1)::

    0x01 | 12-byte random nonce | ciphertext + 16-byte GCM tag

The associated data binds the blob to its purpose and to the person key, so a
blob copied into another person's row (or reused for another kind of secret)
fails authentication instead of decrypting. The version byte leaves room for
key rotation: a later version can name a key id.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from ropo_platform.pseudonym import person_key

from ropo_invoice.domain.identifiers import NationalId
from ropo_invoice.domain.party import ProtectedNationalId

KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE_BYTES = 12
_PURPOSE = b"ropo-invoice/national-id/v1"


class NationalIdDecryptionError(Exception):
    """A stored blob could not be decrypted (wrong key, tampered or foreign data)."""


class AesGcmNationalIdProtector:
    """``NationalIdProtector`` with AES-GCM encryption and the HMAC person key."""

    def __init__(self, encryption_key: bytes, person_key_secret: bytes) -> None:
        if len(encryption_key) != KEY_BYTES:
            raise ValueError(f"the encryption key must be {KEY_BYTES} bytes")
        if not person_key_secret:
            raise ValueError("the person key secret must not be empty")
        self._aead = AESGCM(encryption_key)
        self._secret = person_key_secret

    def person_key(self, national_id: NationalId) -> str:
        """The pseudonymous key other services know the person by."""
        return person_key(national_id.reveal(), self._secret)

    def protect(self, national_id: NationalId) -> ProtectedNationalId:
        """Encrypt with a fresh nonce; the same code encrypts differently every time."""
        key = self.person_key(national_id)
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, national_id.reveal().encode("ascii"), _aad(key))
        return ProtectedNationalId(
            person_key=key, ciphertext=_VERSION + nonce + sealed, masked=national_id.masked
        )

    def reveal(self, protected: ProtectedNationalId) -> NationalId:
        """Decrypt a stored code; ``NationalIdDecryptionError`` if it does not authenticate."""
        blob = protected.ciphertext
        if len(blob) <= 1 + _NONCE_BYTES or blob[:1] != _VERSION:
            raise NationalIdDecryptionError("unknown format of a protected identity code")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            clear = self._aead.decrypt(nonce, sealed, _aad(protected.person_key))
        except InvalidTag:
            raise NationalIdDecryptionError(
                "protected identity code did not authenticate"
            ) from None
        return NationalId(clear.decode("ascii"))


def _aad(key: str) -> bytes:
    return _PURPOSE + b"|" + key.encode("ascii")
