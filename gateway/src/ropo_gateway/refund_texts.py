"""MyRopo's texts of *Ilmoita tilinumero* (the refund wizard and its notices), merged into
the catalogue of ``i18n``. Kept apart so the wizard's wording lives in one place.

IBAN problems are keyed by the refund service's ``iban_problem`` (``missing``,
``format``, ``length``, ``checksum``, ``not_sepa``); the other field problems by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

FI: Final[dict[str, str]] = {
    "refund.title": "Ilmoita tilinumero – MyRopo",
    "refund.needed": "Tarvitset:",
    "refund.need_case": "asianumeron kirjeestä",
    "refund.need_id": "MyRopo-tunnuksen kirjeestä",
    "refund.need_iban": "tilinumeron (IBAN), jolle palautus maksetaan",
    "refund.step1.heading": "Ilmoita tilinumero 1/3",
    "refund.step2.heading": "Ilmoita tilinumero 2/3",
    "refund.step3.heading": "Ilmoita tilinumero 3/3",
    "refund.steps": "Vaiheet",
    "refund.step.identify": "Tunnistetiedot",
    "refund.step.account": "Tilinumero",
    "refund.step.confirm": "Vahvistus",
    "refund.step1.intro": (
        "Jos olet maksanut laskun kahdesti tai liikaa, tai laskua on hyvitetty maksusi "
        "jälkeen, palautamme rahat tilillesi. Saat kirjeen, jossa on asianumero ja "
        "MyRopo-tunnus. Anna ne tässä, niin pääset ilmoittamaan tilinumeron."
    ),
    "refund.case_number": "Asianumero",
    "refund.case_number_hint": "10 numeroa, kirjeen yläosassa.",
    "refund.myropo_id": "MyRopo-tunnus",
    "refund.myropo_id_hint": "12 merkkiä kirjeestä, esimerkiksi 4KQ7-9XMP-2D3H.",
    "refund.next": "Seuraava vaihe",
    "refund.not_found": (
        "Asianumero tai MyRopo-tunnus ei täsmää. Tarkista tiedot kirjeestä ja yritä uudelleen."
    ),
    "refund.locked": (
        "Liian monta epäonnistunutta yritystä. Yritä myöhemmin uudelleen tai ota yhteyttä "
        "asiakaspalveluun."
    ),
    "refund.limit_note": "Voit yrittää enintään 5 kertaa 15 minuutin aikana.",
    "refund.amounts": "Palautus",
    "refund.refundable": "Palautettava summa",
    "refund.fee": "Käsittelykulu",
    "refund.payout": "Maksetaan tilillesi",
    "refund.step2.intro": "Anna tilinumero, jolle palautus maksetaan.",
    "refund.iban": "Tilinumero (IBAN)",
    "refund.iban_hint": "Esimerkiksi FI49 5000 9420 0287 30.",
    "refund.bic": "BIC (vapaaehtoinen)",
    "refund.bic_hint": "Suomalaisille tileille ei tarvita.",
    "refund.holder_name": "Tilinomistajan nimi",
    "refund.holder_name_hint": "Nimi sellaisena kuin se on pankissasi.",
    "refund.errors_heading": "Tarkista tiedot",
    "refund.error.iban.missing": "Anna tilinumero.",
    "refund.error.iban.format": (
        "Tilinumero ei ole IBAN-muodossa: siinä on maatunnus, kaksi tarkistenumeroa ja tilinumero."
    ),
    "refund.error.iban.length": "Tilinumerosta puuttuu tai on liikaa merkkejä.",
    "refund.error.iban.checksum": "Tilinumeron tarkiste ei täsmää. Tarkista numero.",
    "refund.error.iban.not_sepa": "Palautuksia maksetaan vain SEPA-alueen tileille.",
    "refund.error.iban.invalid": "Tarkista tilinumero.",
    "refund.error.bic": (
        "BIC ei kelpaa. Tarkista se, tai jätä kenttä tyhjäksi, jos tili on suomalainen."
    ),
    "refund.error.holder_name": (
        "Anna tilinomistajan nimi (2–70 merkkiä: kirjaimia, numeroita, välilyöntejä ja "
        "merkkejä - ' . & ,)."
    ),
    "refund.error.form": "Tietoja ei voitu tallentaa. Tarkista ne ja yritä uudelleen.",
    "refund.step3.intro": "Tarkista tiedot. Palautus maksetaan vahvistamallesi tilille.",
    "refund.account": "Tilinumero",
    "refund.bic_short": "BIC",
    "refund.holder": "Tilinomistaja",
    "refund.confirm": "Vahvista",
    "refund.correct": "Korjaa tilinumeroa",
    "refund.changed": "Tiedot muuttuivat, tarkista ja vahvista uudelleen.",
    "refund.not_submitted": "Ilmoita ensin tilinumero.",
    "refund.already_confirmed": "Tilinumero on jo vahvistettu.",
    "refund.receipt.heading": "Kiitos! Tilinumero on vastaanotettu",
    "refund.receipt.details": "Ilmoittamasi tiedot",
    "refund.receipt.next": "Mitä seuraavaksi tapahtuu?",
    "refund.receipt.state.MANUAL_REVIEW": (
        "Tarkistamme tilinomistajan nimen, koska se ei vastaa tietojamme. Tarkistus tehdään "
        "yleensä muutamassa pankkipäivässä, ja palautus maksetaan sen jälkeen."
    ),
    "refund.receipt.state.AWAITING_APPROVAL": (
        "Käsittelemme palautuksen. Se maksetaan tilillesi yleensä muutaman pankkipäivän kuluessa."
    ),
    "refund.receipt.state.APPROVED": "Palautus on hyväksytty, ja se maksetaan pian.",
    "refund.receipt.state.IN_PAYOUT": "Palautus on lähetetty pankkiin maksettavaksi.",
    "refund.receipt.state.PAID": "Palautus on maksettu tilillesi.",
    "refund.receipt.state.REJECTED": ("Palautusta ei makseta. Lisätietoja saat asiakaspalvelusta."),
    "refund.receipt.case_number": "Asianumero",
    "refund.back": "Palaa etusivulle",
    "refund.notice.owed": "Sinulle on palautettavaa {amount}.",
    "refund.notice.invoice": "Laskuun liittyy palautus {amount}.",
    "refund.notice.link": "Ilmoita tilinumero",
    "refund.notices": "Palautukset",
    "error.refund_not_found.heading": "Palautusta ei löytynyt",
    "error.refund_not_found.body": (
        "Palautusta ei ole, tai sen tunnistetiedot pitää antaa uudelleen. Aloita "
        "tilinumeron ilmoittaminen alusta asianumerolla ja MyRopo-tunnuksella."
    ),
}

SV: Final[dict[str, str]] = {
    "refund.title": "Meddela kontonummer – MyRopo",
    "refund.needed": "Du behöver:",
    "refund.need_case": "ärendenumret i brevet",
    "refund.need_id": "MyRopo-koden i brevet",
    "refund.need_iban": "kontonumret (IBAN) för återbetalningen",
    "refund.step1.heading": "Meddela kontonummer 1/3",
    "refund.step2.heading": "Meddela kontonummer 2/3",
    "refund.step3.heading": "Meddela kontonummer 3/3",
    "refund.steps": "Steg",
    "refund.step.identify": "Identifiering",
    "refund.step.account": "Kontonummer",
    "refund.step.confirm": "Bekräftelse",
    "refund.step1.intro": (
        "Om du har betalat en faktura två gånger eller för mycket, eller om fakturan har "
        "krediterats efter din betalning, betalar vi tillbaka pengarna till ditt konto. Du får "
        "ett brev med ärendenummer och MyRopo-kod. Ange dem här för att meddela kontonumret."
    ),
    "refund.case_number": "Ärendenummer",
    "refund.case_number_hint": "10 siffror, överst i brevet.",
    "refund.myropo_id": "MyRopo-kod",
    "refund.myropo_id_hint": "12 tecken i brevet, till exempel 4KQ7-9XMP-2D3H.",
    "refund.next": "Nästa steg",
    "refund.not_found": (
        "Ärendenumret eller MyRopo-koden stämmer inte. Kontrollera uppgifterna i brevet och "
        "försök igen."
    ),
    "refund.locked": (
        "För många misslyckade försök. Försök igen senare eller kontakta kundtjänsten."
    ),
    "refund.limit_note": "Du kan försöka högst 5 gånger på 15 minuter.",
    "refund.amounts": "Återbetalning",
    "refund.refundable": "Belopp att återbetala",
    "refund.fee": "Hanteringsavgift",
    "refund.payout": "Betalas till ditt konto",
    "refund.step2.intro": "Ange det kontonummer till vilket återbetalningen betalas.",
    "refund.iban": "Kontonummer (IBAN)",
    "refund.iban_hint": "Till exempel FI49 5000 9420 0287 30.",
    "refund.bic": "BIC (frivillig)",
    "refund.bic_hint": "Behövs inte för finska konton.",
    "refund.holder_name": "Kontohavarens namn",
    "refund.holder_name_hint": "Namnet så som det står hos din bank.",
    "refund.errors_heading": "Kontrollera uppgifterna",
    "refund.error.iban.missing": "Ange kontonumret.",
    "refund.error.iban.format": (
        "Kontonumret är inte i IBAN-form: det har en landskod, två kontrollsiffror och kontonumret."
    ),
    "refund.error.iban.length": "Det fattas tecken i kontonumret eller så har det för många.",
    "refund.error.iban.checksum": "Kontonumrets kontrollsiffror stämmer inte. Kontrollera numret.",
    "refund.error.iban.not_sepa": "Återbetalningar betalas endast till konton inom SEPA-området.",
    "refund.error.iban.invalid": "Kontrollera kontonumret.",
    "refund.error.bic": (
        "BIC-koden är inte giltig. Kontrollera den, eller lämna fältet tomt om kontot är finskt."
    ),
    "refund.error.holder_name": (
        "Ange kontohavarens namn (2–70 tecken: bokstäver, siffror, mellanslag och "
        "tecknen - ' . & ,)."
    ),
    "refund.error.form": "Uppgifterna kunde inte sparas. Kontrollera dem och försök igen.",
    "refund.step3.intro": (
        "Kontrollera uppgifterna. Återbetalningen betalas till kontot du bekräftar."
    ),
    "refund.account": "Kontonummer",
    "refund.bic_short": "BIC",
    "refund.holder": "Kontohavare",
    "refund.confirm": "Bekräfta",
    "refund.correct": "Rätta kontonumret",
    "refund.changed": "Uppgifterna har ändrats, kontrollera och bekräfta igen.",
    "refund.not_submitted": "Meddela först kontonumret.",
    "refund.already_confirmed": "Kontonumret är redan bekräftat.",
    "refund.receipt.heading": "Tack! Kontonumret har tagits emot",
    "refund.receipt.details": "Uppgifterna du lämnade",
    "refund.receipt.next": "Vad händer härnäst?",
    "refund.receipt.state.MANUAL_REVIEW": (
        "Vi kontrollerar kontohavarens namn eftersom det inte motsvarar våra uppgifter. "
        "Kontrollen görs vanligen inom några bankdagar och återbetalningen betalas därefter."
    ),
    "refund.receipt.state.AWAITING_APPROVAL": (
        "Vi behandlar återbetalningen. Den betalas till ditt konto vanligen inom några bankdagar."
    ),
    "refund.receipt.state.APPROVED": "Återbetalningen har godkänts och betalas snart.",
    "refund.receipt.state.IN_PAYOUT": "Återbetalningen har skickats till banken för betalning.",
    "refund.receipt.state.PAID": "Återbetalningen har betalats till ditt konto.",
    "refund.receipt.state.REJECTED": (
        "Återbetalningen betalas inte. Mer information får du av kundtjänsten."
    ),
    "refund.receipt.case_number": "Ärendenummer",
    "refund.back": "Tillbaka till startsidan",
    "refund.notice.owed": "Du har {amount} att få tillbaka.",
    "refund.notice.invoice": "Till fakturan hör en återbetalning på {amount}.",
    "refund.notice.link": "Meddela kontonummer",
    "refund.notices": "Återbetalningar",
    "error.refund_not_found.heading": "Återbetalningen hittades inte",
    "error.refund_not_found.body": (
        "Återbetalningen finns inte, eller så ska identifieringsuppgifterna anges på nytt. "
        "Börja om med ärendenumret och MyRopo-koden."
    ),
}

EN: Final[dict[str, str]] = {
    "refund.title": "Report an account number – MyRopo",
    "refund.needed": "You need:",
    "refund.need_case": "the case number in the letter",
    "refund.need_id": "the MyRopo ID in the letter",
    "refund.need_iban": "the account number (IBAN) for the refund",
    "refund.step1.heading": "Report an account number 1/3",
    "refund.step2.heading": "Report an account number 2/3",
    "refund.step3.heading": "Report an account number 3/3",
    "refund.steps": "Steps",
    "refund.step.identify": "Identification",
    "refund.step.account": "Account number",
    "refund.step.confirm": "Confirmation",
    "refund.step1.intro": (
        "If you paid an invoice twice or too much, or the invoice was credited after you paid, "
        "we refund the money to your account. You receive a letter with a case number and a "
        "MyRopo ID. Enter them here to report your account number."
    ),
    "refund.case_number": "Case number",
    "refund.case_number_hint": "10 digits, at the top of the letter.",
    "refund.myropo_id": "MyRopo ID",
    "refund.myropo_id_hint": "12 characters in the letter, for example 4KQ7-9XMP-2D3H.",
    "refund.next": "Next step",
    "refund.not_found": (
        "The case number or the MyRopo ID does not match. Check them in the letter and try again."
    ),
    "refund.locked": ("Too many failed attempts. Try again later or contact customer service."),
    "refund.limit_note": "You can try at most 5 times in 15 minutes.",
    "refund.amounts": "Refund",
    "refund.refundable": "Amount to refund",
    "refund.fee": "Handling fee",
    "refund.payout": "Paid to your account",
    "refund.step2.intro": "Enter the account number to which the refund is paid.",
    "refund.iban": "Account number (IBAN)",
    "refund.iban_hint": "For example FI49 5000 9420 0287 30.",
    "refund.bic": "BIC (optional)",
    "refund.bic_hint": "Not needed for Finnish accounts.",
    "refund.holder_name": "Account holder's name",
    "refund.holder_name_hint": "The name as your bank has it.",
    "refund.errors_heading": "Check the details",
    "refund.error.iban.missing": "Enter the account number.",
    "refund.error.iban.format": (
        "The account number is not an IBAN: it has a two-letter country code, two check digits "
        "and the account number."
    ),
    "refund.error.iban.length": "The account number has characters missing or too many.",
    "refund.error.iban.checksum": (
        "The account number's check digits do not match. Check the number."
    ),
    "refund.error.iban.not_sepa": "Refunds are paid only to accounts in the SEPA area.",
    "refund.error.iban.invalid": "Check the account number.",
    "refund.error.bic": (
        "The BIC is not valid. Check it, or leave the field empty for a Finnish account."
    ),
    "refund.error.holder_name": (
        "Enter the account holder's name (2–70 characters: letters, digits, spaces and - ' . & ,)."
    ),
    "refund.error.form": "The details could not be saved. Check them and try again.",
    "refund.step3.intro": "Check the details. The refund is paid to the account you confirm.",
    "refund.account": "Account number",
    "refund.bic_short": "BIC",
    "refund.holder": "Account holder",
    "refund.confirm": "Confirm",
    "refund.correct": "Correct the account number",
    "refund.changed": "The details changed: check them and confirm again.",
    "refund.not_submitted": "Report the account number first.",
    "refund.already_confirmed": "The account number has already been confirmed.",
    "refund.receipt.heading": "Thank you! The account number has been received",
    "refund.receipt.details": "The details you gave",
    "refund.receipt.next": "What happens next?",
    "refund.receipt.state.MANUAL_REVIEW": (
        "We check the account holder's name because it does not match our records. The check "
        "usually takes a few banking days; the refund is paid after it."
    ),
    "refund.receipt.state.AWAITING_APPROVAL": (
        "We are processing the refund. It is usually paid to your account within a few "
        "banking days."
    ),
    "refund.receipt.state.APPROVED": "The refund has been approved and is paid soon.",
    "refund.receipt.state.IN_PAYOUT": "The refund has been sent to the bank for payment.",
    "refund.receipt.state.PAID": "The refund has been paid to your account.",
    "refund.receipt.state.REJECTED": (
        "The refund is not paid. Customer service can tell you more."
    ),
    "refund.receipt.case_number": "Case number",
    "refund.back": "Back to the front page",
    "refund.notice.owed": "You have a refund of {amount}.",
    "refund.notice.invoice": "A refund of {amount} relates to this invoice.",
    "refund.notice.link": "Report an account number",
    "refund.notices": "Refunds",
    "error.refund_not_found.heading": "Refund not found",
    "error.refund_not_found.body": (
        "There is no such refund, or its identification must be given again. Start again with "
        "the case number and the MyRopo ID."
    ),
}

REFUND_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {"fi": FI, "sv": SV, "en": EN}
