"""What the payment service calls out to: its database (more with issue 5)."""
