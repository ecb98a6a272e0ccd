"""A catch-all SMTP server for development and tests: the suite's e-mail stays on the machine."""
