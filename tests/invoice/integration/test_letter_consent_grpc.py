"""GetLetterConsent and UpdateLetterConsent over the real gRPC server on a real
database: never given, given in MyRopo, withdrawn by customer service, history,
idempotent replay, and every INVALID_ARGUMENT case (never echoing the address)."""

from __future__ import annotations

import uuid

import grpc
import grpc.aio
import pytest
from invoice_server_support import PERSON_KEY_SECRET, RunningServer
from invoice_support import HETU_MAIJA, HETU_MATTI
from ropo.invoice.v1 import invoice_service_pb2, letter_pb2
from ropo_invoice.domain.delivery import MAX_EMAIL_LENGTH
from ropo_platform.pseudonym import person_key
from ropo_platform.rpc import RpcError

pb = invoice_service_pb2
SECRET = PERSON_KEY_SECRET.encode()
MATTI = f"persons/{person_key(HETU_MATTI, SECRET)}"
MAIJA = f"persons/{person_key(HETU_MAIJA, SECRET)}"
STAFF = "staffUsers/agent-7"


async def call_error(call: object) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return RpcError.from_aio(raised.value)


def violations(error: RpcError) -> dict[str, str]:
    return {v.field: v.description for v in error.field_violations}


def update(
    *,
    electronic: bool = True,
    email: str = "matti@example.fi",
    channel: str = "myropo",
    actor: str = MATTI,
    name: str = f"{MATTI}/letterConsent",
    request_id: str = "",
) -> pb.UpdateLetterConsentRequest:
    return pb.UpdateLetterConsentRequest(
        request_id=request_id,
        name=name,
        electronic=electronic,
        notification_email=email,
        channel=channel,
        actor=actor,
    )


async def get(running: RunningServer, party: str) -> letter_pb2.LetterConsent:
    response = await running.stub.GetLetterConsent(
        pb.GetLetterConsentRequest(name=f"{party}/letterConsent")
    )
    consent: letter_pb2.LetterConsent = response.letter_consent
    return consent


async def test_never_given_is_paper_without_history(running: RunningServer) -> None:
    consent = await get(running, MATTI)
    assert consent.name == f"{MATTI}/letterConsent"
    assert not consent.electronic and consent.notification_email == ""
    assert list(consent.changes) == [] and not consent.HasField("update_time")


async def test_give_replay_withdraw_and_history(running: RunningServer) -> None:
    request_id = str(uuid.uuid4())
    given = (
        await running.stub.UpdateLetterConsent(
            update(email="  Matti.M@Example.FI ", request_id=request_id)
        )
    ).letter_consent
    assert given.electronic and given.notification_email == "Matti.M@example.fi"
    assert given.HasField("update_time")
    replay = (
        await running.stub.UpdateLetterConsent(
            update(email="  Matti.M@Example.FI ", request_id=request_id)
        )
    ).letter_consent
    assert replay == given
    reused = await call_error(
        running.stub.UpdateLetterConsent(update(email="other@example.fi", request_id=request_id))
    )
    assert (reused.code, reused.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")

    withdrawn = (
        await running.stub.UpdateLetterConsent(
            update(
                electronic=False,
                email="ignored@example.fi",
                channel="customer_service",
                actor=STAFF,
            )
        )
    ).letter_consent
    assert not withdrawn.electronic and withdrawn.notification_email == ""

    shown = await get(running, MATTI)
    assert [(c.electronic, c.channel, c.actor) for c in shown.changes] == [
        (True, "myropo", MATTI),
        (False, "customer_service", STAFF),
    ]
    assert shown.changes[0].change_time.ToDatetime() <= shown.changes[1].change_time.ToDatetime()
    assert shown.update_time == shown.changes[1].change_time
    assert (await get(running, MAIJA)).changes == []  # someone else's is untouched


async def test_customer_service_may_give_a_consent_for_a_person(running: RunningServer) -> None:
    consent = (
        await running.stub.UpdateLetterConsent(
            update(channel="customer_service", actor=STAFF, name=f"{MAIJA}/letterConsent")
        )
    ).letter_consent
    assert consent.electronic and consent.changes[0].actor == STAFF


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"email": ""}, {"notification_email"}),
        ({"email": "   "}, {"notification_email"}),
        ({"email": "matti.example.fi"}, {"notification_email"}),
        ({"email": "matti@example"}, {"notification_email"}),
        ({"email": "matti@example.invalid"}, {"notification_email"}),
        ({"email": "a@b.fi\r\nBcc: x@example.fi"}, {"notification_email"}),
        ({"email": f"{'m' * 64}@{'e' * (MAX_EMAIL_LENGTH - 64)}.fi"}, {"notification_email"}),
        ({"channel": ""}, {"channel"}),
        ({"channel": "email"}, {"channel"}),
        ({"actor": ""}, {"actor"}),
        ({"actor": "persons/nope"}, {"actor"}),
        ({"actor": MAIJA}, {"actor"}),  # a person changes only their own consent
        ({"actor": STAFF}, {"actor"}),  # staff act in customer service, not in MyRopo
        ({"channel": "customer_service"}, {"actor"}),  # a person is not customer service
        ({"name": MATTI}, {"name"}),
        (
            {
                "name": "organizations/0112038-9/letterConsent",
                "actor": STAFF,
                "channel": "customer_service",
            },
            {"name"},
        ),
        ({"name": "persons/x/letterConsent"}, {"name"}),
        ({"request_id": "not-a-uuid"}, {"request_id"}),
    ],
)
async def test_bad_updates_name_their_fields(
    running: RunningServer, changes: dict[str, str], expected: set[str]
) -> None:
    request = update(**changes)  # type: ignore[arg-type]
    error = await call_error(running.stub.UpdateLetterConsent(request))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(error)) == expected
    text = error.message + str(violations(error))
    if request.notification_email.strip():
        assert request.notification_email.strip()[:5] not in text  # the address is not echoed
    assert not (await get(running, MATTI)).changes  # nothing written


@pytest.mark.parametrize(
    "name", ["", "persons/letterConsent", f"{MATTI}/letterconsent", f"{MATTI}/letterConsent/x"]
)
async def test_bad_consent_names(running: RunningServer, name: str) -> None:
    error = await call_error(running.stub.GetLetterConsent(pb.GetLetterConsentRequest(name=name)))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(error)) == {"name"}
