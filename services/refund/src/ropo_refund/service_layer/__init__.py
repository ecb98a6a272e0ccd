"""Use cases of the refund service: the account wizard, staff actions, payouts and the
opening of cases from events; the ports they need and the unit of work."""
