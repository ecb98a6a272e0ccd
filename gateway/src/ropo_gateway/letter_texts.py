"""MyRopo's texts of *Viestikeskus*, the consent to electronic letters, *Reklamaatio* and the
balance certificate (*Saldotodistus*), merged into the catalogue of ``i18n``.

Upload problems are keyed by what was wrong with the file (``type``, ``too_large``,
``mismatch``, ``empty``, ``malformed``, ``filename``); their texts take ``{filename}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

FI: Final[dict[str, str]] = {
    "nav.messages": "Viestikeskus",
    "nav.messages_unread": "lukematonta viestiä",
    "card.messages.title": "Viestikeskus",
    "card.messages.body": "Kirjeesi ja asiakaspalvelun viestit yhdessä paikassa.",
    "card.consent.title": "Sähköiset kirjeet",
    "card.consent.body": "Ota perintäkirjeet vastaan Viestikeskukseen paperin sijaan.",
    "card.certificate.title": "Saldotodistus",
    "card.certificate.body": "Lataa todistus avoimista perintäasioistasi ja niiden saldoista.",
    "messages.title": "Viestikeskus – MyRopo",
    "messages.heading": "Viestikeskus",
    "messages.intro": (
        "Tässä ovat sinulle lähetetyt kirjeet ja asiakaspalvelun viestit, uusin ensin."
    ),
    "messages.unread": "Lukemattomia viestejä: {count}",
    "messages.caption": "Kirjeet ja viestit",
    "messages.empty": "Sinulla ei ole viestejä.",
    "messages.column.title": "Viesti",
    "messages.column.invoice_number": "Laskun numero",
    "messages.column.creditor": "Laskuttaja",
    "messages.column.date": "Päivämäärä",
    "messages.column.channel": "Toimitustapa",
    "messages.new": "Uusi",
    "messages.more": "Näytä lisää",
    "messages.first": "Uusimmat viestit",
    "messages.consent_link": "Sähköisten kirjeiden asetukset",
    "messages.channel.PAPER": "Paperi",
    "messages.channel.ELECTRONIC": "Sähköinen",
    "messages.channel.UNSPECIFIED": "–",
    "message.title": "{title} – MyRopo",
    "message.back": "Takaisin Viestikeskukseen",
    "message.sent": "Päivämäärä",
    "message.channel": "Toimitustapa",
    "message.invoice_number": "Laskun numero",
    "message.creditor": "Laskuttaja",
    "message.due_date": "Eräpäivä",
    "message.read_time": "Luettu",
    "message.body": "Viesti",
    "message.open_pdf": "Avaa kirje (PDF)",
    "message.open_pdf_hint": "avautuu PDF-tiedostona",
    "message.open_invoice": "Siirry laskuun",
    "consent.title": "Sähköiset kirjeet – MyRopo",
    "consent.heading": "Sähköiset kirjeet",
    "consent.explain": (
        "Kun annat suostumuksen, perintäkirjeet (esimerkiksi maksumuistutukset ja "
        "maksuvaatimukset) tulevat vain MyRopon Viestikeskukseen eikä paperilla. Saat "
        "jokaisesta uudesta kirjeestä ilmoituksen sähköpostiisi. Ilmoituksessa ei ole summia "
        "eikä henkilötunnustasi."
    ),
    "consent.explain_withdraw": (
        "Voit perua suostumuksen milloin tahansa. Sen jälkeen kirjeet lähetetään taas paperilla."
    ),
    "consent.state.on": "Olet antanut suostumuksen. Ilmoitukset lähetetään osoitteeseen {email}.",
    "consent.state.off": "Kirjeet lähetetään sinulle paperilla.",
    "consent.changed": "Muutettu {time}.",
    "consent.email": "Sähköpostiosoite",
    "consent.email_hint": "Tähän osoitteeseen lähetetään ilmoitus uusista kirjeistä.",
    "consent.give": "Anna suostumus",
    "consent.update": "Vaihda sähköpostiosoite",
    "consent.withdraw": "Peru suostumus",
    "consent.errors_heading": "Suostumusta ei tallennettu",
    "consent.error.required": "Anna sähköpostiosoite.",
    "consent.error.too_long": "Sähköpostiosoite on liian pitkä (enintään 254 merkkiä).",
    "consent.error.invalid": (
        "Sähköpostiosoite ei ole kelvollinen. Tarkista osoite, esimerkiksi nimi@esimerkki.fi."
    ),
    "consent.saved.given": "Suostumus tallennettu. Kirjeet tulevat jatkossa Viestikeskukseen.",
    "consent.saved.withdrawn": "Suostumus peruttu. Kirjeet lähetetään jatkossa paperilla.",
    "consent.to_messages": "Viestikeskukseen",
    "certificate.title": "Saldotodistus – MyRopo",
    "certificate.heading": "Saldotodistus",
    "certificate.intro": (
        "Saldotodistuksessa ovat kaikki avoimet perintäasiasi: pääoma, korot ja kulut "
        "eriteltyinä, miten korko on laskettu sekä yhteissummat. Voit antaa todistuksen "
        "esimerkiksi pankille."
    ),
    "certificate.note": "Todistus laaditaan latauspäivän tilanteesta.",
    "certificate.download": "Lataa saldotodistus (PDF)",
    "dispute.title": "Reklamaatio – MyRopo",
    "dispute.back": "Takaisin laskulle",
    "dispute.heading": "Tee reklamaatio",
    "dispute.intro": (
        "Jos lasku on mielestäsi kokonaan tai osittain aiheeton, voit tehdä siitä "
        "reklamaation. Perintä keskeytetään, kunnes asiakaspalvelu on käsitellyt asian. "
        "Saat päätöksen Viestikeskukseen."
    ),
    "dispute.invoice": "Lasku {number}, {creditor}, avoinna {amount}",
    "dispute.scope": "Mitä reklamoit?",
    "dispute.scope.whole": "Koko laskua",
    "dispute.scope.part": "Osaa laskusta",
    "dispute.amount": "Reklamoitava summa euroina",
    "dispute.amount_hint": "Esimerkiksi 12,50. Enintään avoin summa {amount}.",
    "dispute.reason": "Perustelu",
    "dispute.reason_hint": "Kerro, miksi lasku on mielestäsi virheellinen (enintään 2000 merkkiä).",
    "dispute.files": "Liitteet (vapaaehtoinen)",
    "dispute.files_hint": (
        "Enintään 5 tiedostoa, kukin enintään 5 Mt. Sallitut tiedostot: PDF, JPEG ja PNG."
    ),
    "dispute.files_again": "Valitse liitteet uudelleen ennen lähettämistä.",
    "dispute.submit": "Lähetä reklamaatio",
    "dispute.cancel": "Peruuta",
    "dispute.errors_heading": "Reklamaatiota ei lähetetty",
    "dispute.error.form": "Lomakkeen tietoja ei voitu lukea. Yritä uudelleen.",
    "dispute.error.amount.required": "Anna reklamoitava summa.",
    "dispute.error.amount.format": "Anna summa euroina, esimerkiksi 12,50.",
    "dispute.error.amount.not_positive": "Summan on oltava suurempi kuin nolla.",
    "dispute.error.amount.too_large": "Summa voi olla enintään laskun avoin summa.",
    "dispute.error.amount.invalid": "Summaa ei hyväksytty. Tarkista summa.",
    "dispute.error.reason.required": "Kirjoita perustelu.",
    "dispute.error.reason.too_long": "Perustelu on liian pitkä (enintään 2000 merkkiä).",
    "dispute.error.reason.invalid": "Perustelua ei hyväksytty. Tarkista teksti.",
    "dispute.error.files.too_many": "Voit liittää enintään 5 tiedostoa.",
    "dispute.error.file.type": ("{filename}: vain PDF-, JPEG- ja PNG-tiedostot ovat sallittuja."),
    "dispute.error.file.too_large": "{filename}: tiedosto on liian suuri (enintään 5 Mt).",
    "dispute.error.file.mismatch": "{filename}: tiedoston sisältö ei vastaa sen tyyppiä.",
    "dispute.error.file.empty": "{filename}: tiedosto on tyhjä.",
    "dispute.error.file.malformed": (
        "{filename}: tiedostoa ei voitu avata. Se voi olla vioittunut tai salattu."
    ),
    "dispute.error.file.filename": "{filename}: tiedoston nimeä ei hyväksytty. Nimeä se uudelleen.",
    "dispute.problem.already_open": "Laskusta on jo käsittelemätön reklamaatio.",
    "dispute.problem.not_open": (
        "Laskua ei voi enää reklamoida, koska se on maksettu tai päättynyt."
    ),
    "dispute.problem.unavailable": (
        "Palvelu ei ole juuri nyt käytettävissä. Yritä hetken kuluttua uudelleen."
    ),
    "dispute.section.heading": "Reklamaatio",
    "dispute.make": "Tee reklamaatio",
    "dispute.received": (
        "Reklamaatio vastaanotettu — perintä on keskeytetty, kunnes asia on käsitelty."
    ),
    "dispute.state": "Tila",
    "dispute.state.OPEN": "Käsittelyssä",
    "dispute.state.ACCEPTED": "Hyväksytty",
    "dispute.state.PARTIALLY_ACCEPTED": "Hyväksytty osittain",
    "dispute.state.REJECTED": "Hylätty",
    "dispute.state.UNSPECIFIED": "–",
    "dispute.made": "Tehty",
    "dispute.disputed": "Reklamoitu",
    "dispute.whole": "Koko lasku",
    "dispute.attachments": "Liitteet",
    "dispute.resolved": "Käsitelty",
    "dispute.credited": "Hyvitetty",
    "dispute.message": "Asiakaspalvelun viesti",
    "dispute.outcome.ACCEPTED": "Reklamaatio hyväksyttiin, ja reklamoitu summa hyvitettiin.",
    "dispute.outcome.PARTIALLY_ACCEPTED": (
        "Reklamaatio hyväksyttiin osittain: {amount} hyvitettiin. Perintä jatkuu muilta osin."
    ),
    "dispute.outcome.REJECTED": "Reklamaatio hylättiin. Perintä jatkuu.",
    "dispute.unavailable": "Reklamaatioiden tietoja ei juuri nyt saatu.",
    "monitoring.heading": "Maksuvalvonta",
    "monitoring.intro": "Laskusta on annettu tuomio, ja asia on siirretty maksuvalvontaan.",
    "monitoring.sent": "Maksuvalvontakirje lähetetty {time}.",
    "monitoring.open": "Avaa maksuvalvontakirje (PDF)",
    "error.letter_not_found.heading": "Viestiä ei löytynyt",
    "error.letter_not_found.body": "Viestiä ei ole, tai sitä ei ole osoitettu sinulle.",
    "error.too_large.heading": "Lähetys on liian suuri",
    "error.too_large.body": (
        "Lähettämäsi tiedot ylittävät sallitun koon. Jos liitit tiedostoja, liitä enintään "
        "5 tiedostoa, kukin enintään 5 Mt, ja yritä uudelleen."
    ),
    "error.certificate_unavailable.heading": "Saldotodistusta ei voitu laatia",
    "error.certificate_unavailable.body": "Yritä hetken kuluttua uudelleen.",
}

SV: Final[dict[str, str]] = {
    "nav.messages": "Meddelandecenter",
    "nav.messages_unread": "olästa meddelanden",
    "card.messages.title": "Meddelandecenter",
    "card.messages.body": "Dina brev och kundtjänstens meddelanden på ett ställe.",
    "card.consent.title": "Elektroniska brev",
    "card.consent.body": "Ta emot indrivningsbrev i meddelandecentret i stället för på papper.",
    "card.certificate.title": "Saldointyg",
    "card.certificate.body": "Ladda ner ett intyg över dina öppna indrivningsärenden och saldon.",
    "messages.title": "Meddelandecenter – MyRopo",
    "messages.heading": "Meddelandecenter",
    "messages.intro": "Här finns breven och kundtjänstens meddelanden till dig, det senaste först.",
    "messages.unread": "Olästa meddelanden: {count}",
    "messages.caption": "Brev och meddelanden",
    "messages.empty": "Du har inga meddelanden.",
    "messages.column.title": "Meddelande",
    "messages.column.invoice_number": "Fakturanummer",
    "messages.column.creditor": "Fakturerare",
    "messages.column.date": "Datum",
    "messages.column.channel": "Leveranssätt",
    "messages.new": "Ny",
    "messages.more": "Visa fler",
    "messages.first": "De senaste meddelandena",
    "messages.consent_link": "Inställningar för elektroniska brev",
    "messages.channel.PAPER": "Papper",
    "messages.channel.ELECTRONIC": "Elektroniskt",
    "messages.channel.UNSPECIFIED": "–",
    "message.title": "{title} – MyRopo",
    "message.back": "Tillbaka till meddelandecentret",
    "message.sent": "Datum",
    "message.channel": "Leveranssätt",
    "message.invoice_number": "Fakturanummer",
    "message.creditor": "Fakturerare",
    "message.due_date": "Förfallodag",
    "message.read_time": "Läst",
    "message.body": "Meddelande",
    "message.open_pdf": "Öppna brevet (PDF)",
    "message.open_pdf_hint": "öppnas som PDF-fil",
    "message.open_invoice": "Gå till fakturan",
    "consent.title": "Elektroniska brev – MyRopo",
    "consent.heading": "Elektroniska brev",
    "consent.explain": (
        "När du ger ditt samtycke kommer indrivningsbreven (till exempel betalningspåminnelser "
        "och betalningskrav) endast till meddelandecentret i MyRopo och inte på papper. Du får "
        "ett meddelande per e-post om varje nytt brev. Meddelandet innehåller inga belopp och "
        "inte din personbeteckning."
    ),
    "consent.explain_withdraw": (
        "Du kan när som helst återkalla samtycket. Därefter skickas breven igen på papper."
    ),
    "consent.state.on": "Du har gett ditt samtycke. Meddelandena skickas till {email}.",
    "consent.state.off": "Breven skickas till dig på papper.",
    "consent.changed": "Ändrat {time}.",
    "consent.email": "E-postadress",
    "consent.email_hint": "Till den här adressen skickas ett meddelande om nya brev.",
    "consent.give": "Ge samtycke",
    "consent.update": "Byt e-postadress",
    "consent.withdraw": "Återkalla samtycket",
    "consent.errors_heading": "Samtycket sparades inte",
    "consent.error.required": "Ange en e-postadress.",
    "consent.error.too_long": "E-postadressen är för lång (högst 254 tecken).",
    "consent.error.invalid": (
        "E-postadressen är inte giltig. Kontrollera adressen, till exempel namn@exempel.fi."
    ),
    "consent.saved.given": "Samtycket har sparats. Breven kommer i fortsättningen till "
    "meddelandecentret.",
    "consent.saved.withdrawn": "Samtycket har återkallats. Breven skickas i fortsättningen på "
    "papper.",
    "consent.to_messages": "Till meddelandecentret",
    "certificate.title": "Saldointyg – MyRopo",
    "certificate.heading": "Saldointyg",
    "certificate.intro": (
        "Saldointyget visar alla dina öppna indrivningsärenden: kapital, räntor och kostnader "
        "specificerade, hur räntan har räknats ut och totalbeloppen. Du kan till exempel ge "
        "intyget till din bank."
    ),
    "certificate.note": "Intyget visar läget den dag du laddar ner det.",
    "certificate.download": "Ladda ner saldointyget (PDF)",
    "dispute.title": "Reklamation – MyRopo",
    "dispute.back": "Tillbaka till fakturan",
    "dispute.heading": "Gör en reklamation",
    "dispute.intro": (
        "Om du anser att fakturan helt eller delvis är obefogad kan du reklamera den. "
        "Indrivningen avbryts tills kundtjänsten har behandlat ärendet. Du får beslutet till "
        "meddelandecentret."
    ),
    "dispute.invoice": "Faktura {number}, {creditor}, öppet {amount}",
    "dispute.scope": "Vad reklamerar du?",
    "dispute.scope.whole": "Hela fakturan",
    "dispute.scope.part": "En del av fakturan",
    "dispute.amount": "Reklamerat belopp i euro",
    "dispute.amount_hint": "Till exempel 12,50. Högst det öppna beloppet {amount}.",
    "dispute.reason": "Motivering",
    "dispute.reason_hint": "Berätta varför fakturan enligt dig är felaktig (högst 2000 tecken).",
    "dispute.files": "Bilagor (frivilligt)",
    "dispute.files_hint": (
        "Högst 5 filer, var och en högst 5 MB. Tillåtna filer: PDF, JPEG och PNG."
    ),
    "dispute.files_again": "Välj bilagorna på nytt innan du skickar.",
    "dispute.submit": "Skicka reklamationen",
    "dispute.cancel": "Avbryt",
    "dispute.errors_heading": "Reklamationen skickades inte",
    "dispute.error.form": "Formulärets uppgifter kunde inte läsas. Försök igen.",
    "dispute.error.amount.required": "Ange det reklamerade beloppet.",
    "dispute.error.amount.format": "Ange beloppet i euro, till exempel 12,50.",
    "dispute.error.amount.not_positive": "Beloppet måste vara större än noll.",
    "dispute.error.amount.too_large": "Beloppet får vara högst fakturans öppna belopp.",
    "dispute.error.amount.invalid": "Beloppet godkändes inte. Kontrollera beloppet.",
    "dispute.error.reason.required": "Skriv en motivering.",
    "dispute.error.reason.too_long": "Motiveringen är för lång (högst 2000 tecken).",
    "dispute.error.reason.invalid": "Motiveringen godkändes inte. Kontrollera texten.",
    "dispute.error.files.too_many": "Du kan bifoga högst 5 filer.",
    "dispute.error.file.type": "{filename}: endast PDF-, JPEG- och PNG-filer är tillåtna.",
    "dispute.error.file.too_large": "{filename}: filen är för stor (högst 5 MB).",
    "dispute.error.file.mismatch": "{filename}: filens innehåll motsvarar inte dess typ.",
    "dispute.error.file.empty": "{filename}: filen är tom.",
    "dispute.error.file.malformed": (
        "{filename}: filen kunde inte öppnas. Den kan vara skadad eller krypterad."
    ),
    "dispute.error.file.filename": "{filename}: filnamnet godkändes inte. Byt namn på filen.",
    "dispute.problem.already_open": "Det finns redan en obehandlad reklamation av fakturan.",
    "dispute.problem.not_open": (
        "Fakturan kan inte längre reklameras: den är betald eller avslutad."
    ),
    "dispute.problem.unavailable": "Tjänsten är inte tillgänglig just nu. Försök igen om en stund.",
    "dispute.section.heading": "Reklamation",
    "dispute.make": "Gör en reklamation",
    "dispute.received": (
        "Reklamationen har tagits emot — indrivningen har avbrutits tills ärendet har behandlats."
    ),
    "dispute.state": "Status",
    "dispute.state.OPEN": "Under behandling",
    "dispute.state.ACCEPTED": "Godkänd",
    "dispute.state.PARTIALLY_ACCEPTED": "Delvis godkänd",
    "dispute.state.REJECTED": "Avslagen",
    "dispute.state.UNSPECIFIED": "–",
    "dispute.made": "Gjord",
    "dispute.disputed": "Reklamerat",
    "dispute.whole": "Hela fakturan",
    "dispute.attachments": "Bilagor",
    "dispute.resolved": "Behandlad",
    "dispute.credited": "Krediterat",
    "dispute.message": "Kundtjänstens meddelande",
    "dispute.outcome.ACCEPTED": (
        "Reklamationen godkändes och det reklamerade beloppet krediterades."
    ),
    "dispute.outcome.PARTIALLY_ACCEPTED": (
        "Reklamationen godkändes delvis: {amount} krediterades. Indrivningen fortsätter i övrigt."
    ),
    "dispute.outcome.REJECTED": "Reklamationen avslogs. Indrivningen fortsätter.",
    "dispute.unavailable": "Uppgifterna om reklamationer kunde inte hämtas just nu.",
    "monitoring.heading": "Betalningsövervakning",
    "monitoring.intro": "En dom har meddelats om fakturan och ärendet har överförts till "
    "betalningsövervakning.",
    "monitoring.sent": "Brevet om betalningsövervakning skickades {time}.",
    "monitoring.open": "Öppna brevet om betalningsövervakning (PDF)",
    "error.letter_not_found.heading": "Meddelandet hittades inte",
    "error.letter_not_found.body": "Meddelandet finns inte eller är inte adresserat till dig.",
    "error.too_large.heading": "Försändelsen är för stor",
    "error.too_large.body": (
        "Uppgifterna du skickade är större än tillåtet. Om du bifogade filer, bifoga högst "
        "5 filer, var och en högst 5 MB, och försök igen."
    ),
    "error.certificate_unavailable.heading": "Saldointyget kunde inte skapas",
    "error.certificate_unavailable.body": "Försök igen om en stund.",
}

EN: Final[dict[str, str]] = {
    "nav.messages": "Message centre",
    "nav.messages_unread": "unread messages",
    "card.messages.title": "Message centre",
    "card.messages.body": "Your letters and messages from customer service in one place.",
    "card.consent.title": "Electronic letters",
    "card.consent.body": "Receive collection letters in the message centre instead of on paper.",
    "card.certificate.title": "Balance certificate",
    "card.certificate.body": "Download a certificate of your open collection cases and balances.",
    "messages.title": "Message centre – MyRopo",
    "messages.heading": "Message centre",
    "messages.intro": "Your letters and messages from customer service, newest first.",
    "messages.unread": "Unread messages: {count}",
    "messages.caption": "Letters and messages",
    "messages.empty": "You have no messages.",
    "messages.column.title": "Message",
    "messages.column.invoice_number": "Invoice number",
    "messages.column.creditor": "Creditor",
    "messages.column.date": "Date",
    "messages.column.channel": "Delivery",
    "messages.new": "New",
    "messages.more": "Show more",
    "messages.first": "Newest messages",
    "messages.consent_link": "Electronic letter settings",
    "messages.channel.PAPER": "Paper",
    "messages.channel.ELECTRONIC": "Electronic",
    "messages.channel.UNSPECIFIED": "–",
    "message.title": "{title} – MyRopo",
    "message.back": "Back to the message centre",
    "message.sent": "Date",
    "message.channel": "Delivery",
    "message.invoice_number": "Invoice number",
    "message.creditor": "Creditor",
    "message.due_date": "Due date",
    "message.read_time": "Read",
    "message.body": "Message",
    "message.open_pdf": "Open the letter (PDF)",
    "message.open_pdf_hint": "opens as a PDF file",
    "message.open_invoice": "Go to the invoice",
    "consent.title": "Electronic letters – MyRopo",
    "consent.heading": "Electronic letters",
    "consent.explain": (
        "When you give your consent, collection letters (for example payment reminders and "
        "payment demands) arrive only in the MyRopo message centre and not on paper. You get "
        "an e-mail notice of every new letter. The notice contains no amounts and not your "
        "personal identity code."
    ),
    "consent.explain_withdraw": (
        "You can withdraw your consent at any time. After that, letters are sent on paper again."
    ),
    "consent.state.on": "You have given your consent. Notices are sent to {email}.",
    "consent.state.off": "Letters are sent to you on paper.",
    "consent.changed": "Changed {time}.",
    "consent.email": "E-mail address",
    "consent.email_hint": "A notice of new letters is sent to this address.",
    "consent.give": "Give consent",
    "consent.update": "Change the e-mail address",
    "consent.withdraw": "Withdraw consent",
    "consent.errors_heading": "The consent was not saved",
    "consent.error.required": "Enter an e-mail address.",
    "consent.error.too_long": "The e-mail address is too long (at most 254 characters).",
    "consent.error.invalid": (
        "The e-mail address is not valid. Check the address, for example name@example.com."
    ),
    "consent.saved.given": "Consent saved. Letters will arrive in the message centre.",
    "consent.saved.withdrawn": "Consent withdrawn. Letters will be sent on paper.",
    "consent.to_messages": "To the message centre",
    "certificate.title": "Balance certificate – MyRopo",
    "certificate.heading": "Balance certificate",
    "certificate.intro": (
        "The balance certificate lists all your open collection cases: capital, interest and "
        "costs itemised, how the interest was calculated and the totals. You can give it to "
        "your bank, for example."
    ),
    "certificate.note": "The certificate shows the situation on the day you download it.",
    "certificate.download": "Download the balance certificate (PDF)",
    "dispute.title": "Dispute – MyRopo",
    "dispute.back": "Back to the invoice",
    "dispute.heading": "Dispute the invoice",
    "dispute.intro": (
        "If you think the invoice is wholly or partly unfounded, you can dispute it. "
        "Collection is suspended until customer service has handled the matter. You will "
        "receive the decision in the message centre."
    ),
    "dispute.invoice": "Invoice {number}, {creditor}, open {amount}",
    "dispute.scope": "What do you dispute?",
    "dispute.scope.whole": "The whole invoice",
    "dispute.scope.part": "Part of the invoice",
    "dispute.amount": "Disputed amount in euros",
    "dispute.amount_hint": "For example 12.50. At most the open amount {amount}.",
    "dispute.reason": "Reason",
    "dispute.reason_hint": "Tell us why you think the invoice is wrong (at most 2000 characters).",
    "dispute.files": "Attachments (optional)",
    "dispute.files_hint": "At most 5 files, each at most 5 MB. Allowed files: PDF, JPEG and PNG.",
    "dispute.files_again": "Select the attachments again before sending.",
    "dispute.submit": "Send the dispute",
    "dispute.cancel": "Cancel",
    "dispute.errors_heading": "The dispute was not sent",
    "dispute.error.form": "The form could not be read. Please try again.",
    "dispute.error.amount.required": "Enter the disputed amount.",
    "dispute.error.amount.format": "Enter the amount in euros, for example 12.50.",
    "dispute.error.amount.not_positive": "The amount must be more than zero.",
    "dispute.error.amount.too_large": "The amount can be at most the open amount of the invoice.",
    "dispute.error.amount.invalid": "The amount was not accepted. Check the amount.",
    "dispute.error.reason.required": "Write the reason.",
    "dispute.error.reason.too_long": "The reason is too long (at most 2000 characters).",
    "dispute.error.reason.invalid": "The reason was not accepted. Check the text.",
    "dispute.error.files.too_many": "You can attach at most 5 files.",
    "dispute.error.file.type": "{filename}: only PDF, JPEG and PNG files are allowed.",
    "dispute.error.file.too_large": "{filename}: the file is too large (at most 5 MB).",
    "dispute.error.file.mismatch": "{filename}: the content of the file does not match its type.",
    "dispute.error.file.empty": "{filename}: the file is empty.",
    "dispute.error.file.malformed": (
        "{filename}: the file could not be opened. It may be damaged or encrypted."
    ),
    "dispute.error.file.filename": "{filename}: the file name was not accepted. Rename the file.",
    "dispute.problem.already_open": "The invoice already has a dispute waiting to be handled.",
    "dispute.problem.not_open": "The invoice can no longer be disputed: it is paid or closed.",
    "dispute.problem.unavailable": (
        "The service is not available just now. Please try again shortly."
    ),
    "dispute.section.heading": "Dispute",
    "dispute.make": "Dispute the invoice",
    "dispute.received": (
        "Dispute received — collection is suspended until the matter has been handled."
    ),
    "dispute.state": "Status",
    "dispute.state.OPEN": "Being handled",
    "dispute.state.ACCEPTED": "Accepted",
    "dispute.state.PARTIALLY_ACCEPTED": "Partly accepted",
    "dispute.state.REJECTED": "Rejected",
    "dispute.state.UNSPECIFIED": "–",
    "dispute.made": "Made",
    "dispute.disputed": "Disputed",
    "dispute.whole": "The whole invoice",
    "dispute.attachments": "Attachments",
    "dispute.resolved": "Handled",
    "dispute.credited": "Credited",
    "dispute.message": "Message from customer service",
    "dispute.outcome.ACCEPTED": "The dispute was accepted and the disputed amount was credited.",
    "dispute.outcome.PARTIALLY_ACCEPTED": (
        "The dispute was partly accepted: {amount} was credited. Collection continues otherwise."
    ),
    "dispute.outcome.REJECTED": "The dispute was rejected. Collection continues.",
    "dispute.unavailable": "The disputes could not be fetched just now.",
    "monitoring.heading": "Payment monitoring",
    "monitoring.intro": (
        "A court judgment has been given on the invoice and the case is in payment monitoring."
    ),
    "monitoring.sent": "Payment-monitoring letter sent {time}.",
    "monitoring.open": "Open the payment-monitoring letter (PDF)",
    "error.letter_not_found.heading": "Message not found",
    "error.letter_not_found.body": "The message does not exist or is not addressed to you.",
    "error.too_large.heading": "Too much data was sent",
    "error.too_large.body": (
        "What you sent is larger than allowed. If you attached files, attach at most 5 files, "
        "each at most 5 MB, and try again."
    ),
    "error.certificate_unavailable.heading": "The balance certificate could not be made",
    "error.certificate_unavailable.body": "Please try again shortly.",
}

LETTER_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {"fi": FI, "sv": SV, "en": EN}
