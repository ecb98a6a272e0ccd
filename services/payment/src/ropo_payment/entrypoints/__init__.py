"""What calls the payment service: its gRPC servicer, the invoice-event consumer and the
reconciler of the worker."""
