"""Chat service: conversations, messages and the agent queue.

A skeleton so far: it serves ``ropo.chat.v1.ChatService`` (every method answers
``UNIMPLEMENTED`` until issue 8 builds it), health and reflection, and its
worker provisions the ``ROPO_CHAT`` stream and runs the outbox relay.
"""

__version__ = "0.1.0"
