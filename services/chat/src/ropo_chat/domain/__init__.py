"""Pure model of the chat context; issue 8 (chat) fills it."""
