"""Account checks (IBAN, BIC, holder name), masking and name matching."""

from __future__ import annotations

import pytest
from refund_support import BR_IBAN, DE_IBAN, FI_IBAN, TR_IBAN
from ropo_refund.domain.accounts import (
    ACCOUNT_INVALID,
    AccountInvalid,
    IbanProblem,
    check_account,
    check_iban,
    mask_iban,
)
from ropo_refund.domain.names import names_match

FORMAT = "An IBAN has a two-letter country code, two check digits and the account number."


@pytest.mark.parametrize(
    ("typed", "problem", "description"),
    [
        ("", IbanProblem.MISSING, "Enter the IBAN."),
        ("   ", IbanProblem.MISSING, "Enter the IBAN."),
        ("FI42-5000-1510", IbanProblem.FORMAT, FORMAT),
        ("4250001510000023", IbanProblem.FORMAT, FORMAT),
        ("XX4250001510000023", IbanProblem.FORMAT, FORMAT),
        ("FI425000151000002", IbanProblem.LENGTH, "An IBAN of FI has 18 characters."),
        ("DE8937040044053201300", IbanProblem.LENGTH, "An IBAN of DE has 22 characters."),
        (
            "FI4250001510000024",
            IbanProblem.CHECKSUM,
            "The IBAN's check digits do not match: check the number.",
        ),
        (BR_IBAN, IbanProblem.NOT_SEPA, "Refunds are paid only to accounts in the SEPA area."),
        (TR_IBAN, IbanProblem.NOT_SEPA, "Refunds are paid only to accounts in the SEPA area."),
    ],
)
def test_iban_problems(typed: str, problem: IbanProblem, description: str) -> None:
    assert check_iban(typed)[1:] == (problem, description)


@pytest.mark.parametrize("typed", [FI_IBAN, "fi42 5000 1510 0000 23", DE_IBAN])
def test_valid_sepa_ibans(typed: str) -> None:
    compact, problem, _ = check_iban(typed)
    assert problem is None
    assert compact == "".join(typed.split()).upper()


def test_a_finnish_bic_is_derived_and_another_may_stay_empty() -> None:
    assert check_account(FI_IBAN, "", "Matti Meikäläinen").bic == "OKOYFIHH"
    assert check_account(DE_IBAN, "", "Hans Müller").bic == ""
    assert check_account(DE_IBAN, "cobadeffxxx", "Hans Müller").bic == "COBADEFFXXX"


def test_every_problem_is_reported_at_once_without_the_number() -> None:
    with pytest.raises(AccountInvalid) as raised:
        check_account("FI4250001510000024", "NOTABIC", " ")
    error = raised.value
    assert error.reason == ACCOUNT_INVALID
    assert error.metadata == {"iban_problem": "checksum"}
    assert [v.field for v in error.violations] == ["iban", "bic", "holder_name"]
    assert all("4250001510000024" not in v.description for v in error.violations)


@pytest.mark.parametrize(
    ("holder", "ok"),
    [
        ("Matti Meikäläinen", True),
        ("Oy Yritys X Ab", True),
        ("O'Brien & Sons, Ltd.", True),
        ("M", False),
        ("x" * 71, False),
        ("Matti <script>", False),
        ("Matti_Meikäläinen", False),
    ],
)
def test_holder_names(holder: str, ok: bool) -> None:
    if ok:
        assert check_account(FI_IBAN, "", holder).holder_name == holder
    else:
        with pytest.raises(AccountInvalid) as raised:
            check_account(FI_IBAN, "", holder)
        assert [v.field for v in raised.value.violations] == ["holder_name"]
        assert raised.value.metadata == {}


@pytest.mark.parametrize(
    ("iban", "masked"),
    [
        (FI_IBAN, "FI42 **** **** **** 23"),
        (DE_IBAN, "DE89 **** **** **** **** 00"),
        ("NL91ABNA0417164300", "NL91 **** **** **** 00"),
        ("FR1420041010050500013M02606", "FR14 **** **** **** **** **** *06"),
    ],
)
def test_masked_iban_shows_country_check_digits_and_last_two(iban: str, masked: str) -> None:
    assert mask_iban(iban) == masked
    assert iban[4:-2] not in mask_iban(iban).replace(" ", "")


@pytest.mark.parametrize(
    ("holder", "debtor", "match"),
    [
        ("Matti Meikäläinen", "Matti Meikäläinen", True),
        ("MEIKALAINEN matti", "Matti Meikäläinen", True),
        ("Matti Meikäläinen", "Matti Tapio Meikäläinen", True),
        ("Matti-Meikäläinen", "Meikäläinen, Matti", True),
        ("Matti", "Matti Meikäläinen", False),
        ("Maija Meikäläinen", "Matti Meikäläinen", False),
        ("Matti Meikäläinen Jr", "Matti Meikäläinen", False),
        ("Yritys", "Yritys", True),
        ("Matti Meikäläinen", "", False),
    ],
)
def test_name_matching(holder: str, debtor: str, match: bool) -> None:
    assert names_match(holder, debtor) is match
