"""Use cases of the payment service; issue 5 (payments) fills it."""
