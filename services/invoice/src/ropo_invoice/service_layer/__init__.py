"""Use cases of the invoice service: handlers, unit of work, ports and event mapping."""
