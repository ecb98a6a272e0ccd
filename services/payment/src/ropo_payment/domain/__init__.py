"""Pure model of the payment context: payments and their states, the PSP protocol's signing,
payer references and bank payment matching."""
