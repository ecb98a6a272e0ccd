"""Use cases of the payment service: PSP payments (``handlers``), settlement, bank statements."""
