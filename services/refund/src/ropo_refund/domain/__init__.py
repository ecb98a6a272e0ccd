"""Pure model of the refund context; issue 7 (refunds) fills it."""
