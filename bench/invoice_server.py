"""The real invoice gRPC server as a subprocess, and CPU/memory figures of processes.

``InvoiceServer`` runs ``python -m ropo_invoice serve`` on a database URL with the
metrics endpoint off and waits until gRPC health says SERVING (database reachable and
at the migration head). With ``profile_path`` the same server runs under cProfile
(``invoice_profile.py serve``) and writes its statistics when stopped (SIGTERM: the
service drains and exits normally).
CPU time and resident memory come from ``/proc`` (Linux).
"""

from __future__ import annotations

import base64
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ports import free_port
from served_process import ServedProcess

SERVICE = "ropo.invoice.v1.InvoiceService"
#: The benchmark's own secrets: its data is synthetic, and the fill must derive the
#: same person keys and encrypt with the same key as the server.
PERSON_KEY_SECRET = "ropo-bench-person-key-secret-0123456789abcdef"  # noqa: S105
HETU_KEY = b"ropo-bench-hetu-encryption-key32"
APPLICATION_NAME = "ropo-invoice"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_environment(database_url: str, port: int) -> dict[str, str]:
    """Environment of the server process: the run's database and port, no metrics."""
    return {
        **os.environ,
        "ROPO_ENV": "test",
        "PYTHONUNBUFFERED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        "ROPO_INVOICE_DATABASE_URL": database_url,
        "ROPO_INVOICE_GRPC_HOST": "127.0.0.1",
        "ROPO_INVOICE_GRPC_PORT": str(port),
        "ROPO_INVOICE_METRICS_PORT": "off",
        "ROPO_INVOICE_WORKER_METRICS_PORT": "off",
        "ROPO_INVOICE_PERSON_KEY_SECRET": PERSON_KEY_SECRET,
        "ROPO_INVOICE_HETU_ENCRYPTION_KEY": base64.b64encode(HETU_KEY).decode(),
    }


class InvoiceServer(ServedProcess):
    """``with InvoiceServer(url, log_path) as server: ...`` (``server.address``)."""

    def __init__(
        self, database_url: str, log_path: Path, *, profile_path: Path | None = None
    ) -> None:
        port = free_port()
        command = [sys.executable, "-m", "ropo_invoice", "serve"]
        if profile_path is not None:
            script = Path(__file__).resolve().parent / "invoice_profile.py"
            command = [sys.executable, str(script), "serve", str(profile_path)]
        super().__init__(
            name="invoice",
            command=command,
            env=server_environment(database_url, port),
            port=port,
            service=SERVICE,
            log_path=log_path,
            # A profiled server writes its statistics on the way out: give it time.
            stop_timeout_s=120.0,
        )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process still alive."""
    result = {}
    for pid in pids:
        try:
            result[pid] = cpu_seconds(pid)
        except OSError:
            continue
    return result


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two ``cpu_of`` snapshots (new processes count fully)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@dataclass(frozen=True, slots=True)
class Memory:
    """Resident memory now and at its peak, MiB."""

    rss_mib: float
    peak_mib: float


def memory(pid: int) -> Memory:
    """``VmRSS`` and ``VmHWM`` of the process."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return Memory(round(values["VmRSS"], 1), round(values["VmHWM"], 1))
