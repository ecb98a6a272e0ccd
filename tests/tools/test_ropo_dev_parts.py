"""Pure parts of the runner: log rendering, prefixes, prerequisites, CLI plumbing."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from ropo_dev import cli, prerequisites
from ropo_dev.model import Port
from ropo_dev.render import Printer, render_line
from ropo_dev_harness import free_port


def test_json_log_line_is_rendered_compactly() -> None:
    line = (
        '{"timestamp": "2025-05-01T12:00:01.123456Z", "level": "info", "service": "invoice",'
        ' "logger": "ropo_invoice.app", "event": "invoice_registered",'
        ' "invoice": "invoices/42", "attempt": 2, "note": "two words", "empty": ""}\n'
    )
    assert render_line(line) == [
        "12:00:01 info    invoice_registered"
        ' invoice=invoices/42 attempt=2 note="two words" empty=""'
    ]


def test_warning_names_its_logger_and_exception_follows_indented() -> None:
    line = (
        '{"level": "error", "logger": "grpc", "event": "rpc_failed",'
        ' "exception": "Traceback (most recent call last):\\nValueError: bad"}'
    )
    assert render_line(line) == [
        "error   rpc_failed (grpc)",
        "    Traceback (most recent call last):",
        "    ValueError: bad",
    ]


@pytest.mark.parametrize(
    "line",
    ["[1234] [INF] Server is ready", "{not json", '{"no_event": 1}', "[1, 2]", ""],
)
def test_other_lines_pass_through(line: str) -> None:
    assert render_line(line + "\n") == [line]


def test_colour_marks_levels_only_when_asked() -> None:
    line = '{"level": "warning", "event": "slow", "logger": "x"}'
    assert "\x1b[33m" in render_line(line, colour=True)[0]
    assert "\x1b" not in render_line(line, colour=False)[0]


def test_prefix_column_fits_the_longest_name() -> None:
    out = io.StringIO()
    printer = Printer(["invoice", "authorization-wkr"], out)
    printer.output("invoice", "hello\n")
    printer.say("note")
    assert out.getvalue().splitlines() == [
        "invoice           | hello",
        "ropo-dev          | note",
    ]


def test_python_version_problem_says_what_is_needed() -> None:
    assert prerequisites.python_problem((3, 11), (3, 11)) is None
    message = prerequisites.python_problem((3, 11), (3, 9))
    assert message is not None
    assert message.startswith("Python 3.11 or newer is needed (this is 3.9)")


def test_port_problem_names_the_purpose_and_the_variable() -> None:
    free = Port(free_port(), "gateway HTTP", "ROPO_GATEWAY_PORT")
    assert prerequisites.port_problem(free) is None
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        number = listener.getsockname()[1]
        port = Port(number, "gateway HTTP", "ROPO_GATEWAY_PORT")
        assert prerequisites.port_problem(port) == (
            f"port {number} is in use (gateway HTTP); stop the other process or set"
            " ROPO_GATEWAY_PORT"
        )


def test_topology_spec_errors_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(cli.UsageError, match="MODULE:FUNCTION"):
        cli.load_builder("no-colon")
    with pytest.raises(cli.UsageError, match="cannot load"):
        cli.load_builder(f"{tmp_path / 'absent.py'}:build")
    with pytest.raises(cli.UsageError, match="no function 'nope'"):
        cli.load_builder("ropo_dev.topology:nope")
    assert cli.load_builder(cli.DEFAULT_TOPOLOGY).__name__ == "build"


def test_env_command_prints_the_table_with_overrides(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROPO_CHAT_GRPC_PORT", "15055")
    assert cli.main(["env"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "ROPO_CHAT_GRPC_PORT=15055  # from your environment" in out
    assert "ROPO_GATEWAY_CHAT_ADDR=127.0.0.1:15055" in out
    assert "ROPO_INVOICE_METRICS_PORT=9101" in out
    assert any(line.startswith("# invoice worker: ROPO_INVOICE_METRICS_PORT=9111") for line in out)


def test_bad_override_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("ROPO_GATEWAY_PORT", "http")
    assert cli.main(["up", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("ropo-dev: ROPO_GATEWAY_PORT must be a port number")
