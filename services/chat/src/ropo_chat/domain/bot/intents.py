"""The fixed set of intents the chatbot recognises (``ropo.chat.v1.Intent`` on the wire)."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """What a customer's message is about. The declaration order is also the tie-break order
    of the matcher, so that equal scores always resolve the same way."""

    GREETING = "greeting"
    PAY_INVOICE = "pay_invoice"
    DUE_DATE_EXTENSION = "due_date_extension"
    PAYMENT_PLAN = "payment_plan"
    AUTHORIZATION = "authorization"
    REFUND_ACCOUNT = "refund_account"
    INVOICE_IMAGE = "invoice_image"
    FIND_INVOICE = "find_invoice"
    COLLECTION_COSTS = "collection_costs"
    DISPUTE = "dispute"
    CONTACT_HUMAN = "contact_human"
    UNKNOWN = "unknown"
