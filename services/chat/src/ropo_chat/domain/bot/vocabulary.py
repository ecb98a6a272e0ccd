"""What the chatbot listens for: words and phrases per language and intent.

How to read and edit this file (no programming needed beyond keeping the quotes and commas):

- Each language has a table: intent → ``Terms(strong=..., normal=..., weak=...)``.
- An entry is one word or a few words. A few words match when all of them occur close to
  each other (at most two other words in between), in any order: "siirtää eräpäivää" also
  matches "eräpäivää voisko siirtää".
- Write words in any inflected form: both the entry and the message are reduced to their stem
  ("laskun", "laskua", "laskuni" → "lasku"). The Finnish stemmer does not undo every consonant
  change, so list such forms too ("ihminen", "ihmisen", "ihmistä"). Typos in words of five
  letters or more are tolerated, and so are missing umlauts ("erapaiva").
- Finnish and Swedish compounds match their parts: "perintäkulut" contains "kulu".
- ``strong``: settles the intent on its own ("maksusuunnitelma").
  ``normal``: a clear hint; enough alone, but a strong hint of another intent wins.
  ``weak``: only supports other hints (a word several intents share).
- When a longer entry matches, its shorter entries inside it do not count for any intent:
  "maksaa osissa" is a payment plan, and its "maksaa" no longer counts as paying.
- Colloquial and Finland-Swedish forms go in the same lists ("voisko", "tartten", "int").
- A greeting counts only while no other intent has a normal or strong hint ("moi, haluan
  maksaa" is about paying).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ropo_chat.domain.bot.intents import Intent


@dataclass(frozen=True, slots=True)
class Terms:
    """The words and phrases of one intent in one language, by how much they tell."""

    strong: tuple[str, ...] = ()
    normal: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()


# fmt: off
FINNISH: Final[dict[Intent, Terms]] = {
    Intent.GREETING: Terms(
        strong=(
            "hei", "heippa", "heips", "moi", "moikka", "moro", "morjens", "terve",
            "tervehdys", "hellurei", "hyvää päivää", "huomenta", "iltaa", "kiitos", "kiitti",
            "kiitoksia", "näkemiin", "päivänjatkoa",
        ),
        normal=("apua", "tarvitsen apua", "tarvitsisin apua"),
    ),
    Intent.PAY_INVOICE: Terms(
        strong=(
            "verkkopankki", "nettipankki", "mobiilipankki", "pankkitunnukset", "korttimaksu",
            "maksukortti", "luottokortti", "pankkikortti", "mobilepay", "tilisiirto",
            "maksutiedot", "verkkomaksu", "maksaa netissä", "maksaa verkossa",
        ),
        normal=(
            "maksaa", "maksan", "maksaan", "maksuun", "lasku maksuun", "maksaa lasku",
            "miten maksan", "maksaa heti", "pääsen maksamaan", "suorittaa", "saman tien",
            "millä tavalla", "maksaminen", "e-lasku",
        ),
        weak=("maksamaan", "viitenumero", "heti", "nyt", "kerralla"),
    ),
    Intent.DUE_DATE_EXTENSION: Terms(
        strong=(
            "eräpäivä", "eräpäivän siirto", "eräpäivänsiirto", "siirtää eräpäivää",
            "eräpäivää siirtää", "lisää maksuaikaa", "lisäaika", "lisää aikaa",
            "lykkäys", "lykätä", "lykkäystä", "myöhemmin", "ensi kuussa", "ensi kuulle",
            "kuun loppuun", "palkkapäivä", "maksupäivä", "maksupäivää", "ensi viikolla",
            "ensi viikkoon", "myöhempään",
        ),
        normal=(
            "maksuaika", "siirtää", "siirto", "palkka", "viikko", "ehdi", "en ehdi", "muuttaa",
        ),
        weak=("aikaa", "myöhässä"),
    ),
    Intent.PAYMENT_PLAN: Terms(
        strong=(
            "maksusuunnitelma", "maksujärjestely", "osamaksu", "osissa", "osiin", "kahteen osaan",
            "kolmeen osaan", "useaan osaan",
            "erissä", "erä", "erät", "maksuerä", "maksuerät", "kuukausierä", "kuukausittain",
            "useampaan erään", "maksaa osissa", "pienissä erissä", "pikkuhiljaa",
            "vähitellen", "jaksottaa", "euroa kuussa", "kuussa", "maksuohjelma",
            "en pysty maksamaan", "en pysty maksaa", "en voi maksaa kaikkea",
            "lyhennys", "lyhentää",
        ),
        normal=("jakaa", "kuukausi", "suunnitelma", "koko summaa"),
        weak=("kerralla", "velka", "ei varaa"),
    ),
    Intent.AUTHORIZATION: Terms(
        strong=(
            "valtuutus", "valtuuttaa", "valtuutan", "valtuutettu", "valtakirja", "joku muu",
            "jonkun toisen", "toinen henkilö", "toiselle henkilölle", "toisen ihmisen",
            "mun vaimo", "mun mies", "mun äiti", "mun isä", "mun poika", "mun tytär",
            "vaimoni", "mieheni", "äitini", "isäni", "poikani", "tyttäreni", "puolisoni",
            "puolestani", "mun puolesta", "puolestaan", "hänen puolestaan", "oikeus hoitaa",
            "edunvalvoja",
        ),
        normal=(
            "puoliso", "vaimo", "mies", "äiti", "isä", "poika", "tytär", "lapsi", "omainen",
            "kaveri", "ystävä", "hoitaa", "toiselle", "oikeuden", "puolesta",
        ),
        weak=("nähdä",),
    ),
    Intent.REFUND_ACCOUNT: Terms(
        strong=(
            "tilinumero", "palautus", "hyvitys", "hyvityksen", "liikasuoritus",
            "rahat takaisin", "rahaa takaisin", "kahteen kertaan", "kahdesti", "kaks kertaa",
            "tuplana", "tuplasti", "maksoin liikaa", "ylimääräistä", "palautuskirje",
            "palautetaan", "tilitiedot", "pankkitili", "ylimaksu", "ylimaksettu", "ylimaksetun",
            "erotus", "erotuksen",
        ),
        normal=("takaisin", "takas", "liikaa", "vahingossa", "vahingos", "tili"),
    ),
    Intent.INVOICE_IMAGE: Terms(
        strong=(
            "alkuperäinen lasku", "alkuperäisessä", "alkuperäsen", "alkuperänen",
            "laskukopio", "kopio laskusta", "laskun kopio", "laskun kuva", "laskukuva", "pdf",
            "tulostaa", "paperiversio", "näytä lasku", "laskun kuvan",
        ),
        normal=("kopio", "alkuperäinen", "nähdä lasku", "nähä lasku", "ladata", "avata lasku"),
        weak=("kuva", "tarkistaa", "sähköposti"),
    ),
    Intent.FIND_INVOICE: Terms(
        strong=(
            "hae lasku", "hae laskua", "en löydä", "ei löydy", "ei näy", "en näe", "en nää",
            "puuttuu", "myropo-tunnus", "näkyviin", "missä lasku", "missä mun lasku",
            "hukassa", "kadonnut", "kateissa",
        ),
        normal=(
            "löydä", "löytyy", "näy", "listalla", "listassa", "paperilasku", "postissa",
            "hakea", "haen", "ei ole myropossa", "viitenumerolla",
        ),
    ),
    Intent.COLLECTION_COSTS: Terms(
        strong=(
            "perintäkulut", "kulut", "kulu", "lisäkulut", "kustannukset", "perintäkustannukset",
            "muistutusmaksu", "maksukehotus", "viivästyskorko",
            "viivästysmaksu", "lisämaksu", "lisää maksua", "korot ja kulut", "summa noussut",
            "summa on noussu", "summa kasvanut", "summa kasvoi",
        ),
        normal=(
            "korko", "kasvanut", "noussut", "noussu", "perintä", "peritään", "muistutus",
            "maksumuistutus",
        ),
        weak=("paljonko maksaa", "mitä maksaa"),
    ),
    Intent.DISPUTE: Terms(
        strong=(
            "reklamaatio", "reklamoida", "riitauttaa", "riitautus", "kiistää", "kiistän",
            "väärin", "väärä", "virheellinen", "virhe", "en ole tilannut", "väärä summa",
            "ei kuulu", "huomautus", "viallinen", "en hyväksy", "väärälle henkilölle",
            "en ole velkaa", "ei ole minun", "jo maksettu", "maksoin jo", "jo maksanut",
            "maksanut jo", "perusteeton", "eri mieltä", "en tunnista", "valittaa", "valitus",
        ),
        normal=("tilannut", "velkaa", "huijaus"),
    ),
    Intent.CONTACT_HUMAN: Terms(
        strong=(
            "asiakaspalvelija", "asiakaspalvelu", "ihminen", "ihmisen", "ihmiseen", "ihmistä",
            "puhelinnumero", "puhelinpalvelu", "puhelimessa", "puhelin", "soittaa",
            "virkailija",
        ),
        normal=(
            "puhua", "puhuu", "jutella", "yhteys", "yhteyden", "yhteyttä", "botti",
            "tavoittaa", "pääsis", "jonkun kanssa",
        ),
        weak=("henkilö",),
    ),
}

SWEDISH: Final[dict[Intent, Terms]] = {
    Intent.GREETING: Terms(
        strong=(
            "hej", "hejsan", "hallå", "tjena", "tjenare", "morjens", "moi", "god dag",
            "goddag", "god morgon", "god kväll", "tack", "tackar", "hej då", "ha en bra dag",
        ),
        normal=("hjälp", "behöver hjälp"),
    ),
    Intent.PAY_INVOICE: Terms(
        strong=(
            "nätbank", "nätbanken", "mobilbank", "bankkoder", "kortbetalning", "betala med kort",
            "kreditkort", "bankkort", "mobilepay", "betalningsuppgifter", "gireringen",
            "betala på nätet",
        ),
        normal=(
            "betala", "betalar", "betala fakturan", "betala räkningen", "hur betalar",
            "till betalningen", "genast", "vilket sätt", "kort", "betalas", "e-faktura",
        ),
        weak=("referensnummer", "direkt", "på en gång", "nu"),
    ),
    Intent.DUE_DATE_EXTENSION: Terms(
        strong=(
            "förfallodag", "förfallodagen", "flytta förfallodagen", "betalningstid",
            "anstånd", "mera tid", "mer tid", "skjuta upp", "förlängd", "förlänga", "senare",
            "en månad till", "nästa månad", "slutet av månaden", "lönedag", "betalningsdag",
            "betalningsdagen", "nästa vecka",
        ),
        normal=("flytta", "skjuta", "lönen", "vecka", "veckor", "hinner", "ändra"),
        weak=("tid",),
    ),
    Intent.PAYMENT_PLAN: Terms(
        strong=(
            "betalningsplan", "avbetalning", "avbetalningsplan", "delbetalning", "i rater",
            "rater", "i delar", "dela upp", "delas upp", "månadsvis", "flera månader",
            "varje månad", "per månad", "euro i månaden", "lite i taget", "mindre delar",
            "små poster", "små summor", "omgångar", "avbetalningsprogram", "amortera",
            "int betala allt", "inte betala allt",
        ),
        normal=("delar", "dela", "plan", "hela summan"),
        weak=("på en gång", "skuld", "int råd", "inte råd"),
    ),
    Intent.AUTHORIZATION: Terms(
        strong=(
            "fullmakt", "befullmäktiga", "ge rätt", "annan person", "någon annan",
            "min man", "min fru", "min son", "min dotter", "min mamma", "min pappa",
            "min make", "min maka", "för min räkning", "för hennes räkning",
            "för hans räkning", "å mina vägnar", "intressebevakare",
        ),
        normal=(
            "dotter", "son", "mamma", "make", "maka", "barn", "kompis", "vän", "sköta",
            "rätt att", "för mig",
        ),
    ),
    Intent.REFUND_ACCOUNT: Terms(
        strong=(
            "kontonummer", "anmäl kontonummer", "återbetalning", "återbetalas", "överbetalning",
            "gottgörelse", "pengarna tillbaka", "pengar tillbaka", "tillbaks", "två gånger",
            "två ggr", "dubbelt", "betalat för mycket", "betalade för mycket",
            "kontouppgifter", "bankkonto", "mellanskillnaden",
        ),
        normal=("tillbaka", "misstag"),
        weak=("för mycket", "konto"),
    ),
    Intent.INVOICE_IMAGE: Terms(
        strong=(
            "originalfaktura", "originalfakturan", "originalräkning", "originalet",
            "ursprungliga fakturan", "pdf", "kopia av fakturan", "kopia av räkningen",
            "bild av fakturan", "bild av räkningen", "skriva ut", "på papper",
            "pappersversion", "visa fakturan", "bild på fakturan",
        ),
        normal=("bild", "kopia", "original", "ursprunglig", "ladda ner", "se fakturan"),
        weak=("kontrollera", "e-post"),
    ),
    Intent.FIND_INVOICE: Terms(
        strong=(
            "sök faktura", "hittar inte", "hittar int", "syns inte", "syns int", "saknas",
            "finns inte", "finns int", "myropo-koden", "ser den inte", "ser den int",
            "ser inte", "synas", "var är min faktura", "försvunnit", "borta",
        ),
        normal=("hitta", "hittar", "syns", "listan", "posten", "söka", "söker"),
    ),
    Intent.COLLECTION_COSTS: Terms(
        strong=(
            "inkassokostnader", "kostnader", "avgift", "avgifter", "påminnelseavgift",
            "betalningskrav", "dröjsmålsränta", "inkassoavgift", "extra avgifter",
            "summan stigit", "summan ökat",
        ),
        normal=(
            "ränta", "ökat", "stigit", "inkasso", "tar ut", "lagts till", "påminnelse",
            "betalningspåminnelse", "debiteras",
        ),
        weak=("kostar",),
    ),
    Intent.DISPUTE: Terms(
        strong=(
            "reklamera", "reklamation", "bestrida", "bestrider", "felaktig", "fel belopp",
            "inte beställt", "int beställt", "är fel", "ett fel", "hör inte till",
            "hör int till", "anmärkning", "trasig", "defekt", "godkänner inte",
            "godkänner int", "fel person", "inte skyldig", "int skyldig", "redan betald",
            "redan betalat", "känner inte igen", "känner int igen", "klaga", "klagomål",
            "håller inte med", "håller int med",
        ),
        normal=("beställt", "fel", "skyldig"),
    ),
    Intent.CONTACT_HUMAN: Terms(
        strong=(
            "kundtjänst", "kundtjänsten", "kundservice", "människa", "handläggare",
            "telefonnummer", "telefontjänst", "telefon", "ringa",
        ),
        normal=("prata", "kontakt", "boten", "riktig person", "med en person", "med någon"),
        weak=("person", "chatta"),
    ),
}

ENGLISH: Final[dict[Intent, Terms]] = {
    Intent.GREETING: Terms(
        strong=(
            "hello", "hi", "hey", "heya", "hiya", "yo", "howdy", "good morning", "good afternoon",
            "good evening", "good day", "thanks", "thank you", "cheers", "bye",
            "have a nice day",
        ),
        normal=("help", "need help", "need some help"),
    ),
    Intent.PAY_INVOICE: Terms(
        strong=(
            "online banking", "online bank", "credit card", "debit card", "card payment",
            "mobilepay", "payment details", "bank transfer", "pay online",
        ),
        normal=(
            "pay", "paying", "pay invoice", "pay bill", "settle", "straight away",
            "what ways", "card", "go to pay", "invoice paid", "e-invoice",
        ),
        weak=("reference number", "right now", "at once"),
    ),
    Intent.DUE_DATE_EXTENSION: Terms(
        strong=(
            "due date", "extension", "extend", "postpone", "more time", "pushed back",
            "later", "another month", "next month", "end of the month", "payday",
            "payment date", "next week", "defer", "deferred",
        ),
        normal=("move", "delay", "salary", "week", "weeks", "in time", "change", "changed"),
        weak=("time",),
    ),
    Intent.PAYMENT_PLAN: Terms(
        strong=(
            "payment plan", "instalment", "installment", "instalments", "installments",
            "split", "monthly", "every month", "each month", "several months", "in parts",
            "smaller amounts", "small chunks", "little by little", "divided", "a month",
            "per month", "several goes", "repayment", "repayment schedule",
            "cant pay everything", "cant pay it all", "cant pay all",
        ),
        normal=("parts", "plan", "chunks", "whole sum"),
        weak=("at once", "afford", "debt"),
    ),
    Intent.AUTHORIZATION: Terms(
        strong=(
            "authorize", "authorise", "authorization", "authorisation", "power of attorney",
            "on my behalf", "someone else", "somebody else", "another person", "my wife",
            "my husband", "my son", "my daughter", "my mother", "my father", "my partner",
            "my mum", "my mom", "my dad", "guardian", "for her", "for him",
        ),
        normal=(
            "wife", "husband", "son", "daughter", "mother", "father", "partner", "friend",
            "manage", "handle", "access", "for me",
        ),
    ),
    Intent.REFUND_ACCOUNT: Terms(
        strong=(
            "refund", "reimburse", "reimbursed", "account number", "bank account",
            "overpayment", "overpaid", "money back", "paid twice", "paid too much",
            "paid double", "account details", "returned to me", "difference",
        ),
        normal=("back", "mistake", "account", "twice", "double", "by accident", "too much"),
    ),
    Intent.INVOICE_IMAGE: Terms(
        strong=(
            "original invoice", "original bill", "original of the invoice", "pdf",
            "copy of the invoice", "copy of the bill", "invoice image", "print",
            "paper version", "paper copy", "show me the invoice", "picture",
        ),
        normal=("image", "copy", "original", "download", "look like", "view", "see the invoice"),
        weak=("check", "email"),
    ),
    Intent.FIND_INVOICE: Terms(
        strong=(
            "find invoice", "cant find", "can not find", "missing", "not showing",
            "doesnt show", "isnt in", "myropo id", "not in myropo", "dont see", "cant see",
            "show here", "appear", "doesnt appear", "not in my list", "where is my invoice",
            "disappeared", "lost",
        ),
        normal=("find", "search", "list", "mail", "show up", "by post"),
    ),
    Intent.COLLECTION_COSTS: Terms(
        strong=(
            "collection costs", "collection fees", "fee", "fees", "costs", "reminder fee",
            "payment demand", "extra charge", "late fee", "charging", "charges",
            "amount go up", "total increased", "amount increased", "gone up", "went up",
        ),
        normal=(
            "interest", "charge", "reminder", "payment reminder", "collection", "added",
            "increased",
        ),
        weak=("cost",),
    ),
    Intent.DISPUTE: Terms(
        strong=(
            "dispute", "contest", "complain", "complaint", "wrong", "never ordered",
            "didnt order", "wrong amount", "mistake", "error", "doesnt belong", "not mine",
            "not accept", "dont accept", "dont owe", "do not owe", "already paid",
            "paid this already", "dont recognise", "dont recognize", "not recognise",
            "disagree",
        ),
        normal=("ordered", "incorrect", "claim", "broken", "faulty", "owe"),
    ),
    Intent.CONTACT_HUMAN: Terms(
        strong=(
            "customer service", "customer support", "human", "real person", "agent",
            "phone number", "phone service", "phone", "call", "speak to", "talk to",
            "get in touch",
        ),
        normal=("speak", "talk", "bot", "reach", "support", "with a person", "chat with"),
        weak=("person", "chat"),
    ),
}
# fmt: on

#: The tables by language code.
VOCABULARY: Final[dict[str, dict[Intent, Terms]]] = {
    "fi": FINNISH,
    "sv": SWEDISH,
    "en": ENGLISH,
}
