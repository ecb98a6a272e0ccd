"""Ropo One, the staff console. Its routes live under ``/ropo-one/`` (reserved; built by a
later issue together with staff authentication and roles)."""

from fastapi import APIRouter

PREFIX = "/ropo-one"

#: Mounted by the app so the prefix is taken; deliberately without routes for now.
router = APIRouter(prefix=PREFIX)
