"""Use cases of the chat service; issue 8 (chat) fills it."""
