"""Use cases of the refund service; issue 7 (refunds) fills it."""
