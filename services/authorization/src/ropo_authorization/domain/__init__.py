"""Pure model of invoice access: subjects, ownership, actions and the access rules (no I/O)."""
