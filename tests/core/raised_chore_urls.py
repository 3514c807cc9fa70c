"""URLs of the test-only chore kind raised from incidents (tests/core/test_raised_from.py): the project's, plus
the routes core.raised_from gives a kind that declares what it is raised from."""

from core import raised_from
from itsm.urls import urlpatterns as project_urls
from tests.core.test_raised_from import ChoreFromIncidents

urlpatterns = [*raised_from.urls(ChoreFromIncidents()), *project_urls]
