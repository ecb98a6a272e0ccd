"""The Finnish personal identity code (henkilötunnus): a value that hides itself, and
its protection at rest.

Shared by the gateway and the authorization service, which both take codes typed by
people (a grantee's code in a *valtuutus*).

- ``NationalId`` validates (2023 century signs ``-YXWVU``, ``ABCDEF`` and ``+``;
  temporary numbers 900–999 are allowed: they are the test range and are also issued
  to real people) and keeps the clear value out of ``repr``/``str``, so it cannot
  reach a log line, a trace or an error message by accident. ``reveal()`` is the one
  way to the clear code; hand it only to a cipher or to ``pseudonym.person_key``.
- ``NationalIdCipher`` seals a code with AES-256-GCM. Blob layout (version 1)::

      0x01 | 12-byte random nonce | ciphertext + 16-byte GCM tag

  The associated data is ``purpose | person_key``: a blob copied into another
  person's row, or reused for another purpose, fails to authenticate instead of
  decrypting. The version byte leaves room for key rotation (a key id later).

Errors never contain the input.
"""

from __future__ import annotations

import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fi import hetu

KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_MASK = "-****"


class InvalidNationalId(ValueError):
    """Not a valid henkilötunnus. The message never contains the input."""

    def __init__(self) -> None:
        super().__init__("not a valid Finnish personal identity code")


class NationalIdDecryptionError(Exception):
    """A sealed blob did not open: wrong key, tampered, or another person's or purpose's."""


class NationalId:
    """A validated henkilötunnus in compact upper case.

    Deliberately not a dataclass: ``repr``/``str`` show the masked form
    (``DDMMYY-****``) only. Equality is constant-time.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        # Use ``parse``; the constructor trusts its caller (e.g. a decrypted blob).
        self._value = value

    @classmethod
    def parse(cls, raw: str) -> NationalId:
        """Validate ``raw`` (surrounding whitespace and case are forgiven)."""
        try:
            value = hetu.validate(raw.strip().upper(), allow_temporary=True)
        except (StdnumValidationError, AttributeError, TypeError):
            raise InvalidNationalId() from None
        return cls(str(value))

    @staticmethod
    def is_valid(raw: str) -> bool:
        """True when ``raw`` is a valid henkilötunnus."""
        try:
            NationalId.parse(raw)
        except InvalidNationalId:
            return False
        return True

    def reveal(self) -> str:
        """The clear code. Hand it only to a cipher or a pseudonym function; never log it."""
        return self._value

    @property
    def masked(self) -> str:
        """``DDMMYY-****``: the date of birth part only, for display."""
        return self._value[:6] + _MASK

    def __repr__(self) -> str:
        return f"NationalId({self.masked})"

    def __str__(self) -> str:
        return self.masked

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NationalId):
            return NotImplemented
        return hmac.compare_digest(self._value.encode("ascii"), other._value.encode("ascii"))

    def __hash__(self) -> int:
        return hash(self._value)


class NationalIdCipher:
    """AES-256-GCM sealing of a ``NationalId``, bound to a purpose and a person key."""

    def __init__(self, encryption_key: bytes, purpose: bytes) -> None:
        if len(encryption_key) != KEY_BYTES:
            raise ValueError(f"the encryption key must be {KEY_BYTES} bytes")
        if not purpose or b"|" in purpose:
            raise ValueError("the purpose must be non-empty and must not contain '|'")
        self._aead = AESGCM(encryption_key)
        self._purpose = purpose

    def seal(self, national_id: NationalId, person_key: str) -> bytes:
        """Encrypt with a fresh nonce: the same code seals differently every time."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(
            nonce, national_id.reveal().encode("ascii"), self._aad(person_key)
        )
        return _VERSION + nonce + sealed

    def open(self, blob: bytes, person_key: str) -> NationalId:
        """Decrypt; ``NationalIdDecryptionError`` unless the blob authenticates."""
        if len(blob) < 1 + _NONCE_BYTES + _TAG_BYTES or blob[:1] != _VERSION:
            raise NationalIdDecryptionError("unknown format of a sealed identity code")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            clear = self._aead.decrypt(nonce, sealed, self._aad(person_key))
        except InvalidTag:
            raise NationalIdDecryptionError("sealed identity code did not authenticate") from None
        return NationalId(clear.decode("ascii"))

    def _aad(self, person_key: str) -> bytes:
        return self._purpose + b"|" + person_key.encode("ascii")


__all__ = [
    "KEY_BYTES",
    "InvalidNationalId",
    "NationalId",
    "NationalIdCipher",
    "NationalIdDecryptionError",
]
