"""The Ropo One search form and query: parsing, checks and the request sent upstream.

The same rules serve the page (``POST /ropo-one``) and the JSON API. Text fields
are trimmed and limited in length; a case number or reference typed in its
printed form (with spaces) is sent in the machine form. A value that looks like
a henkilötunnus, as typed or without its spaces, is refused before it goes
anywhere: the service cannot search by it, and it must not travel further than
this check. Problems name the field and the reason, never the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from ropo.invoice.v1 import invoice_pb2
from ropo_platform.errors import FieldViolation
from ropo_platform.redaction import contains_hetu

from ropo_gateway.auth.staff_identity import StaffIdentity
from ropo_gateway.clients.invoices import InvoiceSearch
from ropo_gateway.ropo_one.access import creditor_scope

MAX_TEXT_LENGTH: Final = 100
TEXT_FIELDS: Final = ("query", "case_number", "invoice_number", "reference", "debtor_name")
# Fields whose printed form has spaces that the stored (machine) form has not.
_COMPACT_FIELDS: Final = frozenset({"case_number", "reference"})
#: State names as the page and the API spell them (the enum without ``STATE_``).
STATE_NAMES: Final = tuple(
    name.removeprefix("STATE_")
    for name in invoice_pb2.Invoice.State.keys()  # noqa: SIM118 - an enum wrapper, not a dict
    if name != "STATE_UNSPECIFIED"
)

ProblemCode = Literal["too_long", "identity_code", "state"]
_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "too_long": f"must be at most {MAX_TEXT_LENGTH} characters",
    "identity_code": "must not be a personal identity code: search by name, number or reference",
    "state": f"must be one of {', '.join(STATE_NAMES)}",
}


@dataclass(frozen=True, slots=True)
class SearchProblem:
    """One refused field; ``code`` selects the page's wording, ``description`` the API's."""

    field: str
    code: ProblemCode

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self.code]

    def violation(self) -> FieldViolation:
        return FieldViolation(self.field, self.description)


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """What a staff user searches for; empty fields do not filter."""

    query: str = ""
    case_number: str = ""
    invoice_number: str = ""
    reference: str = ""
    debtor_name: str = ""
    states: tuple[str, ...] = ()
    open_only: bool = False

    def to_search(
        self, identity: StaffIdentity, *, page_size: int, page_token: str = ""
    ) -> InvoiceSearch:
        """The upstream request; a creditor user's own creditor always limits it."""
        return InvoiceSearch(
            query=self.query,
            case_number=self.case_number,
            invoice_number=self.invoice_number,
            reference=self.reference,
            debtor_name=self.debtor_name,
            creditor=creditor_scope(identity),
            states=tuple(invoice_pb2.Invoice.State.Value(f"STATE_{name}") for name in self.states),
            open_only=self.open_only,
            page_size=page_size,
            page_token=page_token,
        )


def _clean(name: str, raw: str | None, problems: list[SearchProblem]) -> str:
    value = " ".join((raw or "").split())
    if len(value) > MAX_TEXT_LENGTH:
        problems.append(SearchProblem(name, "too_long"))
        return ""
    compact = value.replace(" ", "")
    # Checked without spaces in every field: a code typed with a stray space is still a code.
    if contains_hetu(value) or contains_hetu(compact):
        problems.append(SearchProblem(name, "identity_code"))
        return ""
    return compact.upper() if name in _COMPACT_FIELDS else value


def parse_criteria(
    texts: Mapping[str, str | None], states: Iterable[str], open_only: bool
) -> tuple[SearchCriteria, list[SearchProblem]]:
    """Criteria from submitted values, with every problem found (not just the first)."""
    problems: list[SearchProblem] = []
    cleaned = {name: _clean(name, texts.get(name), problems) for name in TEXT_FIELDS}
    chosen: list[str] = []
    for state in states:
        if not state:
            continue  # "all states" in the select
        if state not in STATE_NAMES:
            problems.append(SearchProblem("state", "state"))
        elif state not in chosen:
            chosen.append(state)
    criteria = SearchCriteria(
        query=cleaned["query"],
        case_number=cleaned["case_number"],
        invoice_number=cleaned["invoice_number"],
        reference=cleaned["reference"],
        debtor_name=cleaned["debtor_name"],
        states=tuple(chosen),
        open_only=open_only,
    )
    return criteria, problems
