"""``parse_finvoice``: one Finvoice message in, one validated command out."""

from __future__ import annotations

from ropo_invoice.adapters.finvoice.document import DEFAULT_MAX_BYTES, parse_document
from ropo_invoice.adapters.finvoice.messages import read_message
from ropo_invoice.adapters.finvoice.paths import DOCUMENT_FIELD
from ropo_invoice.adapters.finvoice.reader import Reader
from ropo_invoice.adapters.finvoice.schema import FinvoiceSchemas
from ropo_invoice.domain.commands import FinvoiceCommand
from ropo_invoice.domain.errors import FieldViolation, InvoiceValidationError


def parse_finvoice(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    schemas: FinvoiceSchemas | None = None,
) -> FinvoiceCommand:
    """Parse and validate one Finvoice message (3.0, 2.01 or 1.3) into a
    ``RegisterInvoice`` or, for a credit note, a ``RegisterCreditNote``.

    With ``schemas`` the message is first validated against the XSD of its
    version. Raises ``InvoiceValidationError`` naming every bad element: schema
    errors and content errors (check digits, IBAN, amounts, dates…) together,
    one violation per element.
    """
    root = parse_document(data, max_bytes)
    violations = schemas.violations(root) if schemas is not None else []
    reader = Reader(root)
    command = read_message(reader)
    named = {violation.field for violation in violations}
    # A schema error already names the element; the content check would only repeat it.
    violations += [v for v in reader.violations if v.field not in named]
    if command is None and not violations:  # pragma: no cover - every gap records a violation
        violations = [FieldViolation(DOCUMENT_FIELD, "could not be read as an invoice")]
    if violations or command is None:
        raise InvoiceValidationError(violations)
    return command
