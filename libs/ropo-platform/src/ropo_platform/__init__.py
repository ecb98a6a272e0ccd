"""Shared platform code of the MyRopo suite.

Modules (import what you need; nothing here is imported eagerly so that domain
code can use the pure modules without pulling in gRPC, SQLAlchemy or NATS):

- ``config``     ServiceSettings base + ``load_settings`` (fail fast on bad config)
- ``logging``    structlog JSON logs with trace ids, request ids and redaction
- ``telemetry``  OpenTelemetry tracer provider, instrumentation, header propagation
- ``metrics``    Prometheus metrics and the metrics HTTP server
- ``redaction``  masking of henkilötunnus-looking strings (pure)
- ``errors``     domain error types and the ``Violations`` builder (pure, no gRPC)
- ``money``      the ``Money`` value object (pure); ``money_proto`` converts to google.type.Money
- ``pseudonym``  ``person_key`` / ``person_party``
- ``rpc``        gRPC server bootstrap, interceptors, error mapping, client channels,
                 ``answer_unimplemented`` for methods a later feature fills in
- ``service_main`` ``ServiceCommands``: the ``serve|worker|migrate`` command line
- ``db``, ``messaging``, ``faults``, ``testing``: persistence, outbox/inbox and
  JetStream, crash-point injection, shared pytest fixtures
"""

__version__ = "0.1.0"
