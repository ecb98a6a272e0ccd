"""A local bank that takes payout files and answers with status reports (``/bank``).

A development and test stand-in only: ``POST /bank/payouts`` takes an ISO 20022
pain.001 credit transfer file (.03 or .09), ``GET /bank/payouts/{id}/status`` answers
a pain.002.001.03 status report that pays every transaction except those a test has
asked to reject (``POST /bank/control/rejections``). State lives in memory, per app
instance. Account numbers from the files are never logged.
"""
