"""Protection of the henkilötunnus at rest: AES-256-GCM plus the shared pseudonym.

The sealing is ``ropo_platform.national_id.NationalIdCipher`` (blob layout, key ids and
key rotation are described there) with this service's purpose. The associated data
binds a blob to that purpose and to the person key, so a blob copied into another
person's row (or reused for another kind of secret) fails authentication instead of
decrypting. Blobs written before key ids existed (format version 1, same purpose and
associated data) still open.
"""

from __future__ import annotations

from ropo_platform.national_id import NationalId as SealedCode
from ropo_platform.national_id import NationalIdCipher, NationalIdDecryptionError
from ropo_platform.national_id_keys import KEY_BYTES, NationalIdKeyRing
from ropo_platform.national_id_rotation import SealedColumn
from ropo_platform.pseudonym import PERSON_PARTY_PREFIX, person_key
from sqlalchemy.engine import RowMapping

from ropo_invoice.adapters.orm import invoices
from ropo_invoice.domain.identifiers import NationalId
from ropo_invoice.domain.party import ProtectedNationalId

#: Associated-data purpose of the debtors' codes; unchanged since version 1 blobs.
PURPOSE = b"ropo-invoice/national-id/v1"

__all__ = [
    "KEY_BYTES",
    "PURPOSE",
    "AesGcmNationalIdProtector",
    "NationalIdDecryptionError",
    "debtor_national_id_column",
]


class AesGcmNationalIdProtector:
    """``NationalIdProtector`` with AES-GCM encryption and the HMAC person key."""

    def __init__(self, keys: bytes | NationalIdKeyRing, person_key_secret: bytes) -> None:
        if not person_key_secret:
            raise ValueError("the person key secret must not be empty")
        self._cipher = NationalIdCipher(keys, PURPOSE)
        self._secret = person_key_secret

    @property
    def cipher(self) -> NationalIdCipher:
        return self._cipher

    def person_key(self, national_id: NationalId) -> str:
        """The pseudonymous key other services know the person by."""
        return person_key(national_id.reveal(), self._secret)

    def protect(self, national_id: NationalId) -> ProtectedNationalId:
        """Encrypt with a fresh nonce under the current key."""
        key = self.person_key(national_id)
        ciphertext = self._cipher.seal(SealedCode(national_id.reveal()), key)
        return ProtectedNationalId(person_key=key, ciphertext=ciphertext, masked=national_id.masked)

    def reveal(self, protected: ProtectedNationalId) -> NationalId:
        """Decrypt a stored code; ``NationalIdDecryptionError`` if it does not authenticate."""
        opened = self._cipher.open(protected.ciphertext, protected.person_key)
        return NationalId(opened.reveal())


def _debtor_person_key(row: RowMapping) -> str | None:
    party = row[invoices.c.debtor_party.name]
    if not party or not party.startswith(PERSON_PARTY_PREFIX):
        return None
    return str(party).removeprefix(PERSON_PARTY_PREFIX)


def debtor_national_id_column(cipher: NationalIdCipher) -> SealedColumn:
    """Where the debtors' sealed codes are (for ``reencrypt-national-ids``). The invoice
    row's version is bumped with the blob: a concurrent save of the invoice, which writes
    the whole row, then fails its version check instead of restoring the old blob."""
    return SealedColumn(
        label="invoices.debtor_national_id_ciphertext",
        table=invoices,
        row_id=invoices.c.id,
        sealed=invoices.c.debtor_national_id_ciphertext,
        key_columns=(invoices.c.debtor_party,),
        person_key=_debtor_person_key,
        cipher=cipher,
        version=invoices.c.version,
    )
