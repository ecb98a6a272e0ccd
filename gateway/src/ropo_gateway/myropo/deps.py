"""FastAPI dependencies of the MyRopo routes.

The service clients are reached through ``get_invoice_source`` and
``get_access_source`` only, so tests swap them for fakes with
``app.dependency_overrides`` while sessions, grants and the rate limit stay real.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ropo_gateway.auth.model import Identity, Session
from ropo_gateway.auth.tokens import token_digest
from ropo_gateway.errors import not_logged_in
from ropo_gateway.myropo.access import InvoiceAccessPolicy
from ropo_gateway.myropo.grants import GrantHolder
from ropo_gateway.myropo.invoice_page import InvoiceReader
from ropo_gateway.myropo.lookup import InvoiceLookup
from ropo_gateway.myropo.ports import AccessSource, InvoiceSource
from ropo_gateway.web.deps import RuntimeDep, SessionDep, session_token
from ropo_gateway.web.pages import translator_for


def get_invoice_source(runtime: RuntimeDep) -> InvoiceSource:
    """The invoice service client."""
    return runtime.invoices


def get_access_source(runtime: RuntimeDep) -> AccessSource:
    """The authorization service client."""
    return runtime.authorization


InvoiceSourceDep = Annotated[InvoiceSource, Depends(get_invoice_source)]
AccessSourceDep = Annotated[AccessSource, Depends(get_access_source)]


@dataclass(frozen=True, slots=True)
class Customer:
    """A logged-in MyRopo customer and the key of their grants."""

    session: Session
    holder: GrantHolder

    @property
    def identity(self) -> Identity:
        return self.session.identity


async def get_customer(request: Request, runtime: RuntimeDep, session: SessionDep) -> Customer:
    """The logged-in person, or 401 (``not_logged_in``)."""
    token = session_token(request, runtime)
    if session is None or not token:
        raise not_logged_in()
    return Customer(session, GrantHolder(token_digest(token), session.identity.subject))


CustomerDep = Annotated[Customer, Depends(get_customer)]


def get_language(request: Request) -> str:
    """The language of the request (the language cookie, Finnish by default)."""
    return translator_for(request).language


LanguageDep = Annotated[str, Depends(get_language)]


def get_access_policy(runtime: RuntimeDep, access: AccessSourceDep) -> InvoiceAccessPolicy:
    return InvoiceAccessPolicy(access, runtime.lookup_grants)


AccessPolicyDep = Annotated[InvoiceAccessPolicy, Depends(get_access_policy)]


def get_invoice_reader(policy: AccessPolicyDep, invoices: InvoiceSourceDep) -> InvoiceReader:
    return InvoiceReader(policy, invoices)


InvoiceReaderDep = Annotated[InvoiceReader, Depends(get_invoice_reader)]


def get_invoice_lookup(runtime: RuntimeDep, invoices: InvoiceSourceDep) -> InvoiceLookup:
    return InvoiceLookup(invoices, runtime.lookup_grants, runtime.lookup_limiter)


InvoiceLookupDep = Annotated[InvoiceLookup, Depends(get_invoice_lookup)]
