"""The refund use cases, grouped as the callers see them (built once in ``bootstrap``):

- ``wizard``: the person's three steps and their view of a case (``wizard.py``);
- ``staff``: Ropo One's list, approve, reject, change account, letter (``staff.py``);
- ``payouts``: pain.001 export, pain.002 import, batches (``payouts.py``);
- ``opener``: cases from the invoice and payment events (``opening.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ropo_refund.service_layer.opening import CaseOpener
from ropo_refund.service_layer.payouts import PayoutDesk
from ropo_refund.service_layer.staff import StaffDesk
from ropo_refund.service_layer.wizard import Wizard


@dataclass(frozen=True, slots=True)
class RefundHandlers:
    wizard: Wizard
    staff: StaffDesk
    payouts: PayoutDesk
    opener: CaseOpener
