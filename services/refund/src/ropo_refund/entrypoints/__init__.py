"""What calls the refund service: its gRPC servicer (and, later, event subscriptions)."""
