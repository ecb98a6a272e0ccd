"""The Finnish personal identity code (henkilötunnus): a value that hides itself, and
its protection at rest.

Shared by the gateway and the authorization service, which both take codes typed by
people (a grantee's code in a *valtuutus*).

- ``NationalId`` validates (2023 century signs ``-YXWVU``, ``ABCDEF`` and ``+``;
  temporary numbers 900–999 are allowed: they are the test range and are also issued
  to real people) and keeps the clear value out of ``repr``/``str``, so it cannot
  reach a log line, a trace or an error message by accident. ``reveal()`` is the one
  way to the clear code; hand it only to a cipher or to ``pseudonym.person_key``.
- ``NationalIdCipher`` seals a code with AES-256-GCM under the current key of a
  ``NationalIdKeyRing`` (``ropo_platform.national_id_keys``). Blob layouts::

      version 2: 0x02 | 4-byte key id | 12-byte random nonce | ciphertext + 16-byte tag
      version 1: 0x01 | 12-byte random nonce | ciphertext + 16-byte tag

  Version 2 is written; version 1 (before key rotation existed, no key id) is still
  opened by trying each configured key: GCM authentication tells the right one.
  The associated data is ``purpose | person_key``: a blob copied into another
  person's row, or reused for another purpose, fails to authenticate instead of
  decrypting. A blob under an old key is re-sealed by ``reseal`` (the services'
  ``reencrypt-national-ids`` command).

Errors never contain the input.
"""

from __future__ import annotations

import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fi import hetu

from ropo_platform.national_id_keys import KEY_BYTES, KEY_ID_BYTES, NationalIdKeyRing, key_id

_VERSION_1 = b"\x01"
_VERSION_2 = b"\x02"
_V2_HEADER = 1 + KEY_ID_BYTES
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

    def __init__(self, keys: bytes | NationalIdKeyRing, purpose: bytes) -> None:
        if isinstance(keys, bytes):
            if len(keys) != KEY_BYTES:
                raise ValueError(f"the encryption key must be {KEY_BYTES} bytes")
            keys = NationalIdKeyRing(keys)
        if not purpose or b"|" in purpose:
            raise ValueError("the purpose must be non-empty and must not contain '|'")
        # Current key first: old version-1 blobs are tried in this order.
        self._by_id = {key_id(key): AESGCM(key) for key in keys.keys}
        self._current = self._by_id[keys.current_key_id]
        self._header = _VERSION_2 + keys.current_key_id
        self._purpose = purpose

    @property
    def current_header(self) -> bytes:
        """The first bytes of every blob this cipher seals (version and current key id):
        a stored blob that starts otherwise is under an older key or format."""
        return self._header

    def seal(self, national_id: NationalId, person_key: str) -> bytes:
        """Encrypt with a fresh nonce: the same code seals differently every time."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.encrypt(
            nonce, national_id.reveal().encode("ascii"), self._aad(person_key)
        )
        return self._header + nonce + sealed

    def open(self, blob: bytes, person_key: str) -> NationalId:
        """Decrypt; ``NationalIdDecryptionError`` unless the blob authenticates under a
        configured key."""
        aad = self._aad(person_key)
        if blob[:1] == _VERSION_2 and len(blob) >= _V2_HEADER + _NONCE_BYTES + _TAG_BYTES:
            aead = self._by_id.get(blob[1:_V2_HEADER])
            if aead is None:
                raise NationalIdDecryptionError(
                    "sealed identity code names a key that is not configured"
                )
            return _decrypt(aead, blob[_V2_HEADER:], aad)
        if blob[:1] == _VERSION_1 and len(blob) >= 1 + _NONCE_BYTES + _TAG_BYTES:
            for aead in self._by_id.values():
                try:
                    return _decrypt(aead, blob[1:], aad)
                except NationalIdDecryptionError:
                    continue
            raise NationalIdDecryptionError("sealed identity code did not authenticate")
        raise NationalIdDecryptionError("unknown format of a sealed identity code")

    def is_current(self, blob: bytes) -> bool:
        """True when ``blob`` is sealed in the current format under the current key."""
        return blob[: len(self._header)] == self._header

    def reseal(self, blob: bytes, person_key: str) -> bytes:
        """``blob`` sealed again under the current key (a fresh nonce); raises like ``open``."""
        return self.seal(self.open(blob, person_key), person_key)

    def _aad(self, person_key: str) -> bytes:
        return self._purpose + b"|" + person_key.encode("ascii")


def _decrypt(aead: AESGCM, nonce_and_sealed: bytes, aad: bytes) -> NationalId:
    nonce, sealed = nonce_and_sealed[:_NONCE_BYTES], nonce_and_sealed[_NONCE_BYTES:]
    try:
        clear = aead.decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise NationalIdDecryptionError("sealed identity code did not authenticate") from None
    return NationalId(clear.decode("ascii"))


__all__ = [
    "KEY_BYTES",
    "InvalidNationalId",
    "NationalId",
    "NationalIdCipher",
    "NationalIdDecryptionError",
    "NationalIdKeyRing",
]
