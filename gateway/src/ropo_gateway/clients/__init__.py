"""Async gRPC clients of the services the gateway calls (deadlines, tracing, request ids)."""
