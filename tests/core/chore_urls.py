"""URLs of the test-only "chore" kind (tests/core/test_kinds.py): the project's, plus the child endpoints core
gives any kind that declares itself."""

from django.urls import include, path

from core.api.children import child_routes
from itsm.urls import urlpatterns as project_urls
from tests.core.test_kinds import ChoreKind

urlpatterns = [path("api/v1/", include(child_routes(ChoreKind(), "chores"))), *project_urls]
