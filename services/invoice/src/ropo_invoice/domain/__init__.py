"""The invoice domain model: pure Python, no I/O, no gRPC, no SQLAlchemy.

Only pure libraries are allowed here: python-stdnum and schwifty for identifier
checks and ``ropo_platform.money`` for amounts.
"""
