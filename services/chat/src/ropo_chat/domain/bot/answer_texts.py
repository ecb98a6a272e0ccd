"""The bot's answers in Finnish, Swedish and English, named after the portal's own labels
(*Maksuaika*, *Valtuutus*, *Hae lasku*, *Ilmoita tilinumero*) so that a customer finds what the
answer mentions. ``{placeholders}`` are filled by ``answers``; nothing a customer typed is ever
put into a text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Texts:
    greeting: str
    one_open: str
    many_open: str
    no_open_invoices: str
    invoice_line: str
    more_invoices: str
    invoices_label: str
    invoice_label: str
    pay_general: str
    pay_intro: str
    pay_label: str
    extension_general: str
    extension_intro: str
    extension_yes: str
    extension_no: str
    extension_unknown: str
    extension_label: str
    plan_general: str
    plan_intro: str
    plan_yes: str
    plan_no: str
    plan_unknown: str
    plan_label: str
    authorization_general: str
    authorization_intro: str
    authorization_label: str
    refund: str
    refund_label: str
    image_general: str
    image_intro: str
    image_label: str
    find: str
    find_label: str
    costs: str
    dispute: str
    open_intro: str
    contact_human: str
    unknown: str
    handoff: str


FINNISH: Final = Texts(
    greeting=(
        "Hei! Olen Ropo-botti. Voin auttaa laskun maksamisessa, eräpäivän siirrossa, "
        "maksusuunnitelmassa, valtuutuksessa ja tilinumeron ilmoittamisessa. Tarvittaessa "
        "siirrän sinut asiakaspalvelijalle."
    ),
    one_open="Sinulla on yksi avoin lasku.",
    many_open="Sinulla on {count} avointa laskua.",
    no_open_invoices=(
        "Sinulla ei ole nyt avoimia laskuja MyRopossa. Jos odotat laskua, joka ei näy, voit "
        "hakea sen kohdasta Hae lasku."
    ),
    invoice_line="{creditor}, lasku {number}: {amount}, eräpäivä {due}",
    more_invoices="Lisäksi {count} muuta avointa laskua.",
    invoices_label="Laskut",
    invoice_label="Avaa lasku {number}",
    pay_general=(
        "Voit maksaa laskun MyRopossa verkkopankilla, mobiilimaksulla tai kortilla: avaa lasku "
        "ja valitse Maksa."
    ),
    pay_intro="Avoimet laskusi – valitse maksettava lasku:",
    pay_label="Maksa lasku {number}",
    extension_general=(
        "Eräpäivää voi siirtää laskun sivulla kohdassa Maksuaika, jos laskuttaja sallii sen. "
        "Näet uuden eräpäivän vaihtoehdot ja mahdollisen maksun ennen kuin vahvistat."
    ),
    extension_intro="Avoimet laskusi ja eräpäivän siirto:",
    extension_yes="eräpäivän siirto on mahdollinen",
    extension_no="eräpäivää ei voi siirtää",
    extension_unknown="katso mahdollisuus laskun sivulta",
    extension_label="Eräpäivän siirto: lasku {number}",
    plan_general=(
        "Maksusuunnitelman voi tehdä laskun sivulla kohdassa Maksuaika, jos laskuttaja sallii "
        "sen. Valitset erien määrän ja näet erät ja mahdollisen maksun ennen kuin vahvistat."
    ),
    plan_intro="Avoimet laskusi ja maksusuunnitelma:",
    plan_yes="maksusuunnitelma on mahdollinen",
    plan_no="maksusuunnitelmaa ei voi tehdä",
    plan_unknown="katso mahdollisuus laskun sivulta",
    plan_label="Maksusuunnitelma: lasku {number}",
    authorization_general=(
        "Voit valtuuttaa toisen henkilön hoitamaan laskuasi: avaa lasku ja valitse Valtuutus. "
        "Tarvitset valtuutettavan nimen ja henkilötunnuksen. Samasta kohdasta voit myös perua "
        "valtuutuksen. Jatkuvan valtuutuksen kaikkiin laskuihin tekee asiakaspalvelu."
    ),
    authorization_intro="Valitse lasku, jota valtuutus koskee:",
    authorization_label="Valtuutus: lasku {number}",
    refund=(
        "Jos sinulle on tulossa palautus, ilmoita tilinumerosi kohdassa Ilmoita tilinumero. "
        "Tarvitset kirjeessä olevan asianumeron ja MyRopo-tunnuksen."
    ),
    refund_label="Ilmoita tilinumero",
    image_general=(
        "Alkuperäisen laskun näet, kun avaat laskun ja valitset Avaa lasku. Lasku avautuu "
        "PDF-tiedostona, jonka voit tallentaa tai tulostaa."
    ),
    image_intro="Laskujesi alkuperäiset kuvat:",
    image_label="Lasku {number} (PDF)",
    find=(
        "Jos lasku ei näy MyRopossa, voit hakea sen kohdassa Hae lasku: laskun numerolla, "
        "viitenumerolla ja postinumerollasi tai laskussa olevalla MyRopo-tunnuksella."
    ),
    find_label="Hae lasku",
    costs=(
        "Kuluttajalta perittäviä kuluja rajoittaa laki: esimerkiksi maksumuistutus saa maksaa "
        "enintään {reminder_cap} ja eräpäivän siirto enintään {extension_cap}. Laskun sivulla "
        "näet pääoman, korot ja kulut eriteltyinä."
    ),
    dispute=(
        "Jos olet eri mieltä laskusta, kerro siitä asiakaspalvelulle: mainitse laskun numero ja "
        "mikä laskussa on mielestäsi väärin. Riitautetun laskun perintä keskeytetään "
        "selvityksen ajaksi."
    ),
    open_intro="Avoimet laskusi:",
    contact_human=(
        "Siirrän keskustelun asiakaspalvelijalle. Odota hetki, joku vastaa sinulle pian tässä "
        "keskustelussa."
    ),
    unknown=(
        "En valitettavasti ymmärtänyt. Voin auttaa esimerkiksi laskun maksamisessa, eräpäivän "
        "siirrossa, maksusuunnitelmassa, valtuutuksessa, laskun hakemisessa ja tilinumeron "
        "ilmoittamisessa. Voisitko kertoa asiasi toisin sanoin?"
    ),
    handoff=(
        "En osaa vastata tähän varmasti, joten siirrän keskustelun asiakaspalvelijalle. Odota "
        "hetki, joku vastaa sinulle pian."
    ),
)

SWEDISH: Final = Texts(
    greeting=(
        "Hej! Jag är Ropo-botten. Jag kan hjälpa dig att betala en faktura, flytta "
        "förfallodagen, göra en betalningsplan, ge fullmakt och meddela kontonummer. Vid behov "
        "kopplar jag dig till kundtjänsten."
    ),
    one_open="Du har en öppen faktura.",
    many_open="Du har {count} öppna fakturor.",
    no_open_invoices=(
        "Du har inga öppna fakturor i MyRopo just nu. Om du väntar på en faktura som inte syns "
        "kan du söka den under Sök faktura."
    ),
    invoice_line="{creditor}, faktura {number}: {amount}, förfallodag {due}",
    more_invoices="Dessutom {count} andra öppna fakturor.",
    invoices_label="Fakturor",
    invoice_label="Öppna faktura {number}",
    pay_general=(
        "Du kan betala fakturan i MyRopo med nätbank, mobilbetalning eller kort: öppna fakturan "
        "och välj Betala."
    ),
    pay_intro="Dina öppna fakturor – välj den du vill betala:",
    pay_label="Betala faktura {number}",
    extension_general=(
        "Förfallodagen kan flyttas på fakturans sida under Betalningstid, om fordringsägaren "
        "tillåter det. Du ser de nya förfallodagarna och en eventuell avgift innan du bekräftar."
    ),
    extension_intro="Dina öppna fakturor och flyttning av förfallodagen:",
    extension_yes="förfallodagen kan flyttas",
    extension_no="förfallodagen kan inte flyttas",
    extension_unknown="se fakturans sida",
    extension_label="Flyttning av förfallodagen: faktura {number}",
    plan_general=(
        "En betalningsplan kan göras på fakturans sida under Betalningstid, om fordringsägaren "
        "tillåter det. Du väljer antalet rater och ser dem och en eventuell avgift innan du "
        "bekräftar."
    ),
    plan_intro="Dina öppna fakturor och betalningsplan:",
    plan_yes="betalningsplan är möjlig",
    plan_no="betalningsplan kan inte göras",
    plan_unknown="se fakturans sida",
    plan_label="Betalningsplan: faktura {number}",
    authorization_general=(
        "Du kan ge en annan person fullmakt att sköta din faktura: öppna fakturan och välj "
        "Fullmakt. Du behöver personens namn och personbeteckning. Där kan du också återkalla "
        "fullmakten. En fortlöpande fullmakt för alla fakturor görs av kundtjänsten."
    ),
    authorization_intro="Välj fakturan som fullmakten gäller:",
    authorization_label="Fullmakt: faktura {number}",
    refund=(
        "Om du ska få pengar tillbaka, meddela ditt kontonummer under Meddela kontonummer. Du "
        "behöver ärendenumret och MyRopo-koden i brevet."
    ),
    refund_label="Meddela kontonummer",
    image_general=(
        "Originalfakturan ser du när du öppnar fakturan och väljer Öppna fakturan. Den öppnas "
        "som en PDF-fil som du kan spara eller skriva ut."
    ),
    image_intro="Originalbilderna av dina fakturor:",
    image_label="Faktura {number} (PDF)",
    find=(
        "Om en faktura inte syns i MyRopo kan du söka den under Sök faktura: med fakturanumret, "
        "referensnumret och ditt postnummer eller med MyRopo-koden på fakturan."
    ),
    find_label="Sök faktura",
    costs=(
        "Lagen begränsar kostnaderna som tas ut av konsumenter: till exempel får en "
        "betalningspåminnelse kosta högst {reminder_cap} och en flyttning av förfallodagen högst "
        "{extension_cap}. På fakturans sida ser du kapital, ränta och kostnader specificerade."
    ),
    dispute=(
        "Om du inte håller med om fakturan, berätta det för kundtjänsten: nämn fakturanumret och "
        "vad som enligt dig är fel. Indrivningen av en bestriden faktura avbryts medan ärendet "
        "utreds."
    ),
    open_intro="Dina öppna fakturor:",
    contact_human=(
        "Jag kopplar dig till en kundtjänstmedarbetare. Vänta en stund, någon svarar dig snart "
        "här i chatten."
    ),
    unknown=(
        "Tyvärr förstod jag inte. Jag kan till exempel hjälpa dig att betala en faktura, flytta "
        "förfallodagen, göra en betalningsplan, ge fullmakt, söka en faktura eller meddela "
        "kontonummer. Kan du säga det på ett annat sätt?"
    ),
    handoff=(
        "Jag kan inte svara säkert på det här, så jag kopplar dig till en "
        "kundtjänstmedarbetare. Vänta en stund, någon svarar dig snart."
    ),
)

ENGLISH: Final = Texts(
    greeting=(
        "Hi! I'm the Ropo bot. I can help you pay an invoice, move a due date, make a payment "
        "plan, authorize someone and report an account number for a refund. If needed, I'll "
        "connect you with customer service."
    ),
    one_open="You have one open invoice.",
    many_open="You have {count} open invoices.",
    no_open_invoices=(
        "You have no open invoices in MyRopo right now. If you are expecting an invoice that "
        "does not show, you can look it up under Find an invoice."
    ),
    invoice_line="{creditor}, invoice {number}: {amount}, due {due}",
    more_invoices="And {count} more open invoices.",
    invoices_label="Invoices",
    invoice_label="Open invoice {number}",
    pay_general=(
        "You can pay an invoice in MyRopo with online banking, a mobile payment or a card: open "
        "the invoice and choose Pay."
    ),
    pay_intro="Your open invoices – choose the one to pay:",
    pay_label="Pay invoice {number}",
    extension_general=(
        "You can move the due date on the invoice page under Payment time, if the creditor "
        "allows it. You see the new due dates and any fee before you confirm."
    ),
    extension_intro="Your open invoices and due date extensions:",
    extension_yes="the due date can be moved",
    extension_no="the due date cannot be moved",
    extension_unknown="see the invoice page",
    extension_label="Due date extension: invoice {number}",
    plan_general=(
        "You can make a payment plan on the invoice page under Payment time, if the creditor "
        "allows it. You choose the number of instalments and see them and any fee before you "
        "confirm."
    ),
    plan_intro="Your open invoices and payment plans:",
    plan_yes="a payment plan is possible",
    plan_no="a payment plan is not possible",
    plan_unknown="see the invoice page",
    plan_label="Payment plan: invoice {number}",
    authorization_general=(
        "You can authorize another person to handle your invoice: open the invoice and choose "
        "Authorization. You need the person's name and personal identity code. You can also "
        "revoke the authorization there. Customer service makes continuous authorizations "
        "covering all invoices."
    ),
    authorization_intro="Choose the invoice the authorization is for:",
    authorization_label="Authorization: invoice {number}",
    refund=(
        "If you are due a refund, report your bank account under Report an account number. You "
        "need the case number and the MyRopo ID from the letter."
    ),
    refund_label="Report an account number",
    image_general=(
        "To see the original invoice, open the invoice and choose Open the invoice. It opens as "
        "a PDF file that you can save or print."
    ),
    image_intro="The original images of your invoices:",
    image_label="Invoice {number} (PDF)",
    find=(
        "If an invoice does not show in MyRopo, you can look it up under Find an invoice: with "
        "the invoice number, the reference number and your postal code, or with the MyRopo ID "
        "on the invoice."
    ),
    find_label="Find an invoice",
    costs=(
        "The law caps the costs charged to consumers: for example, a payment reminder may cost "
        "at most {reminder_cap} and a due date extension at most {extension_cap}. The invoice "
        "page itemises the capital, interest and costs."
    ),
    dispute=(
        "If you disagree with an invoice, tell customer service: give the invoice number and "
        "what you think is wrong. Collection of a disputed invoice is put on hold while it is "
        "looked into."
    ),
    open_intro="Your open invoices:",
    contact_human=(
        "I'm connecting you with a customer service agent. Please wait a moment, someone will "
        "answer you here soon."
    ),
    unknown=(
        "Sorry, I didn't understand. I can help you, for example, pay an invoice, move a due "
        "date, make a payment plan, authorize someone, find an invoice or report an account "
        "number. Could you put it another way?"
    ),
    handoff=(
        "I can't answer this reliably, so I'm connecting you with a customer service agent. "
        "Please wait a moment, someone will answer you soon."
    ),
)

TEXTS: Final[dict[str, Texts]] = {"fi": FINNISH, "sv": SWEDISH, "en": ENGLISH}

#: English month names for due dates ("5 March 2026"); Finnish and Swedish write 5.3.2026.
ENGLISH_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
