"""The MyRopo pages the bot links to (the gateway's routes in ``ropo_gateway.myropo``).

Payment time (*Maksuaika*: due-date extension and payment plan) and *Valtuutus* are sections
of the invoice page, not pages of their own, so their links point at the section's anchor.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

FRONT_PAGE: Final = "/"
FIND_INVOICE: Final = "/hae-lasku"
REPORT_ACCOUNT: Final = "/tilinumero"


def invoice(invoice_id: str) -> str:
    return f"/laskut/{quote(invoice_id, safe='')}"


def pay(invoice_id: str) -> str:
    return f"{invoice(invoice_id)}/maksa"


def payment_time(invoice_id: str) -> str:
    return f"{invoice(invoice_id)}#maksuaika"


def authorizations(invoice_id: str) -> str:
    return f"{invoice(invoice_id)}#valtuutus"


def invoice_document(invoice_id: str) -> str:
    return f"{invoice(invoice_id)}/lasku.pdf"
