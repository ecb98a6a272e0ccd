"""What calls the chat service: its gRPC servicer (and, later, event subscriptions)."""
