"""Chat service: conversations with the chatbot and customer service (*Avaa Chat*).

It serves ``ropo.chat.v1.ChatService`` (health and reflection too): the bot answers a
customer first — with a logged-in person's own invoices, read from the authorization and
invoice services — and hands the conversation to the agent queue on request or when it
cannot help; agents claim, answer, transfer and close. WatchConversation streams a
conversation's changes live (woken through NATS, polling the database when NATS is away).
Its worker provisions the ``ROPO_CHAT`` stream and runs the outbox relay.
"""

__version__ = "0.1.0"
