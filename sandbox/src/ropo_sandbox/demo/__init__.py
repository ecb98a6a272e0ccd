"""Demo data: the project's own Finvoice 3.0 invoices for the test persons."""
