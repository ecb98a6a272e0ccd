"""`python -m ropo_dev up` end to end, with stand-in children (standin.py) in a temp root."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from ropo_dev_harness import Scenario, alive, free_port

pytestmark = pytest.mark.slow

MARK = "Path('var/imported.txt').write_text('yes')"


def suite(tmp_path: Path, **extra: object) -> Scenario:
    return Scenario(
        tmp_path,
        infrastructure=[{"name": "broker", "http": free_port()}],
        setup=[
            {"name": "svc-mig", "code": "from pathlib import Path; Path('var/migrated').touch()"},
            {"name": "web-mig", "code": "print('migrating web')"},
        ],
        services=[
            {"name": "svc", "grpc": free_port()},
            {"name": "svc-wkr"},
            {"name": "web", "http": free_port()},
        ],
        once=[{"name": "demo", "code": f"from pathlib import Path; {MARK}", "marker": "var/done"}],
        info={"name": "persons", "code": "print('Testi Henkilö'); print('Toinen Henkilö')"},
        **extra,
    )


def test_up_prints_prefixed_logs_banner_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    scenario = suite(tmp_path)
    run = scenario.up()
    run.wait_for("The suite is up")
    run.wait_for("Toinen Henkilö")
    assert (tmp_path / "var" / "migrated").exists()
    assert (tmp_path / "var" / "done").exists()
    assert (tmp_path / "var" / "imported.txt").read_text() == "yes"

    lines = run.lines
    # Fixed-width prefix (the longest name here is shorter than 13) and JSON rendered.
    pattern = r'svc-wkr       \| \d\d:\d\d:\d\d info    standin_started port=null note="two words"'
    assert any(re.fullmatch(pattern, line) for line in lines), run.output
    assert "web           | plain line from web" in lines
    assert "web           | stderr line from web" in lines
    assert "web-mig       | migrating web" in lines
    assert "  Portal  http://localhost:1/" in lines
    assert "    Testi Henkilö" in lines
    children = scenario.all_pids()
    assert len(children) == 4 and all(alive(pid) for pid in children)

    run.signal(signal.SIGINT)
    assert run.finish() == 0
    assert "ropo-dev      | stopped" in run.lines
    # Every child got SIGTERM and stopped gracefully; the infrastructure last.
    stop_lines = [line.split(" |")[0].strip() for line in run.lines if "standin_stopping" in line]
    assert sorted(stop_lines) == ["broker", "svc", "svc-wkr", "web"]
    assert stop_lines[-1] == "broker"
    assert not any(alive(pid) for pid in children)


def test_second_up_reuses_var_and_skips_the_once_step(tmp_path: Path) -> None:
    scenario = suite(tmp_path)
    first = scenario.up()
    first.wait_for("The suite is up")
    first.signal(signal.SIGTERM)
    assert first.finish() == 0
    (tmp_path / "var" / "imported.txt").unlink()

    second = scenario.up()
    second.wait_for("The suite is up")
    second.signal(signal.SIGINT)
    assert second.finish() == 0
    assert "demo: already done (var/done exists; delete it to run again)" in second.output
    assert not (tmp_path / "var" / "imported.txt").exists()


def test_crashing_child_is_restarted_with_backoff_then_given_up(tmp_path: Path) -> None:
    scenario = suite(tmp_path, max_restarts=2)
    scenario.settings["services"].append({"name": "flaky", "flags": ["--crash-after", "0.3"]})
    run = scenario.up()
    code = run.finish()
    out = run.output
    assert "flaky exited with status 3 after" in out
    assert "restart 1/2 in 0.1s" in out
    assert "restart 2/2 in 0.2s" in out
    assert "flaky exited with status 3, 3 times in a row; giving up on it" in out
    assert "stopping everything" in out
    assert code == 1
    assert len(scenario.pids("flaky")) == 3
    assert not any(alive(pid) for pid in scenario.all_pids())


def test_child_that_ignores_sigterm_is_killed_after_its_grace(tmp_path: Path) -> None:
    scenario = suite(tmp_path)
    scenario.settings["services"].append(
        {"name": "stubborn", "flags": ["--ignore-term"], "grace": 0.5}
    )
    run = scenario.up()
    run.wait_for("The suite is up")
    started = time.monotonic()
    run.signal(signal.SIGINT)
    assert run.finish() == 0
    assert time.monotonic() - started < 15
    assert "stubborn ignores SIGTERM" in run.output
    assert "stubborn did not stop within 0.5s; killed" in run.output
    assert not any(alive(pid) for pid in scenario.all_pids())


def test_busy_port_is_explained_in_one_line_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        scenario = suite(tmp_path, busy=[port])
        run = scenario.up()
        assert run.finish() == 1
    expected = (
        f"port {port} is in use (stand-in HTTP); stop the other process or set ROPO_STANDIN_PORT"
    )
    assert f"ropo-dev      | {expected}" in run.lines
    assert scenario.all_pids() == []


def test_missing_requirement_is_explained(tmp_path: Path) -> None:
    scenario = suite(tmp_path, requires=[str(tmp_path / "bin" / "broker")])
    run = scenario.up()
    assert run.finish() == 1
    assert f"{tmp_path / 'bin' / 'broker'} is missing: install the stand-in" not in run.output
    assert "bin/broker is missing: install the stand-in" in run.output
    assert scenario.all_pids() == []


def test_failed_setup_step_stops_the_infrastructure(tmp_path: Path) -> None:
    scenario = suite(tmp_path)
    scenario.settings["setup"].append({"name": "bad-mig", "code": "raise SystemExit(4)"})
    run = scenario.up()
    assert run.finish() == 1
    assert "cannot start: bad-mig exited with status 4 (its output is above)" in run.output
    assert scenario.pids("svc") == []  # services never started
    assert scenario.pids("broker") and not any(alive(p) for p in scenario.pids("broker"))


def test_service_not_serving_times_out_naming_it(tmp_path: Path) -> None:
    scenario = suite(tmp_path)
    port = free_port()
    scenario.settings["services"].append(
        {"name": "sleepy", "grpc": port, "flags": ["--not-serving"]}
    )
    run = scenario.up("--ready-timeout", "3")
    assert run.finish() == 1
    assert (
        f"cannot start: not ready after 3s: sleepy (gRPC health at 127.0.0.1:{port}:"
        " health status NOT_SERVING)"
    ) in run.output
    assert not any(alive(pid) for pid in scenario.all_pids())


def test_failing_info_step_prints_a_hint(tmp_path: Path) -> None:
    scenario = suite(tmp_path)
    scenario.settings["info"] = {"name": "persons", "code": "raise SystemExit(1)"}
    run = scenario.up()
    run.wait_for("The suite is up")
    run.wait_for("could not list them: persons exited with status 1; try `")
    run.signal(signal.SIGINT)
    assert run.finish() == 0


def test_stops_its_children_even_when_its_output_is_gone(tmp_path: Path) -> None:
    # E.g. the terminal was closed: writes fail with EPIPE, the stop must still happen.
    scenario = suite(tmp_path)
    args, env = scenario.command()
    # No reader thread here: the pipe is closed under a blocked read otherwise.
    runner = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "var" / "done").exists():  # written once all are up
            assert runner.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        children = scenario.all_pids()
        assert runner.stdout is not None
        runner.stdout.close()  # nobody reads the runner's output any more
        runner.send_signal(signal.SIGHUP)
        assert runner.wait(60) == 0
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in children)
    finally:
        if runner.poll() is None:
            runner.terminate()
            runner.wait(60)
