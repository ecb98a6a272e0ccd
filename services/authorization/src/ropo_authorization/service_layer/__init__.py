"""Use cases of the authorization service and the ports they need."""
