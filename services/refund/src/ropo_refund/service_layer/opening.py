"""Opening refund cases from the events that say money is owed back.

One case per source (``overpayment:{invoice}:{payment}``,
``credit_note:{invoice}:{credit_note_number}``, ``unclear:{bank_payment}``): a
redelivered or repeated event finds the case it opened before. The case number and
MyRopo ID are random; a case number already taken is drawn again. The opening and
its ``refund_case_opened`` event share the transaction of the caller's unit of work
(the event consumer's, with its inbox row).
"""

from __future__ import annotations

from dataclasses import dataclass

from ropo_platform.logging import get_logger
from ropo_platform.money import Money

from ropo_refund.domain.fees import FeePolicy
from ropo_refund.domain.identifiers import (
    CASE_NUMBER_SPACE,
    MYROPO_ID_BITS,
    case_number_from,
    myropo_id_from,
)
from ropo_refund.domain.refund_case import NewCase, RefundCase, RefundOrigin
from ropo_refund.service_layer.common import Clock, utc_now
from ropo_refund.service_layer.ports import Conflict, RandomSource
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork

_log = get_logger(__name__)

_NUMBER_ATTEMPTS = 10
LANGUAGES = frozenset({"fi", "sv", "en"})
DEFAULT_LANGUAGE = "fi"


@dataclass(frozen=True, slots=True)
class OverpaymentDetected:
    invoice: str
    payment: str
    debtor_party: str
    debtor_display_name: str
    language: str
    amount: Money


@dataclass(frozen=True, slots=True)
class CreditNoteRefundDue:
    invoice: str
    credit_note_number: str
    debtor_party: str
    debtor_display_name: str
    language: str
    amount: Money


@dataclass(frozen=True, slots=True)
class UnclearPaymentReceived:
    bank_payment: str
    payer_name: str
    amount: Money


def _language(value: str) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


class CaseOpener:
    """Opens cases in a unit of work the caller owns (and commits)."""

    def __init__(self, fees: FeePolicy, random: RandomSource, clock: Clock = utc_now) -> None:
        self._fees = fees
        self._random = random
        self._clock = clock

    async def open_case_from_overpayment(
        self, uow: AbstractUnitOfWork, event: OverpaymentDetected
    ) -> RefundCase:
        return await self._open(
            uow,
            NewCase(
                origin=RefundOrigin.OVERPAYMENT,
                source_key=f"overpayment:{event.invoice}:{event.payment}",
                invoice=event.invoice,
                payment=event.payment,
                debtor_party=event.debtor_party,
                debtor_display_name=event.debtor_display_name,
                language=_language(event.language),
                refundable_amount=event.amount,
            ),
        )

    async def open_case_from_credit_note(
        self, uow: AbstractUnitOfWork, event: CreditNoteRefundDue
    ) -> RefundCase:
        return await self._open(
            uow,
            NewCase(
                origin=RefundOrigin.CREDIT_NOTE,
                source_key=f"credit_note:{event.invoice}:{event.credit_note_number}",
                invoice=event.invoice,
                payment="",
                debtor_party=event.debtor_party,
                debtor_display_name=event.debtor_display_name,
                language=_language(event.language),
                refundable_amount=event.amount,
            ),
        )

    async def open_case_from_unclear_payment(
        self, uow: AbstractUnitOfWork, event: UnclearPaymentReceived
    ) -> RefundCase:
        return await self._open(
            uow,
            NewCase(
                origin=RefundOrigin.UNCLEAR_PAYMENT,
                source_key=f"unclear:{event.bank_payment}",
                invoice="",
                payment=event.bank_payment,
                debtor_party="",
                # Only the bank's payer name is known; it is what the holder is compared to.
                debtor_display_name=event.payer_name,
                language=DEFAULT_LANGUAGE,
                refundable_amount=event.amount,
            ),
        )

    async def _open(self, uow: AbstractUnitOfWork, new: NewCase) -> RefundCase:
        existing = await uow.cases.get_by_source(new.source_key)
        if existing is not None:
            return existing
        fee = self._fees.handling_fee(new.origin, new.refundable_amount)
        for _ in range(_NUMBER_ATTEMPTS):
            case = RefundCase.open(
                new,
                case_id=self._random.new_id(),
                case_number=case_number_from(self._random.randbelow(CASE_NUMBER_SPACE)),
                myropo_id=myropo_id_from(self._random.randbelow(1 << MYROPO_ID_BITS)),
                handling_fee=fee,
                at=self._clock(),
            )
            try:
                await uow.cases.add(case)
            except Conflict:
                # Either the case number was taken, or a concurrent delivery opened it.
                existing = await uow.cases.get_by_source(new.source_key)
                if existing is not None:
                    return existing
                continue
            await uow.events.publish(case.pull_events())
            _log.info("refund_case_opened", refund_case=case.name, origin=new.origin.value)
            return case
        raise RuntimeError("no free case number found")
