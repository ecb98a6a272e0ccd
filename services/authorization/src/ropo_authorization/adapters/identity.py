"""The grantee's henkilötunnus: pseudonym (shared person key) and AES-GCM sealing.

Sealing, key ids and key rotation: ``ropo_platform.national_id``. The sealed code is
bound to the grantee's person key (``authorizations.grantee``), which is what
``reencrypt-national-ids`` reads to re-seal it under a new key.
"""

from __future__ import annotations

from ropo_platform.national_id import NationalId, NationalIdCipher
from ropo_platform.national_id_keys import NationalIdKeyRing
from ropo_platform.national_id_rotation import SealedColumn
from ropo_platform.pseudonym import PERSON_PARTY_PREFIX, person_key, person_party
from sqlalchemy.engine import RowMapping

from ropo_authorization.adapters.orm import authorizations
from ropo_authorization.service_layer.ports import IdentityProtector, ProtectedIdentity

#: Associated-data purpose of sealed grantee codes: a blob cannot be reused elsewhere.
GRANTEE_PURPOSE = b"ropo-authorization/grantee/v1"


class SealingIdentityProtector(IdentityProtector):
    def __init__(self, keys: bytes | NationalIdKeyRing, person_key_secret: bytes) -> None:
        if not person_key_secret:
            raise ValueError("the person key secret must not be empty")
        self._cipher = NationalIdCipher(keys, GRANTEE_PURPOSE)
        self._secret = person_key_secret

    @property
    def cipher(self) -> NationalIdCipher:
        return self._cipher

    def party(self, national_id: NationalId) -> str:
        return person_party(person_key(national_id.reveal(), self._secret))

    def protect(self, national_id: NationalId) -> ProtectedIdentity:
        key = person_key(national_id.reveal(), self._secret)
        return ProtectedIdentity(
            person_party(key), national_id.masked, self._cipher.seal(national_id, key)
        )

    def open(self, party: str, sealed: bytes) -> NationalId:
        """The clear code of a stored grantee (support use only; never log the result)."""
        return self._cipher.open(sealed, party.removeprefix(PERSON_PARTY_PREFIX))


def _grantee_person_key(row: RowMapping) -> str | None:
    grantee = str(row[authorizations.c.grantee.name])
    if not grantee.startswith(PERSON_PARTY_PREFIX):
        return None
    return grantee.removeprefix(PERSON_PARTY_PREFIX)


def grantee_national_id_column(cipher: NationalIdCipher) -> SealedColumn:
    """Where the grantees' sealed codes are (for ``reencrypt-national-ids``). The service
    never rewrites a stored blob, so the compare-and-set on the blob is enough."""
    return SealedColumn(
        label="authorizations.grantee_national_id_sealed",
        table=authorizations,
        row_id=authorizations.c.id,
        sealed=authorizations.c.grantee_national_id_sealed,
        key_columns=(authorizations.c.grantee,),
        person_key=_grantee_person_key,
        cipher=cipher,
    )
