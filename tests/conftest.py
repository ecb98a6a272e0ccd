"""Root conftest: registers the shared fixtures (they live in ropo_platform.testing)
and pytest's own ``pytester`` for the tests of those fixtures."""

pytest_plugins = ["ropo_platform.testing.pytest_plugin", "pytester"]
