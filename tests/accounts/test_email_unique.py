"""E-mail addresses are unique whatever their case: the database refuses a second account with an address,
the profile page names the field, and the migration settles duplicates that existed before."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import EMAIL_TAKEN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_account_with_the_same_address_in_another_case(requester_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="copycat", email=requester_a.email.upper())


def test_several_accounts_may_have_no_address(db):
    UserFactory(username="nomail1", email="")
    UserFactory(username="nomail2", email="")


def test_profile_refuses_an_address_another_account_uses(client, requester_a, requester_b):
    client.force_login(requester_b)
    response = client.post(reverse("profile"), {
        "first_name": "B", "last_name": "B", "email": f"  {requester_a.email.upper()} ", "time_zone": "UTC",
    })
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] == [EMAIL_TAKEN]
    requester_b.refresh_from_db()
    assert requester_b.email == "requester_b@example.com"


def test_profile_keeps_my_own_address_in_another_case(client, requester_a):
    client.force_login(requester_a)
    response = client.post(reverse("profile"), {
        "first_name": "A", "last_name": "A", "email": requester_a.email.upper(), "time_zone": "UTC",
    })
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_the_address_on_the_oldest_active_account_and_clears_the_others():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old = executor.loader.project_state([("accounts", "0001_initial")]).apps.get_model("accounts", "User")
    first = old.objects.create(username="first", email="Same@Example.com", is_active=True)
    inactive = old.objects.create(username="inactive", email="same@example.com", is_active=False)
    later = old.objects.create(username="later", email="SAME@example.com ", is_active=True)
    other = old.objects.create(username="other", email=" other@example.com", is_active=True)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    emails = dict(old.objects.values_list("username", "email"))
    assert emails["first"] == "Same@Example.com"
    assert emails["inactive"] == emails["later"] == ""
    assert emails["other"] == "other@example.com"
    assert {first.pk, inactive.pk, later.pk, other.pk}
