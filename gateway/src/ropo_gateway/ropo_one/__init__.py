"""Ropo One, the staff console: staff login (``/ropo-one/kirjaudu``), the case search
(``/ropo-one``), the case page (``/ropo-one/tapaukset/{id}``) with the case's
authorizations (``authorizations.py``, ``admin.py``), the refunds (``/ropo-one/palautukset``,
``refunds.py``), payout batches (``/ropo-one/maksuaineistot``, ``payouts.py``), the chat
queue and conversations (``/ropo-one/chat``, ``chat.py``), the disputes
(``/ropo-one/reklamaatiot``, ``disputes.py``) and the JSON API (``/api/ropo-one/v1``).

Staff sessions are a kind of their own (``auth/staff_sessions.py``); every route that
names a case asks the authorization service first (``access.py``); every read of a
case, every refusal and every authorization made or ended is written to the durable
audit log (``audit.py``).
"""

from fastapi import APIRouter

from ropo_gateway.ropo_one import (
    api,
    chat,
    dispute_api,
    disputes,
    login,
    pages,
    payouts,
    refunds,
)

PREFIX = "/ropo-one"

#: Mounted by the app: the login, the pages and the JSON API.
router = APIRouter()
router.include_router(login.router)
router.include_router(pages.router)
router.include_router(refunds.router)
router.include_router(payouts.router)
router.include_router(chat.router)
router.include_router(disputes.router)
router.include_router(api.router)
router.include_router(dispute_api.router)
