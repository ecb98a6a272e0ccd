"""What the chat service calls out to: its database (tables, repository, request log,
outbox), the authorization and invoice services (the bot's facts) and NATS (the live
feed of ``serve``)."""
