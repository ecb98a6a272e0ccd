"""Money: exactness, google.type.Money conversion, validation and display."""

from __future__ import annotations

import pickle
import random
from decimal import Decimal
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.type import money_pb2
from ropo_platform.errors import ErrorCode, ValidationFailed
from ropo_platform.money import CurrencyMismatch, InvalidMoney, Money, minor_units, parse_money
from ropo_platform.money_proto import (
    money_from_proto,
    money_to_proto,
    optional_money_from_proto,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "units", "nanos"),
    [
        ("0.00", 0, 0),
        ("0.01", 0, 10_000_000),
        ("-0.01", 0, -10_000_000),
        ("1696.32", 1696, 320_000_000),
        ("-1696.32", -1696, -320_000_000),
        ("-1.50", -1, -500_000_000),
        ("1.00", 1, 0),
        ("-1.00", -1, 0),
        ("99999999999.99", 99_999_999_999, 990_000_000),
        ("9223372036854775807.99", 9_223_372_036_854_775_807, 990_000_000),
    ],
)
def test_proto_conversion_is_exact_both_ways(amount: str, units: int, nanos: int) -> None:
    money = Money(Decimal(amount), "EUR")
    proto = money_to_proto(money)
    assert (proto.currency_code, proto.units, proto.nanos) == ("EUR", units, nanos)
    assert money_from_proto(proto) == money
    assert money_from_proto(proto).amount == Decimal(amount)


def test_round_trip_of_many_random_amounts() -> None:
    rng = random.Random(20240101)
    for _ in range(5000):
        cents = rng.randint(-(10**15), 10**15)
        for currency in ("EUR", "JPY", "BHD"):
            money = Money.from_minor_units(cents, currency)
            back = money_from_proto(money_to_proto(money))
            assert back == money
            assert back.minor_units == cents
            units, nanos = money.to_units_nanos()
            assert units == 0 or nanos == 0 or (units > 0) == (nanos > 0)
            assert Decimal(units) + Decimal(nanos) / 10**9 == money.amount


@pytest.mark.parametrize(
    ("units", "nanos", "field"),
    [
        (0, 5_000_000, "amount"),  # 0.005: finer than a cent
        (1, 1, "amount"),
        (1, -500_000_000, "amount.nanos"),  # sign mismatch
        (-1, 500_000_000, "amount.nanos"),
        (0, 1_000_000_000, "amount.nanos"),  # out of range
    ],
)
def test_invalid_proto_amounts_are_field_violations(units: int, nanos: int, field: str) -> None:
    with pytest.raises(InvalidMoney) as caught:
        money_from_proto(money_pb2.Money(currency_code="EUR", units=units, nanos=nanos))
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
    assert [v.field for v in caught.value.violations] == [field]


def test_proto_field_path_is_used_in_violations() -> None:
    with pytest.raises(InvalidMoney) as caught:
        money_from_proto(money_pb2.Money(currency_code="", units=1), field="total")
    assert [v.field for v in caught.value.violations] == ["total.currency_code"]


def _holder_class() -> Any:
    """A message type ``Holder { google.type.Money amount = 1; }`` built at run time."""
    pool = descriptor_pool.DescriptorPool()
    money_file = descriptor_pb2.FileDescriptorProto()
    money_pb2.DESCRIPTOR.CopyToProto(money_file)
    pool.Add(money_file)
    holder_file = descriptor_pb2.FileDescriptorProto(
        name="rpctest/holder.proto",
        package="rpctest",
        syntax="proto3",
        dependency=[money_file.name],
    )
    holder = holder_file.message_type.add(name="Holder")
    holder.field.add(
        name="amount",
        number=1,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
        type_name=".google.type.Money",
    )
    pool.Add(holder_file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("rpctest.Holder"))


def test_optional_money_from_proto() -> None:
    holder_class = _holder_class()
    assert optional_money_from_proto(holder_class(), "amount") is None
    message = holder_class()
    message.amount.currency_code = "EUR"
    message.amount.units = 12
    message.amount.nanos = 340_000_000
    assert optional_money_from_proto(message, "amount") == Money.eur("12.34")
    message.amount.nanos = 345_000_000
    with pytest.raises(InvalidMoney) as caught:
        optional_money_from_proto(message, "amount", field="invoice.amount")
    assert [v.field for v in caught.value.violations] == ["invoice.amount"]


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.eur("1.00").multiply(1.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.eur("1.00") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(True, "EUR")


def test_sub_cent_amounts_and_bad_input_are_rejected() -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money(Decimal("1.005"), "EUR")
    assert caught.value.violations[0].description == "must not have more than 2 decimals"
    with pytest.raises(InvalidMoney):
        Money(Decimal("1.5"), "JPY")
    with pytest.raises(InvalidMoney):
        Money(Decimal("NaN"), "EUR")
    with pytest.raises(InvalidMoney):
        Money(Decimal("Infinity"), "EUR")
    with pytest.raises(InvalidMoney):
        Money(1, "eur")
    with pytest.raises(InvalidMoney):
        parse_money("12,50", "EUR", field="amount_text")
    # Trailing zeros beyond the minor unit are fine: the value is representable.
    assert Money(Decimal("1.500"), "EUR").amount == Decimal("1.50")
    assert str(Money(Decimal("1.500"), "BHD").amount) == "1.500"
    assert minor_units("JPY") == 0 and minor_units("BHD") == 3 and minor_units("EUR") == 2


def test_arithmetic_within_one_currency() -> None:
    a, b = Money.eur("1696.32"), Money.eur("0.68")
    assert a + b == Money.eur("1697.00")
    assert a - b == Money.eur("1695.64")
    assert -a == Money.eur("-1696.32")
    assert abs(-a) == a
    assert a * 3 == 3 * a == Money.eur("5088.96")
    assert a.multiply(Decimal("0.07")) == Money.eur("118.74")  # 118.7424
    assert Money.eur("0.05").multiply("0.5") == Money.eur("0.03")  # half up
    assert b < a and a >= b and max(a, b) == a
    assert Money.sum([a, b, b], "EUR") == Money.eur("1697.68")
    assert Money.sum([], "EUR").is_zero()
    assert Money.eur("-0.00") == Money.zero("EUR") and str(Money.eur("-0.00")) == "0.00 EUR"
    assert not Money.zero("EUR") and Money.eur("0.01")
    assert hash(Money.eur("1.5")) == hash(Money.eur("1.50"))


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.eur("1.00") + Money(1, "SEK")
    with pytest.raises(CurrencyMismatch):
        _ = Money.eur("1.00") < Money(1, "SEK")
    assert Money.eur("1.00") != Money(Decimal("1.00"), "SEK")


@pytest.mark.parametrize(
    ("total", "parts", "shares"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("0.02", 3, ["0.01", "0.01", "0.00"]),
        ("-10.00", 4, ["-2.50", "-2.50", "-2.50", "-2.50"]),
        ("-0.05", 2, ["-0.03", "-0.02"]),
        ("1696.32", 12, ["141.36"] * 12),
    ],
)
def test_split_never_loses_a_cent(total: str, parts: int, shares: list[str]) -> None:
    result = Money.eur(total).split(parts)
    assert [str(m.amount) for m in result] == shares
    assert Money.sum(result, "EUR") == Money.eur(total)


@pytest.mark.parametrize(
    ("locale", "amount", "expected"),
    [
        ("fi", "1696.32", f"1{NBSP}696,32{NBSP}€"),
        ("sv", "1696.32", f"1{NBSP}696,32{NBSP}€"),
        ("en", "1696.32", "€1,696.32"),
        ("fi", "0.5", f"0,50{NBSP}€"),
        ("en", "1234567.8", "€1,234,567.80"),
        ("fi_FI", "-5.00", f"-5,00{NBSP}€"),
        ("en-GB", "12", "€12.00"),
    ],
)
def test_display_format(locale: str, amount: str, expected: str) -> None:
    money = Money.eur(amount)
    assert money.format(locale) == expected
    assert f"{money:{locale}}" == expected


def test_repr_str_and_pickle() -> None:
    money = Money.eur("1696.32")
    assert str(money) == "1696.32 EUR"
    assert repr(money) == "Money('1696.32', 'EUR')"
    assert pickle.loads(pickle.dumps(money)) == money  # noqa: S301 - our own bytes
    with pytest.raises(AttributeError):
        money.amount = Decimal(1)  # type: ignore[misc]


def test_money_module_is_pure() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ropo_platform.money, ropo_platform.errors;"
        "bad = [m for m in ('grpc', 'google.protobuf', 'sqlalchemy', 'nats', 'babel') "
        "if m in sys.modules]; print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
