"""``AccessFactsReader`` composed from the repositories (the fakes of the unit tests use it;
the SQL unit of work reads the same facts with one statement, ``adapters.access_facts``)."""

from __future__ import annotations

from datetime import datetime

from ropo_authorization.domain.access import AccessFacts
from ropo_authorization.service_layer import ports


class RepositoryAccessFacts(ports.AccessFactsReader):
    """Ownership first; grants only for a person other than the debtor."""

    def __init__(
        self,
        ownerships: ports.OwnershipRepository,
        authorizations: ports.AuthorizationRepository,
        lookup_grants: ports.LookupGrantRepository,
    ) -> None:
        self._ownerships = ownerships
        self._authorizations = authorizations
        self._lookup_grants = lookup_grants

    async def read(self, invoice: str, person: str | None, now: datetime) -> AccessFacts:
        ownership = await self._ownerships.get(invoice)
        if ownership is None or person is None or person == ownership.debtor:
            return AccessFacts(invoice, ownership, now)
        authorizations = (
            *await self._authorizations.active_invoice_authorizations(invoice, person),
            *await self._authorizations.active_continuous(ownership.debtor, person),
        )
        grant = await self._lookup_grants.in_force(person, invoice, now)
        grants = (grant,) if grant is not None else ()
        return AccessFacts(invoice, ownership, now, authorizations, grants)
