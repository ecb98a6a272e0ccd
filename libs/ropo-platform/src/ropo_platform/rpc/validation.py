"""Request validation helpers for servicers (re-exported from the pure ``ropo_platform.errors``).

::

    v = Violations()
    v.check(request.page_size >= 0, "page_size", "must not be negative")
    v.check(bool(request.name), "name", "is required")
    v.raise_if_any()          # → INVALID_ARGUMENT with one BadRequest violation per field
"""

from ropo_platform.errors import FieldViolation, ValidationFailed, Violations

__all__ = ["FieldViolation", "ValidationFailed", "Violations"]
