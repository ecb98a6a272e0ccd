"""What calls the chat service: its gRPC servicer (with the live stream of
WatchConversation) and the worker role."""
