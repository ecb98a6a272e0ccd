"""End-to-end fixtures: the ``stack`` of real processes (see ``ropo_stack.py``)."""

from ropo_stack import stack

__all__ = ["stack"]
