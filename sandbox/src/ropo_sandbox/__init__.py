"""Stand-ins for external systems in development and tests only.

The identity broker (OpenID Connect, under ``/idp``), the test persons and the
demo Finvoice generator. Services and the gateway never import this package.
"""

__all__: list[str] = []
