"""Invoice rows, kept as the creditor sent them (for the invoice image).

A row's amounts are taken as written: a row discount or charge is already
included in ``RowVatExcludedAmount`` and ``RowAmount``. Rows that only carry
``SubInvoiceRow`` texts (summaries, as utility invoices use them) keep their
names and, when there is exactly one sub-row, its amount.
"""

from __future__ import annotations

from lxml import etree

from ropo_invoice.adapters.finvoice.paths import ROW
from ropo_invoice.adapters.finvoice.reader import Reader
from ropo_invoice.domain.model import InvoiceLine

# InvoicedQuantity is what is billed; older senders give only DeliveredQuantity.
_QUANTITY_ELEMENTS = ("InvoicedQuantity", "DeliveredQuantity")


def read_rows(reader: Reader, currency: str) -> tuple[InvoiceLine, ...]:
    """Every ``InvoiceRow`` in document order, numbered from 1."""
    return tuple(
        _row(reader, row, position, currency)
        for position, row in enumerate(reader.root.findall(ROW), start=1)
    )


def _row(reader: Reader, row: etree._Element, position: int, currency: str) -> InvoiceLine:
    prefix = f"{ROW}[{position}]"
    sub_rows = row.findall("SubInvoiceRow")
    description = reader.text("ArticleName", required=False, element=row) or " / ".join(
        name
        for name in ((sub.findtext("SubArticleName") or "").strip() for sub in sub_rows)
        if name
    )
    quantity_path = next(
        (name for name in _QUANTITY_ELEMENTS if row.find(name) is not None),
        _QUANTITY_ELEMENTS[0],
    )
    quantity_node = row.find(quantity_path)
    unit = (
        (quantity_node.get("QuantityUnitCode") or "").strip() if quantity_node is not None else ""
    )
    gross = reader.number("RowAmount", row, prefix)
    if gross is None and len(sub_rows) == 1:
        gross = reader.number("SubInvoiceRow/SubRowAmount", row, prefix)
    return InvoiceLine(
        position=position,
        description=description,
        quantity=reader.number(quantity_path, row, prefix),
        unit=unit,
        currency=currency,
        unit_price=reader.number("UnitPriceAmount", row, prefix),
        vat_rate_percent=reader.number("RowVatRatePercent", row, prefix),
        net_amount=reader.number("RowVatExcludedAmount", row, prefix),
        vat_amount=reader.number("RowVatAmount", row, prefix),
        gross_amount=gross,
    )
