"""What calls the invoice service: the gRPC servicer (and later event subscriptions)."""
