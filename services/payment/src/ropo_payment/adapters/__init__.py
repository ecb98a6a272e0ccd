"""What the payment service calls out to: its database, the PSP, and the statement parsers."""
