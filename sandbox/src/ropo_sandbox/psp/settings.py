"""Callback behaviour that tests and operators change at run time (``/psp/control/settings``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.psp.signing import SIGNED_PREFIX

MAX_DUPLICATES = 20
MAX_DELAY_SECONDS = 900.0
# The sandbox writes these itself; an extra parameter must not replace one.
RESERVED_PARAMETERS = frozenset(
    {
        "checkout-account",
        "checkout-algorithm",
        "checkout-amount",
        "checkout-stamp",
        "checkout-reference",
        "checkout-transaction-id",
        "checkout-status",
        "checkout-provider",
    }
)


class InvalidSettings(ValueError):
    """A ``PUT /psp/control/settings`` body breaks a rule."""


@dataclass
class CallbackBehaviour:
    """How the sandbox delivers callbacks; defaults come from ``ROPO_SANDBOX_PSP_*``."""

    delay_seconds: float = 0.0
    duplicates: int = 1
    drop: bool = False
    extra_parameters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: SandboxSettings) -> CallbackBehaviour:
        """The configured defaults."""
        return cls(
            delay_seconds=settings.psp_callback_delay_seconds,
            duplicates=settings.psp_callback_duplicates,
            drop=settings.psp_drop_callbacks,
        )

    def as_json(self) -> dict[str, Any]:
        """The control API's view."""
        return {
            "callbackDelaySeconds": self.delay_seconds,
            "callbackDuplicates": self.duplicates,
            "dropCallbacks": self.drop,
            "extraParameters": dict(self.extra_parameters),
        }

    def update(self, body: Any) -> None:
        """Apply the given fields (all validated before any is changed)."""
        if not isinstance(body, dict):
            raise InvalidSettings("body must be a JSON object")
        unknown = set(body) - set(self.as_json())
        if unknown:
            raise InvalidSettings(f"unknown settings: {', '.join(sorted(unknown))}")
        delay = _delay(body.get("callbackDelaySeconds", self.delay_seconds))
        duplicates = _duplicates(body.get("callbackDuplicates", self.duplicates))
        drop = body.get("dropCallbacks", self.drop)
        if not isinstance(drop, bool):
            raise InvalidSettings("dropCallbacks must be true or false")
        extra = _extra(body.get("extraParameters", self.extra_parameters))
        self.delay_seconds, self.duplicates, self.drop = delay, duplicates, drop
        self.extra_parameters = extra


def _delay(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSettings("callbackDelaySeconds must be a number")
    if not 0 <= value <= MAX_DELAY_SECONDS:
        raise InvalidSettings(f"callbackDelaySeconds must be between 0 and {MAX_DELAY_SECONDS:g}")
    return float(value)


def _duplicates(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSettings("callbackDuplicates must be an integer")
    if not 1 <= value <= MAX_DUPLICATES:
        raise InvalidSettings(f"callbackDuplicates must be between 1 and {MAX_DUPLICATES}")
    return value


def _extra(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidSettings("extraParameters must be an object")
    extra: dict[str, str] = {}
    for key, item in value.items():
        name = str(key).lower()
        if not name.startswith(SIGNED_PREFIX) or name in RESERVED_PARAMETERS:
            raise InvalidSettings("extraParameters keys must be new checkout-* names")
        if not isinstance(item, str):
            raise InvalidSettings("extraParameters values must be strings")
        extra[name] = item
    return extra
