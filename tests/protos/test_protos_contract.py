"""Contract checks on the protobuf API that buf lint does not make: the service and method
names other teams build on, pagination and idempotency shapes, field types by name, the event
catalogue, and that events reference people only by pseudonym."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FieldDescriptor, ServiceDescriptor

FieldProto = descriptor_pb2.FieldDescriptorProto
REPO_ROOT = Path(__file__).resolve().parents[2]

# (context, service, {method: (client_streaming, server_streaming)}) that other issues rely on.
UNARY = (False, False)
REQUIRED_SERVICES: dict[str, tuple[str, dict[str, tuple[bool, bool]]]] = {
    "invoice": (
        "InvoiceService",
        {
            "ImportFinvoice": UNARY,
            "ImportInvoices": (True, False),
            "GetInvoice": UNARY,
            "ListInvoices": UNARY,
            "SearchInvoices": UNARY,
            "LookupInvoice": UNARY,
            "GetInvoiceDocument": UNARY,
            "ListInvoiceEvents": UNARY,
            "GetPaymentTimeOptions": UNARY,
            "ExtendDueDate": UNARY,
            "CreatePaymentPlan": UNARY,
        },
    ),
    "payment": (
        "PaymentService",
        {
            "CreatePayment": UNARY,
            "GetPayment": UNARY,
            "ListPayments": UNARY,
            "HandlePspReturn": UNARY,
            "ImportBankStatement": UNARY,
        },
    ),
    "authorization": (
        "AuthorizationService",
        {
            "CheckAccess": UNARY,
            "ListAccessibleInvoices": UNARY,
            "GrantInvoiceAuthorization": UNARY,
            "RevokeAuthorization": UNARY,
            "ListAuthorizations": UNARY,
            "CreateContinuousAuthorization": UNARY,
            "GrantLookupAccess": UNARY,
        },
    ),
    "refund": (
        "RefundService",
        {
            "VerifyRefundCase": UNARY,
            "SubmitRefundAccount": UNARY,
            "ConfirmRefundAccount": UNARY,
            "GetRefundCase": UNARY,
            "ListRefundCases": UNARY,
            "ApproveRefund": UNARY,
            "ExportPayoutBatch": UNARY,
        },
    ),
    "chat": (
        "ChatService",
        {
            "StartConversation": UNARY,
            "PostMessage": UNARY,
            "ListMessages": UNARY,
            "WatchConversation": (False, True),
            "ListQueue": UNARY,
            "ClaimConversation": UNARY,
            "CloseConversation": UNARY,
        },
    ),
}

REQUIRED_EVENTS: dict[str, set[str]] = {
    "invoice": {
        "InvoiceRegistered",
        "InvoiceStageChanged",
        "DueDateExtended",
        "PaymentPlanCreated",
        "InvoicePaid",
        "OverpaymentDetected",
        "CreditNoteRefundDue",
    },
    "payment": {
        "PaymentSucceeded",
        "PaymentSettled",
        "PaymentFailed",
        "BankPaymentReceived",
        "UnclearPaymentReceived",
    },
    "authorization": {"AuthorizationGranted", "AuthorizationRevoked"},
    "refund": {"RefundCaseOpened", "RefundAccountReported", "RefundPaid"},
    "chat": {
        "ConversationStarted",
        "MessagePosted",
        "ConversationHandedOff",
        "ConversationClosed",
    },
}

# Methods that only read; every other method changes state and must be idempotent.
READ_ONLY_PREFIXES = ("Get", "List", "Search", "Lookup", "Check", "Watch")

# A field name that suggests it holds a personal identity code (henkilötunnus).
IDENTITY_CODE_NAME = re.compile(
    r"national|hetu|henkilo|ssn|social_security|identity_code|identity_number|personal_id"
    r"|(?<!masked_)identifier"
)
# A comment that suggests a field holds one: the words, or an example code like 010190-900X.
IDENTITY_CODE_TEXT = re.compile(
    r"henkilötunnus|henkilotunnus|\bhetu\b|national id|identity code|social security"
    r"|\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b",
    re.IGNORECASE,
)
# Event fields that refer to a person must say they hold the pseudonym.
PERSON_FIELD = re.compile(
    r"^(debtor_party|payer|grantor|grantee|customer|sender|creator|revoker|reporter|closer"
    r"|subject|actor)$"
)

TIMESTAMP = ".google.protobuf.Timestamp"
DATE = ".google.type.Date"
MONEY = ".google.type.Money"
MONEY_NAME = re.compile(r"(^|_)(amount|fee|capital|price)$")


def load_gen_protos() -> ModuleType:
    """scripts/gen_protos.py as a module (scripts/ is not a package)."""
    path = REPO_ROOT / "scripts" / "gen_protos.py"
    spec = importlib.util.spec_from_file_location("ropo_gen_protos", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def source_files(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[descriptor_pb2.FileDescriptorProto]:
    """Descriptors of every file under protos/ with comments (source code info), built with
    the same protoc and include path as scripts/gen_protos.py."""
    gen_protos = load_gen_protos()
    out = tmp_path_factory.mktemp("descriptors") / "ropo.binpb"
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        *(f"--proto_path={d}" for d in gen_protos.include_dirs()),
        "--include_source_info",
        f"--descriptor_set_out={out}",
        *gen_protos.proto_files(),
    ]
    result = subprocess.run(
        command, cwd=gen_protos.PROTO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"protoc failed:\n{result.stderr}"
    return list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)


@dataclass(frozen=True)
class SourceMessage:
    """A message of the source protos with the comments of its fields."""

    full_name: str
    file: str
    proto: descriptor_pb2.DescriptorProto
    comment: str
    field_comments: dict[str, str]


def _comments(file: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    return {tuple(loc.path): loc.leading_comments.strip() for loc in file.source_code_info.location}


def _walk(
    file: descriptor_pb2.FileDescriptorProto,
    comments: dict[tuple[int, ...], str],
    messages: list[descriptor_pb2.DescriptorProto],
    prefix: str,
    path: tuple[int, ...],
) -> Iterator[SourceMessage]:
    tag = 4 if len(path) == 0 else 3  # FileDescriptorProto.message_type / nested_type
    for index, message in enumerate(messages):
        message_path = (*path, tag, index)
        full_name = f"{prefix}.{message.name}"
        yield SourceMessage(
            full_name=full_name,
            file=file.name,
            proto=message,
            comment=comments.get(message_path, ""),
            field_comments={
                field.name: comments.get((*message_path, 2, i), "")
                for i, field in enumerate(message.field)
            },
        )
        yield from _walk(file, comments, list(message.nested_type), full_name, message_path)


@pytest.fixture(scope="module")
def messages(
    source_files: list[descriptor_pb2.FileDescriptorProto],
) -> dict[str, SourceMessage]:
    """Every message of protos/, by full name with a leading dot (as in type_name)."""
    found: dict[str, SourceMessage] = {}
    for file in source_files:
        for message in _walk(
            file, _comments(file), list(file.message_type), f".{file.package}", ()
        ):
            found[message.full_name] = message
    return found


def _service(context: str, name: str) -> ServiceDescriptor:
    module = importlib.import_module(f"ropo.{context}.v1.{context}_service_pb2")
    services = module.DESCRIPTOR.services_by_name
    assert name in services, f"{name} missing from ropo/{context}/v1/{context}_service.proto"
    service: ServiceDescriptor = services[name]
    return service


def _all_services() -> Iterator[ServiceDescriptor]:
    for context, (name, _) in REQUIRED_SERVICES.items():
        yield _service(context, name)


@pytest.mark.parametrize("context", sorted(REQUIRED_SERVICES))
def test_required_services_and_methods_exist_with_their_streaming_shape(context: str) -> None:
    name, methods = REQUIRED_SERVICES[context]
    service = _service(context, name)
    assert service.full_name == f"ropo.{context}.v1.{name}"
    for method_name, (client_streaming, server_streaming) in methods.items():
        assert method_name in service.methods_by_name, f"{service.full_name}.{method_name} missing"
        method = service.methods_by_name[method_name]
        assert (method.client_streaming, method.server_streaming) == (
            client_streaming,
            server_streaming,
        ), f"{method.full_name} has the wrong streaming shape"


def test_every_list_method_is_paginated() -> None:
    checked = 0
    for service in _all_services():
        for method in service.methods:
            if not method.name.startswith("List"):
                continue
            checked += 1
            request = method.input_type.fields_by_name
            response = method.output_type.fields_by_name
            page_size = request.get("page_size")
            page_token = request.get("page_token")
            next_token = response.get("next_page_token")
            assert page_size is not None and page_size.type == FieldDescriptor.TYPE_INT32, (
                f"{method.full_name}: request needs int32 page_size"
            )
            assert page_token is not None and page_token.type == FieldDescriptor.TYPE_STRING, (
                f"{method.full_name}: request needs string page_token"
            )
            assert next_token is not None and next_token.type == FieldDescriptor.TYPE_STRING, (
                f"{method.full_name}: response needs string next_page_token"
            )
            assert any(f.is_repeated for f in method.output_type.fields), (
                f"{method.full_name}: response needs a repeated field of results"
            )
    assert checked >= 10


def test_every_mutating_request_carries_a_request_id() -> None:
    for service in _all_services():
        for method in service.methods:
            if method.name.startswith(READ_ONLY_PREFIXES):
                continue
            field = method.input_type.fields_by_name.get("request_id")
            assert field is not None and field.type == FieldDescriptor.TYPE_STRING, (
                f"{method.full_name} changes state: its request needs `string request_id`"
            )


def test_every_rpc_has_its_own_request_and_response() -> None:
    for service in _all_services():
        for method in service.methods:
            assert method.input_type.full_name.endswith(f".{method.name}Request")
            assert method.output_type.full_name.endswith(f".{method.name}Response")


def test_field_types_follow_their_names(messages: dict[str, SourceMessage]) -> None:
    """*_time is a Timestamp, *_date a google.type.Date, amounts and fees are Money."""
    problems = []
    for message in messages.values():
        for field in message.proto.field:
            where = f"{message.full_name[1:]}.{field.name}"
            if field.name.endswith("_time") and field.type_name != TIMESTAMP:
                problems.append(f"{where} should be google.protobuf.Timestamp")
            if field.name.endswith("_date") and field.type_name != DATE:
                problems.append(f"{where} should be google.type.Date")
            if MONEY_NAME.search(field.name) and field.type_name != MONEY:
                problems.append(f"{where} should be google.type.Money")
            if field.type in (FieldProto.TYPE_FLOAT, FieldProto.TYPE_DOUBLE) and MONEY_NAME.search(
                field.name
            ):
                problems.append(f"{where}: money is never a float")
    assert not problems, "\n".join(problems)


def test_every_message_and_field_is_documented(messages: dict[str, SourceMessage]) -> None:
    # Map entries are synthesised by protoc and cannot carry comments.
    written = [m for m in messages.values() if not m.proto.options.map_entry]
    undocumented = [m.full_name[1:] for m in written if not m.comment]
    undocumented += [
        f"{m.full_name[1:]}.{name}"
        for m in written
        for name, comment in m.field_comments.items()
        if not comment
    ]
    assert not undocumented, "add a // comment to: " + ", ".join(undocumented)


@pytest.mark.parametrize("context", sorted(REQUIRED_EVENTS))
def test_event_catalogue(context: str, messages: dict[str, SourceMessage]) -> None:
    events = {
        m.proto.name: m
        for m in messages.values()
        if m.file == f"ropo/{context}/v1/events.proto" and m.full_name.count(".") == 4
    }
    missing = REQUIRED_EVENTS[context] - events.keys()
    assert not missing, f"ropo/{context}/v1/events.proto lacks {sorted(missing)}"
    for name, event in events.items():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        subject = f"ropo.{context}.v1.{snake}"
        assert subject in event.comment, f"{name}'s comment must name its subject {subject!r}"


def _event_reachable(messages: dict[str, SourceMessage]) -> list[SourceMessage]:
    """Every event message and every ropo message an event embeds, transitively."""
    pending = [m for m in messages.values() if m.file.endswith("/events.proto")]
    seen: dict[str, SourceMessage] = {}
    while pending:
        message = pending.pop()
        if message.full_name in seen:
            continue
        seen[message.full_name] = message
        for field in message.proto.field:
            if field.type_name in messages:
                pending.append(messages[field.type_name])
    return list(seen.values())


def test_events_never_carry_an_identity_code(messages: dict[str, SourceMessage]) -> None:
    reachable = _event_reachable(messages)
    assert len(reachable) >= sum(len(e) for e in REQUIRED_EVENTS.values())
    problems = []
    for message in reachable:
        for field in message.proto.field:
            where = f"{message.full_name[1:]}.{field.name}"
            comment = message.field_comments[field.name]
            if IDENTITY_CODE_NAME.search(field.name):
                problems.append(f"{where}: the name suggests an identity code")
            if IDENTITY_CODE_TEXT.search(comment):
                problems.append(f"{where}: the comment mentions an identity code: {comment!r}")
            if PERSON_FIELD.match(field.name) and "persons/{key}" not in comment:
                problems.append(f"{where}: a person reference must document 'persons/{{key}}'")
    assert not problems, "\n".join(problems)


def test_identity_code_checks_catch_offenders() -> None:
    """The patterns above must actually flag the things they are meant to flag."""
    for name in ("national_id", "debtor_hetu", "ssn", "person_identifier", "identity_code"):
        assert IDENTITY_CODE_NAME.search(name), name
    for name in ("masked_identifier", "debtor_party", "invoice", "reference"):
        assert not IDENTITY_CODE_NAME.search(name), name
    for text in ("The henkilötunnus of the payer", "e.g. 010190-900X", "National ID"):
        assert IDENTITY_CODE_TEXT.search(text), text
    assert not IDENTITY_CODE_TEXT.search('The debtor, "persons/{key}".')
