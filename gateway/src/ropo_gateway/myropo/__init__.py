"""MyRopo, the customer channel: first page (Laskut, Arkisto) and its JSON API."""
