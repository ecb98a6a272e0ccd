"""The grantee's henkilötunnus: pseudonym (shared person key) and AES-GCM sealing."""

from __future__ import annotations

from ropo_platform.national_id import NationalId, NationalIdCipher
from ropo_platform.pseudonym import person_key, person_party

from ropo_authorization.service_layer.ports import IdentityProtector, ProtectedIdentity

#: Associated-data purpose of sealed grantee codes: a blob cannot be reused elsewhere.
GRANTEE_PURPOSE = b"ropo-authorization/grantee/v1"


class SealingIdentityProtector(IdentityProtector):
    def __init__(self, encryption_key: bytes, person_key_secret: bytes) -> None:
        if not person_key_secret:
            raise ValueError("the person key secret must not be empty")
        self._cipher = NationalIdCipher(encryption_key, GRANTEE_PURPOSE)
        self._secret = person_key_secret

    def party(self, national_id: NationalId) -> str:
        return person_party(person_key(national_id.reveal(), self._secret))

    def protect(self, national_id: NationalId) -> ProtectedIdentity:
        key = person_key(national_id.reveal(), self._secret)
        return ProtectedIdentity(
            person_party(key), national_id.masked, self._cipher.seal(national_id, key)
        )

    def open(self, party: str, sealed: bytes) -> NationalId:
        """The clear code of a stored grantee (support use only; never log the result)."""
        return self._cipher.open(sealed, party.removeprefix("persons/"))
