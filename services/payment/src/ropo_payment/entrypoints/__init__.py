"""What calls the payment service: its gRPC servicer (and, later, event subscriptions)."""
