"""Fixtures of the core tests: `wsgi_app` (Django's WSGI application inside the test's transaction)."""

from tests.core.schema_support import wsgi_app_fixture  # noqa: F401 (registers the fixture)
