"""What the refund service calls out to: its database (more with issue 7)."""
