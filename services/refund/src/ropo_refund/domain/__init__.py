"""Pure model of the refund context: the refund case aggregate and its state machine,
the letter's codes (case number, MyRopo ID), account checks, name matching, the fee
policy, payout batches and the verification attempt policy. No I/O imports."""
