"""Use cases of the chat service.

- ``customers``: start a conversation, post a message (the bot's reply and hand-off);
- ``agents``: claim, transfer and close;
- ``reading``: one conversation, the queue, lists and transcripts;
- ``watching``: WatchConversation's stream of changes;
- ``ports`` and ``unit_of_work``: what the use cases need, implemented in ``adapters``.
"""
