"""Optional XSD validation of Finvoice messages.

The schemas are read from a configured folder (``Finvoice3.0.xsd`` and
``Finvoice2.01.xsd`` required, ``Finvoice1.3.xsd`` used when present), compiled
once per folder and picked by the message's ``Version``. A version without a
schema is not schema-validated (1.3 is read for the elements it shares).

Each schema error becomes a ``FieldViolation`` on the element's path (from
lxml's error path, relative to the root, e.g. ``InvoiceRow[2]/RowAmount`` or
``InvoiceDetails/InvoiceDate/@Format``) saying why. lxml's messages quote the
offending value ("The value '010190-900P' is not accepted…"), and a value may
be a henkilötunnus, so a message is passed on only for the kinds of error
whose text names nothing but elements and attributes; every other kind gets a
fixed description.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final

from lxml import etree

from ropo_invoice.adapters.finvoice.document import safe_parser, version_of
from ropo_invoice.adapters.finvoice.paths import DOCUMENT_FIELD, ROOT
from ropo_invoice.domain.errors import FieldViolation

REQUIRED_SCHEMAS: Final = {"3.0": "Finvoice3.0.xsd", "2.01": "Finvoice2.01.xsd"}
OPTIONAL_SCHEMAS: Final = {"1.3": "Finvoice1.3.xsd"}
#: A broken document can produce thousands of errors; the first ones say enough.
MAX_SCHEMA_VIOLATIONS: Final = 50
SCHEMA_REASON: Final = "SCHEMA"

# Error kinds whose libxml2 message names only elements and attributes, never a value.
_STRUCTURAL = frozenset(
    {
        "SCHEMAV_ELEMENT_CONTENT",
        "SCHEMAV_CVC_COMPLEX_TYPE_2_1",
        "SCHEMAV_CVC_COMPLEX_TYPE_2_3",
        "SCHEMAV_CVC_COMPLEX_TYPE_2_4",
        "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1",
        "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2",
        "SCHEMAV_CVC_COMPLEX_TYPE_4",
        "SCHEMAV_CVC_ELT_1",
    }
)
_FACETS: Final = {
    "pattern": "does not have the format the schema requires",
    "enumeration": "is not one of the values the schema allows",
    "length": "does not have the length the schema requires",
    "minLength": "is shorter than the schema allows",
    "maxLength": "is longer than the schema allows",
    "minInclusive": "is smaller than the schema allows",
    "maxInclusive": "is larger than the schema allows",
    "minExclusive": "is smaller than the schema allows",
    "maxExclusive": "is larger than the schema allows",
    "totalDigits": "has more digits than the schema allows",
    "fractionDigits": "has more decimals than the schema allows",
}
_DEFAULT_DESCRIPTION = "is not valid under the schema"
# "Element 'X': …" or "Element 'X', attribute 'Y': …"; names cannot contain quotes.
_MESSAGE = re.compile(
    r"^Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: (?P<detail>.*)$",
    re.DOTALL,
)
_FACET = re.compile(r"^\[facet '(?P<facet>\w+)'\]")
# "'<value>' is not a valid value of the atomic type 'dateType'.": the type name is the
# last quoted token (names cannot contain quotes), so it is read from the end.
_DATATYPE = re.compile(r"is not a valid value of the \w+ type '(?P<type>[^']+)'\.$")


class FinvoiceSchemaError(RuntimeError):
    """The configured schema folder cannot be used (a deployment error, at startup)."""


@dataclass(frozen=True, slots=True, eq=False)
class FinvoiceSchemas:
    """Compiled Finvoice schemas by version; share one instance (see ``load_finvoice_schemas``).

    Validation is serialised: an lxml schema keeps the error log of its last run
    on the object, so two threads validating at once would mix their errors.
    """

    by_version: Mapping[str, etree.XMLSchema]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, directory: Path) -> FinvoiceSchemas:
        """Compile the schemas in ``directory``; raises ``FinvoiceSchemaError``."""
        if not directory.is_dir():
            raise FinvoiceSchemaError(f"Finvoice schema folder {directory} does not exist")
        compiled: dict[str, etree.XMLSchema] = {}
        for version, name in {**REQUIRED_SCHEMAS, **OPTIONAL_SCHEMAS}.items():
            path = directory / name
            if not path.is_file():
                if version in REQUIRED_SCHEMAS:
                    raise FinvoiceSchemaError(f"Finvoice schema {path} is missing")
                continue
            compiled[version] = _compile(path)
        return cls(compiled)

    def covers(self, version: str) -> bool:
        """True when messages of ``version`` are schema-validated."""
        return version in self.by_version

    def violations(self, root: etree._Element) -> list[FieldViolation]:
        """The schema errors of the message (empty when valid or when no schema covers
        its version), at most one per element path."""
        schema = self.by_version.get(version_of(root))
        if schema is None:
            return []
        with self._lock:
            if schema.validate(root):
                return []
            errors = list(schema.error_log)
        return _to_violations(errors)


@lru_cache(maxsize=4)
def load_finvoice_schemas(directory: Path) -> FinvoiceSchemas:
    """The schemas of ``directory``, compiled once per process and folder."""
    return FinvoiceSchemas.load(directory.resolve())


def _compile(path: Path) -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.parse(str(path), safe_parser()))
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as error:
        raise FinvoiceSchemaError(f"Finvoice schema {path} cannot be compiled: {error}") from None


def _to_violations(errors: list[etree._LogEntry]) -> list[FieldViolation]:
    violations: list[FieldViolation] = []
    seen: set[str] = set()
    for error in errors:
        violation = _to_violation(error)
        if violation.field in seen:
            # libxml2 often adds a second, vaguer error for the same value.
            continue
        seen.add(violation.field)
        violations.append(violation)
    if len(violations) > MAX_SCHEMA_VIOLATIONS:
        hidden = len(violations) - MAX_SCHEMA_VIOLATIONS
        violations = violations[:MAX_SCHEMA_VIOLATIONS]
        violations.append(
            FieldViolation(DOCUMENT_FIELD, f"has {hidden} more schema errors", SCHEMA_REASON)
        )
    return violations


def _to_violation(error: etree._LogEntry) -> FieldViolation:
    field_path = _relative_path(error.path or "")
    match = _MESSAGE.match(error.message or "")
    if match is None:
        return FieldViolation(field_path, _DEFAULT_DESCRIPTION, SCHEMA_REASON)
    if match["attribute"]:
        field_path = f"{field_path}/@{match['attribute']}"
    detail = match["detail"].strip()
    return FieldViolation(field_path, _description(error.type_name, detail), SCHEMA_REASON)


def _description(type_name: str, detail: str) -> str:
    if type_name in _STRUCTURAL:
        return detail
    facet = _FACET.match(detail)
    if facet:
        return _FACETS.get(facet["facet"], _DEFAULT_DESCRIPTION)
    datatype = _DATATYPE.search(detail)
    if datatype:
        return f"is not a valid value of the schema type {datatype['type']}"
    return _DEFAULT_DESCRIPTION


def _relative_path(path: str) -> str:
    """``/Finvoice/InvoiceDetails/InvoiceDate`` → ``InvoiceDetails/InvoiceDate``."""
    prefix = f"/{ROOT}/"
    if path.startswith(prefix):
        return path[len(prefix) :]
    return ROOT if path in ("", f"/{ROOT}") else path.lstrip("/")
