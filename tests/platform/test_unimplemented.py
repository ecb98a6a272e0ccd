"""answer_unimplemented: every method a servicer does not define answers UNIMPLEMENTED
with a google.rpc.Status (ErrorInfo reason NOT_IMPLEMENTED_YET), over real gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest
from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import chat_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import NOT_IMPLEMENTED_YET, answer_unimplemented
from ropo_platform.rpc.errors import ErrorInfo, RpcError

SERVICE = pb.DESCRIPTOR.services_by_name["ChatService"]
DOMAIN = "thing.ropo"
ALL_METHODS = tuple(m.name for m in SERVICE.methods)


class PartlyBuilt(pb_grpc.ChatServiceServicer):
    """Implements ListQueue only."""

    async def ListQueue(self, request: pb.ListQueueRequest, context: Any) -> pb.ListQueueResponse:
        return pb.ListQueueResponse(next_page_token="queue-works")


class NoIssue(pb_grpc.ChatServiceServicer):
    """Nothing built, and no issue named for it."""


class QueueMixin:
    """A mixin that brings one RPC of its own (as the invoice servicer's areas do)."""

    async def ListQueue(self, request: pb.ListQueueRequest, context: Any) -> pb.ListQueueResponse:
        return pb.ListQueueResponse(next_page_token="mixin-works")


class BuiltFromMixins(QueueMixin, pb_grpc.ChatServiceServicer):
    """Defines nothing in its own body: the mixin's method counts as defined."""


STAND_INS = answer_unimplemented(PartlyBuilt, SERVICE, domain=DOMAIN, issue="42")
MIXIN_STAND_INS = answer_unimplemented(BuiltFromMixins, SERVICE, domain=DOMAIN)
NO_ISSUE_STAND_INS = answer_unimplemented(NoIssue, SERVICE, domain=DOMAIN)


@pytest.fixture
async def stub() -> AsyncIterator[Any]:  # grpc.aio stub: the generated types are sync
    server = grpc.aio.server()
    pb_grpc.add_ChatServiceServicer_to_server(PartlyBuilt(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield pb_grpc.ChatServiceStub(channel)
    finally:
        await server.stop(grace=None)


async def _error(call: Any) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return RpcError.from_aio(caught.value)


def test_stand_ins_fill_exactly_the_methods_the_class_does_not_define() -> None:
    assert tuple(name for name in ALL_METHODS if name != "ListQueue") == STAND_INS
    assert NO_ISSUE_STAND_INS == ALL_METHODS
    assert PartlyBuilt.StartConversation.__name__ == "StartConversation"
    assert PartlyBuilt.StartConversation.__qualname__ == "PartlyBuilt.StartConversation"
    # Running it again changes nothing: every method is defined by now.
    assert answer_unimplemented(PartlyBuilt, SERVICE, domain=DOMAIN, issue="42") == ()


def test_a_mixin_method_counts_as_defined() -> None:
    assert tuple(name for name in ALL_METHODS if name != "ListQueue") == MIXIN_STAND_INS
    assert BuiltFromMixins.ListQueue is QueueMixin.ListQueue


async def test_a_missing_unary_method_answers_unimplemented_with_error_info(
    stub: Any,
) -> None:
    error = await _error(stub.StartConversation(pb.StartConversationRequest(), timeout=5))

    method = "ropo.chat.v1.ChatService/StartConversation"
    assert error.code is grpc.StatusCode.UNIMPLEMENTED
    assert error.message == f"{method} is not implemented yet (issue 42)"
    assert error.error_info == ErrorInfo(
        reason=NOT_IMPLEMENTED_YET, domain=DOMAIN, metadata={"method": method, "issue": "42"}
    )
    assert error.http_status == 501


async def test_a_missing_server_streaming_method_answers_the_same(
    stub: Any,
) -> None:
    call = stub.WatchConversation(pb.WatchConversationRequest(), timeout=5)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in call:
            pass
    error = RpcError.from_aio(caught.value)

    assert error.code is grpc.StatusCode.UNIMPLEMENTED
    assert error.error_info is not None
    assert error.error_info.reason == NOT_IMPLEMENTED_YET
    assert error.error_info.metadata == {
        "method": "ropo.chat.v1.ChatService/WatchConversation",
        "issue": "42",
    }


async def test_the_defined_method_keeps_working(stub: Any) -> None:
    response = await stub.ListQueue(pb.ListQueueRequest(), timeout=5)
    assert response.next_page_token == "queue-works"


async def test_without_an_issue_the_message_and_metadata_name_only_the_method() -> None:
    server = grpc.aio.server()
    pb_grpc.add_ChatServiceServicer_to_server(NoIssue(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub: Any = pb_grpc.ChatServiceStub(channel)
            error = await _error(stub.ListQueue(pb.ListQueueRequest(), timeout=5))
    finally:
        await server.stop(grace=None)

    method = "ropo.chat.v1.ChatService/ListQueue"
    assert error.code is grpc.StatusCode.UNIMPLEMENTED
    assert error.message == f"{method} is not implemented yet"
    assert error.error_info == ErrorInfo(NOT_IMPLEMENTED_YET, DOMAIN, {"method": method})
