"""Fixtures of the manifest tests: every overlay rendered once per session.

The tests need ``kubectl`` (its built-in kustomize renders the overlays offline, no
cluster); without it they are skipped with that reason.
"""

from __future__ import annotations

import pytest
from k8s_manifests import OVERLAYS, Manifests, RenderError, kubectl, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, Manifests]:
    if kubectl() is None:
        pytest.skip("kubectl is not installed: the overlays cannot be rendered")
    overlays: dict[str, Manifests] = {}
    for overlay in OVERLAYS:
        try:
            overlays[overlay] = Manifests(overlay, tuple(render(overlay)))
        except RenderError as error:
            pytest.fail(f"kubectl kustomize deploy/k8s/overlays/{overlay} failed:\n{error}")
    return overlays


@pytest.fixture(scope="session")
def prod(rendered: dict[str, Manifests]) -> Manifests:
    return rendered["prod"]


@pytest.fixture(scope="session")
def dev(rendered: dict[str, Manifests]) -> Manifests:
    return rendered["dev"]


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest, rendered: dict[str, Manifests]) -> Manifests:
    manifests: Manifests = rendered[request.param]
    return manifests
