"""Settings from environment variables (pydantic-settings), shared by every service.

Each service subclasses ``ServiceSettings`` in its own ``config.py`` and sets the
variable prefix and its defaults::

    class InvoiceSettings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="ROPO_INVOICE_")
        service_name: str = "invoice"
        grpc_port: int = 50051
        metrics_port: int | None = 9101
        worker_metrics_port: int | None = 9111

    settings = load_settings(InvoiceSettings)   # exits with readable lines on bad config

Variables read besides ``<PREFIX><FIELD>``: ``ROPO_ENV`` (environment),
``OTEL_EXPORTER_OTLP_ENDPOINT`` and ``OTEL_SERVICE_NAME`` (the OpenTelemetry standard ones).
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from enum import StrEnum
from typing import Any, ClassVar, Literal, TextIO, TypeVar

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

# Documented development default of the person pseudonym secret (see README,
# "Configuration"). It lets `make up` work with no setup; production refuses it.
DEV_PERSON_KEY_SECRET = "ropo-dev-person-key-secret-do-not-use-in-production"  # noqa: S105
MIN_PRODUCTION_SECRET_LENGTH = 32
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


class Environment(StrEnum):
    """Where the process runs; only ``production`` is strict about secrets."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["json", "console"]


class ServiceSettings(BaseSettings):
    """Configuration every service process has; subclasses add their own fields."""

    model_config = SettingsConfigDict(
        env_prefix="ROPO_SERVICE_",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,
    )

    #: Environment variable names that are not ``<prefix><FIELD>`` (for error messages).
    ALIASED_ENV: ClassVar[dict[str, str]] = {
        "environment": "ROPO_ENV",
        "otel_exporter_otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
        "otel_service_name": "OTEL_SERVICE_NAME",
    }

    service_name: str = "service"
    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        validation_alias="ROPO_ENV",
    )
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0  # 0 = any free port (tests); services set their own default
    metrics_port: int | None = None  # None (or "", "off") = no metrics endpoint
    worker_metrics_port: int | None = None  # the same for the ``worker`` role
    database_url: str = ""
    nats_url: str = "nats://127.0.0.1:14222"
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "json"
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT",
    )
    otel_service_name: str | None = Field(
        default=None,
        validation_alias="OTEL_SERVICE_NAME",
    )
    shutdown_grace_seconds: float = 10.0
    #: Replicas of the JetStream stream the worker provisions: 1 on a single server,
    #: 3 on the production cluster (R3; the overlays set it).
    stream_replicas: int = 1
    person_key_secret: SecretStr = SecretStr(DEV_PERSON_KEY_SECRET)
    #: Alembic scripts; empty = ``services/<ctx>/migrations`` beside the source tree.
    migrations_dir: str = ""

    # Constraints live in validators, not in Field(...): a subclass that only
    # changes a default (`grpc_port: int = 50051`) replaces the Field and would
    # silently drop them, while validators are inherited by field name.
    @field_validator("service_name")
    @classmethod
    def _check_service_name(cls, value: str) -> str:
        if not _SERVICE_NAME.match(value):
            raise ValueError("must be lower-case letters, digits and dashes, starting with a-z")
        return value

    @field_validator("metrics_port", "worker_metrics_port", mode="before")
    @classmethod
    def _empty_means_off(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in {"", "off", "none"}:
            return None
        return value

    @field_validator("grpc_port", "metrics_port", "worker_metrics_port")
    @classmethod
    def _check_port(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 65535:
            raise ValueError("must be a port number between 0 and 65535")
        return value

    @field_validator("shutdown_grace_seconds")
    @classmethod
    def _check_grace(cls, value: float) -> float:
        if not 0 < value <= 300:
            raise ValueError("must be more than 0 and at most 300 seconds")
        return value

    @field_validator("stream_replicas")
    @classmethod
    def _check_stream_replicas(cls, value: int) -> int:
        # JetStream's limit; an even count buys no extra fault tolerance.
        if value not in (1, 3, 5):
            raise ValueError("must be 1, 3 or 5 (JetStream replicas)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _default_database_url(cls, value: str, info: ValidationInfo) -> str:
        # Relative to the current directory, like `make up` expects: var/<service>.db
        if value:
            if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
                raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
            return value
        service = info.data.get("service_name") or "service"
        return f"sqlite+aiosqlite:///var/{service}.db"

    @field_validator("person_key_secret")
    @classmethod
    def _secret_fit_for_environment(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if info.data.get("environment") is Environment.PRODUCTION:
            secret = value.get_secret_value()
            if secret == DEV_PERSON_KEY_SECRET:
                raise ValueError("the development default is not allowed when ROPO_ENV=production")
            if len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
                raise ValueError(
                    f"must be at least {MIN_PRODUCTION_SECRET_LENGTH} characters in production"
                )
        return value

    @property
    def grpc_address(self) -> str:
        """``host:port`` to bind the gRPC server to."""
        return f"{self.grpc_host}:{self.grpc_port}"

    @property
    def tracing_service_name(self) -> str:
        """``OTEL_SERVICE_NAME`` when set, else ``service_name``."""
        return self.otel_service_name or self.service_name

    @property
    def person_key_secret_bytes(self) -> bytes:
        """The pseudonym secret as bytes for ``ropo_platform.pseudonym.person_key``."""
        return self.person_key_secret.get_secret_value().encode("utf-8")

    @classmethod
    def env_var_name(cls, field: str) -> str:
        """The environment variable that sets ``field`` (e.g. ``ROPO_INVOICE_GRPC_PORT``)."""
        aliased = cls.ALIASED_ENV.get(field)
        if aliased is not None:
            return aliased
        prefix = str(cls.model_config.get("env_prefix", ""))
        return f"{prefix}{field}".upper()


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)

_SECRET_HINTS = ("secret", "password", "key", "token")


def _describe_input(field: str, value: Any) -> str:
    if any(hint in field for hint in _SECRET_HINTS) or isinstance(value, dict):
        return ""
    text = repr(value)
    return f" (got {text[:60]}{'…' if len(text) > 60 else ''})"


def format_validation_error(cls: type[ServiceSettings], error: ValidationError) -> list[str]:
    """One readable line per bad variable: ``ROPO_INVOICE_GRPC_PORT: <problem> (got 'x')``."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else ""
        field_name = _aliased_env_field(cls, field)
        variable = cls.env_var_name(field_name) if field_name else cls.__name__
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{variable}: {message}{_describe_input(field_name, item.get('input'))}")
    return lines


def _aliased_env_field(cls: type[ServiceSettings], loc: str) -> str:
    # Errors are reported under the alias that was tried first (e.g. "ROPO_ENV").
    for field, variable in cls.ALIASED_ENV.items():
        if loc == variable:
            return field
    return loc


def load_settings(
    cls: type[SettingsT], *, stderr: TextIO | None = None, **overrides: Any
) -> SettingsT:
    """Build ``cls`` from the environment; on bad configuration print one line per problem
    to stderr and exit with status 2 (fail fast, before any port or file is opened).

    ``overrides`` are passed to the constructor (tests and CLI flags).
    """
    out = stderr if stderr is not None else sys.stderr
    try:
        return cls(**overrides)
    except ValidationError as error:
        for line in format_validation_error(cls, error):
            print(f"configuration error: {line}", file=out)
    except SettingsError as error:
        # Raised before validation, e.g. a value that should be JSON is not.
        print(f"configuration error: {error}", file=out)
    raise SystemExit(2)


#: Bytes of an AES-256 key (the services' henkilötunnus encryption keys).
AES_KEY_BYTES = 32


def validated_aes_key(value: SecretStr, environment: object, development_default: str) -> SecretStr:
    """Check a base64 AES-256 key setting: it decodes to 32 bytes, and in production it is not
    the public development default (the services ship one so that ``make up`` needs no setup)."""
    try:
        key = base64.b64decode(value.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64") from None
    if len(key) != AES_KEY_BYTES:
        raise ValueError(f"must decode to {AES_KEY_BYTES} bytes")
    if environment is Environment.PRODUCTION and value.get_secret_value() == development_default:
        raise ValueError("the development default is not allowed when ROPO_ENV=production")
    return value


def aes_key_bytes(value: SecretStr) -> bytes:
    """The raw key of a setting checked by ``validated_aes_key``."""
    return base64.b64decode(value.get_secret_value())


__all__ = [
    "AES_KEY_BYTES",
    "DEV_PERSON_KEY_SECRET",
    "Environment",
    "LogFormat",
    "LogLevel",
    "ServiceSettings",
    "aes_key_bytes",
    "format_validation_error",
    "load_settings",
    "validated_aes_key",
]
