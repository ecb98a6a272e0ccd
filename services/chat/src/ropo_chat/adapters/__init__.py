"""What the chat service calls out to: its database (more with issue 8)."""
