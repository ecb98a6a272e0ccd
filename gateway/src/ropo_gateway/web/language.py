"""The language switch of every page: ``GET /kieli/{code}?next=/path``.

A plain link (works without JavaScript) that stores the choice in the
``ropo_lang`` cookie for a year and sends the browser back to the page it came
from. ``next`` must be a path on this site: anything else (another origin, a
protocol-relative ``//host``, a backslash trick) goes to the front page, so the
switch can never be used as an open redirect.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from ropo_gateway.i18n import LANGUAGE_COOKIE, LANGUAGES
from ropo_gateway.web.deps import RuntimeDep

LANGUAGE_PATH: Final = "/kieli"
COOKIE_MAX_AGE_SECONDS: Final = 365 * 24 * 60 * 60
MAX_NEXT_LENGTH: Final = 2048

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """``target`` when it is a local path, else ``/``."""
    if (
        not target
        or len(target) > MAX_NEXT_LENGTH
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return "/"
    return target


@router.get(f"{LANGUAGE_PATH}/{{code}}")
async def choose_language(
    code: str,
    runtime: RuntimeDep,
    next_path: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """Remember ``code`` (fi, sv, en) and go back to ``next``."""
    if code not in LANGUAGES:
        raise HTTPException(404)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=COOKIE_MAX_AGE_SECONDS,
        path="/",
        secure=runtime.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response
