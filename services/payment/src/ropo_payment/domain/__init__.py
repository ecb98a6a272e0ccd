"""Pure model of the payment context; issue 5 (payments) fills it."""
