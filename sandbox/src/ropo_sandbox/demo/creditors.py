"""The demo creditors and the one company debtor.

Business ids and IBANs are computed (check digits) from made-up bodies, not
copied from any register.
"""

from __future__ import annotations

from decimal import Decimal

from ropo_sandbox.demo.model import Article, Buyer, Creditor
from ropo_sandbox.identifiers import business_id, finnish_iban, vat_number
from ropo_sandbox.persons import PostalAddress


def _article(
    article_id: str, fi: str, sv: str, en: str, price: str, vat: str, *, delivery: bool = False
) -> Article:
    return Article(
        article_id,
        {"fi": fi, "sv": sv, "en": en},
        Decimal(price),
        "food" if vat == "food" else "general",
        delivery,
    )


_TESTI_ID = business_id("2345678")
_YRITYS_X_ID = business_id("1618033")
_RAKENNUS_ID = business_id("1732050")

TESTI_YRITYS = Creditor(
    key="testi-yritys",
    name="Testi-yritys Oy",
    business_id=_TESTI_ID,
    vat_number=vat_number(_TESTI_ID),
    iban=finnish_iban("5000012034567"),  # OP
    bic="OKOYFIHH",
    address=PostalAddress("Testikatu 1", "00510", "Helsinki"),
    phone="09 123 4567",
    email="laskutus@testi-yritys.example",
    website="www.testi-yritys.example",
    first_invoice_number=100101,
    articles=(
        _article("TY-1001", "Langattomat kuulokkeet", "Trådlösa hörlurar", "Wireless headphones",
                 "71.63", "general"),
        _article("TY-1002", "Puhelimen suojakuori", "Skyddsfodral för telefon", "Phone case",
                 "15.90", "general"),
        _article("TY-1003", "USB-C-laturi 65 W", "USB-C-laddare 65 W", "USB-C charger 65 W",
                 "31.87", "general"),
        _article("TY-2001", "Asennuspalvelu", "Installationstjänst", "Installation service",
                 "47.01", "general"),
        _article("TY-9001", "Toimitusmaksu", "Leveransavgift", "Delivery fee", "5.50", "general",
                 delivery=True),
    ),
)  # fmt: skip

YRITYS_X = Creditor(
    key="yritys-x",
    name="Oy Yritys X Ab",
    business_id=_YRITYS_X_ID,
    vat_number=vat_number(_YRITYS_X_ID),
    iban=finnish_iban("8000014000789"),  # Danske Bank
    bic="DABAFIHH",
    address=PostalAddress("Esimerkkitie 25", "20100", "Turku"),
    phone="02 765 4321",
    email="asiakaspalvelu@yritysx.example",
    website="www.yritysx.example",
    first_invoice_number=7000501,
    articles=(
        _article("X-310", "Ruokakassi, perhe", "Matkasse, familj", "Meal kit, family",
                 "65.95", "food"),
        _article("X-320", "Lounaspaketti", "Lunchpaket", "Lunch package", "10.04", "food"),
        _article("X-330", "Kahvipaketti 500 g", "Kaffepaket 500 g", "Coffee 500 g",
                 "7.48", "food"),
        _article("X-340", "Juhlatarjoilu, 10 hlöä", "Festbuffé, 10 pers.",
                 "Party catering, 10 people", "189.00", "food"),
        _article("X-900", "Kotiinkuljetus", "Hemleverans", "Home delivery", "7.89", "general",
                 delivery=True),
    ),
)  # fmt: skip

CREDITORS: tuple[Creditor, ...] = (TESTI_YRITYS, YRITYS_X)

# A company debtor: its identifier in the Finvoice is the business id.
RAKENNUS = Buyer(
    kind="organization",
    identifier=_RAKENNUS_ID,
    name="Kuvitteellinen Rakennus Oy",
    address=PostalAddress("Teollisuustie 7", "33700", "Tampere"),
    language="fi",
    vat_number=vat_number(_RAKENNUS_ID),
)
