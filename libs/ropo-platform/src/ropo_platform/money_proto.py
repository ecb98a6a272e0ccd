"""Exact conversion between ``Money`` and ``google.type.Money`` (the wire type).

Kept apart from ``money`` so that domain code does not import protobuf.
``google.type.Money`` = ``units`` (int64, whole units) + ``nanos`` (10⁻⁹ units,
same sign as ``units``); 1696.32 EUR = units 1696, nanos 320000000;
-1.50 EUR = units -1, nanos -500000000.
"""

from __future__ import annotations

from google.type import money_pb2

from ropo_platform.money import Money


def money_to_proto(money: Money) -> money_pb2.Money:
    """``Money`` → ``google.type.Money`` (exact)."""
    units, nanos = money.to_units_nanos()
    return money_pb2.Money(currency_code=money.currency, units=units, nanos=nanos)


def money_from_proto(message: money_pb2.Money, *, field: str = "amount") -> Money:
    """``google.type.Money`` → ``Money``; ``InvalidMoney`` (field violation on ``field``) when
    the currency is missing, the sign rules are broken or the amount is finer than a cent."""
    return Money.from_units_nanos(message.units, message.nanos, message.currency_code, field=field)


def optional_money_from_proto(
    parent: object, name: str, *, field: str | None = None
) -> Money | None:
    """The Money in message field ``name`` of ``parent``, or ``None`` when the field is unset."""
    has_field = getattr(parent, "HasField", None)
    if has_field is None or not has_field(name):
        return None
    message: money_pb2.Money = getattr(parent, name)
    return money_from_proto(message, field=field or name)


__all__ = ["money_from_proto", "money_to_proto", "optional_money_from_proto"]
