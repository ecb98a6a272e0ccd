"""The audit log of access to personal data (DESIGN §8): who read or was refused what, when,
why, in which request — tamper-evident (hash-chained) and without the data itself."""
