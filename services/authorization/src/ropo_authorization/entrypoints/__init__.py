"""What calls the authorization service: its gRPC servicer and its event subscriptions."""
