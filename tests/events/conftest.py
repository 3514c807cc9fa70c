import pytest

from accounts.roles import Role
from cmdb.models import CIClass, ConfigurationItem
from core import clock
from tests.factories import UserFactory


@pytest.fixture
def integration(team_network):
    """The integration's own user: an agent in no team, as the API docs recommend."""
    return UserFactory(username="alertmanager", role=Role.AGENT)


@pytest.fixture
def server_class(db):
    return CIClass.objects.create(name="Server", slug="server")


@pytest.fixture
def make_ci(server_class):
    def make(name: str, **fields) -> ConfigurationItem:
        now = clock.now()
        return ConfigurationItem.objects.create(name=name, ci_class=server_class, created_at=now, updated_at=now,
                                                **fields)
    return make
