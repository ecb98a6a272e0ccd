"""What calls the refund service: its gRPC servicer and the subscriptions to the
invoice and payment events that open refund cases."""
