"""MyRopo, the customer channel: the front page (*Laskut*, *Arkisto*, search), the invoice
page with *Avaa lasku*, *Hae lasku*, *Ilmoita tilinumero*, and the JSON API of the same."""
