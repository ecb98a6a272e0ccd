"""Demo data: the project's own Finvoice invoices for the test persons (``generator``) and
the conformance set of one message per import path (``conformance``)."""
