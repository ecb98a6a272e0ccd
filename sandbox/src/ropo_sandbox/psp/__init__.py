"""A local payment service provider speaking the Paytrail payment API (``/psp``).

A development and test stand-in only: signed API (create payment, status), a hosted
payment page with bank buttons, signed browser redirects and GET callbacks (with
configurable delay, duplicates and dropping), test control endpoints and settlement
reports. State lives in memory, per app instance.
"""
