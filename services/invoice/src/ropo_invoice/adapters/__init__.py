"""What the invoice service calls out to: persistence, file formats, cryptography."""
