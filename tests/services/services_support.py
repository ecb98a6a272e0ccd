"""What the process smoke tests know about each service: names from issue 2, and how to
run ``python -m ropo_<ctx>`` as a real subprocess on free ports and temporary storage."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ropo_platform.testing import ManagedProcess, free_port


@dataclass(frozen=True)
class ServiceSpec:
    """One service: its gRPC service name, the methods the foundation issue names, and a
    method that answers UNIMPLEMENTED with the issue that builds it (empty once every
    method is built)."""

    context: str
    service: str
    methods: frozenset[str]
    unimplemented: str
    issue: str

    @property
    def prefix(self) -> str:
        return f"ROPO_{self.context.upper()}_"


SPECS = {
    spec.context: spec
    for spec in (
        ServiceSpec(
            "payment",
            "ropo.payment.v1.PaymentService",
            frozenset(
                {"CreatePayment", "GetPayment", "ListPayments", "HandlePspReturn",
                 "ImportBankStatement", "ListBankPayments"}
            ),
            "",
            "",
        ),
        ServiceSpec(
            "authorization",
            "ropo.authorization.v1.AuthorizationService",
            frozenset(
                {"CheckAccess", "ListAccessibleInvoices", "GrantInvoiceAuthorization",
                 "RevokeAuthorization", "ListAuthorizations", "CreateContinuousAuthorization",
                 "GrantLookupAccess"}
            ),
            "",
            "",
        ),
        ServiceSpec(
            "refund",
            "ropo.refund.v1.RefundService",
            frozenset(
                {"VerifyRefundCase", "SubmitRefundAccount", "ConfirmRefundAccount",
                 "GetRefundCase", "ListRefundCases", "ApproveRefund", "ExportPayoutBatch"}
            ),
            "",
            "",
        ),
        ServiceSpec(
            "chat",
            "ropo.chat.v1.ChatService",
            frozenset(
                {"StartConversation", "PostMessage", "ListMessages", "WatchConversation",
                 "ListQueue", "ClaimConversation", "CloseConversation"}
            ),
            "",
            "",
        ),
    )
}  # fmt: skip


def service_env(spec: ServiceSpec, database_url: str, nats_url: str = "") -> dict[str, str]:
    """Environment for one process: its own database, a free gRPC port, no metrics ports,
    never the developer's OTLP endpoint or NATS."""
    return {
        "ROPO_ENV": "test",
        "PYTHONUNBUFFERED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        f"{spec.prefix}DATABASE_URL": database_url,
        f"{spec.prefix}GRPC_HOST": "127.0.0.1",
        f"{spec.prefix}GRPC_PORT": str(free_port()),
        f"{spec.prefix}METRICS_PORT": "off",
        f"{spec.prefix}WORKER_METRICS_PORT": "off",
        f"{spec.prefix}NATS_URL": nats_url or f"nats://127.0.0.1:{free_port()}",
    }


def run_command(spec: ServiceSpec, command: str, env: dict[str, str], log_dir: Path) -> None:
    """``python -m ropo_<ctx> <command>`` to completion; fails the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-m", f"ropo_{spec.context}", command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    (log_dir / f"{spec.context}-{command}.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"


def start_process(
    spec: ServiceSpec, command: str, env: dict[str, str], log_dir: Path
) -> ManagedProcess:
    """``python -m ropo_<ctx> <command>`` in the background, output to a log file."""
    return ManagedProcess(
        [sys.executable, "-m", f"ropo_{spec.context}", command],
        log_path=log_dir / f"{spec.context}-{command}.log",
        env=env,
    ).start()
