"""What every service inherits: ``worker_metrics_port`` and ``migrations_dir`` in
ServiceSettings, and locate_migrations (``services/<ctx>/migrations`` beside ``src``)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings
from ropo_platform.db.migrations import MigrationsNotFound, locate_migrations


class ThingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROPO_THING_")
    service_name: str = "thing"
    worker_metrics_port: int | None = 9119  # a service only sets its default


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ROPO_", "OTEL_")):
            monkeypatch.delenv(name)


def test_the_base_has_no_worker_metrics_and_no_configured_migrations() -> None:
    settings = load_settings(ServiceSettings)
    assert settings.worker_metrics_port is None
    assert settings.migrations_dir == ""


def test_a_service_sets_its_default_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings(ThingSettings).worker_metrics_port == 9119
    monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", "19119")
    monkeypatch.setenv("ROPO_THING_MIGRATIONS_DIR", "/opt/thing/migrations")
    settings = load_settings(ThingSettings)
    assert settings.worker_metrics_port == 19119
    assert settings.migrations_dir == "/opt/thing/migrations"


@pytest.mark.parametrize("value", ["", "off", "OFF", " none "])
def test_worker_metrics_port_can_be_switched_off_like_metrics_port(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", value)
    assert load_settings(ThingSettings).worker_metrics_port is None


@pytest.mark.parametrize("value", ["65536", "-1"])
def test_worker_metrics_port_out_of_range_is_one_readable_line(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", value)
    stderr = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        load_settings(ThingSettings, stderr=stderr)
    assert exit_info.value.code == 2
    assert stderr.getvalue().splitlines() == [
        "configuration error: ROPO_THING_WORKER_METRICS_PORT: "
        f"must be a port number between 0 and 65535 (got '{value}')"
    ]


# ------------------------------------------------------------------------ locate_migrations


def _service_tree(root: Path, *, with_migrations: bool = True) -> Path:
    """``root/services/thing/{src/ropo_thing/__init__.py, migrations/}``; the package file."""
    package = root / "services" / "thing" / "src" / "ropo_thing"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if with_migrations:
        _migrations(root / "services" / "thing" / "migrations")
    return package / "__init__.py"


def _migrations(folder: Path) -> Path:
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text("")
    return folder


def test_found_beside_the_source_tree(tmp_path: Path) -> None:
    package_file = _service_tree(tmp_path)
    expected = (tmp_path / "services" / "thing" / "migrations").resolve()
    assert locate_migrations(package_file, None, "thing") == expected
    assert locate_migrations(str(package_file), "", "thing") == expected


def test_a_configured_folder_wins(tmp_path: Path) -> None:
    package_file = _service_tree(tmp_path)
    elsewhere = _migrations(tmp_path / "image" / "migrations")
    assert locate_migrations(package_file, elsewhere, "thing") == elsewhere
    assert locate_migrations(package_file, str(elsewhere), "thing") == elsewhere


def test_missing_names_the_folder_and_the_variable(tmp_path: Path) -> None:
    package_file = _service_tree(tmp_path, with_migrations=False)
    expected = (tmp_path / "services" / "thing" / "migrations").resolve()
    with pytest.raises(MigrationsNotFound) as caught:
        locate_migrations(package_file, None, "thing")
    assert str(caught.value) == (
        f"thing migrations not found at {expected} (set ROPO_THING_MIGRATIONS_DIR)"
    )


def test_a_folder_without_versions_is_not_a_migrations_folder(tmp_path: Path) -> None:
    package_file = _service_tree(tmp_path)
    half = tmp_path / "half"
    half.mkdir()
    (half / "env.py").write_text("")
    with pytest.raises(MigrationsNotFound, match="ROPO_THING_MIGRATIONS_DIR"):
        locate_migrations(package_file, half, "thing")


@pytest.mark.parametrize("context", ["invoice", "payment", "authorization", "refund", "chat"])
def test_every_service_finds_its_own_migrations(context: str) -> None:
    import importlib

    module = importlib.import_module(f"ropo_{context}.adapters.migrations")
    folder = module.migrations_dir()
    assert folder.parts[-2:] == (context, "migrations")
    assert (folder / "env.py").is_file()
    with pytest.raises(MigrationsNotFound, match=f"ROPO_{context.upper()}_MIGRATIONS_DIR"):
        module.migrations_dir("/nonexistent/migrations")
