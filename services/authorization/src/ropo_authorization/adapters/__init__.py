"""What the authorization service calls out to: its database."""
