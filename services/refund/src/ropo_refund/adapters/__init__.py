"""What the refund service calls out to: its database (cases, accounts, verifications,
payout batches, the outbox), the payout file formats (pain.001, pain.002), the letter
PDF and the Finnish banking calendar."""
