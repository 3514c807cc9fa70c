"""A new password revokes the user's API tokens, whichever way it was set; the pages say so beforehand."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import issue_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW = "a-much-better-secret-42"


def api_for(user) -> tuple[APIClient, APIClient]:
    """Two token clients of `user` (two tokens), both working."""
    clients = []
    for name in ("ci", "monitoring"):
        _token, raw = issue_token(user, name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        assert client.get("/api/v1/me/").status_code == 200
        clients.append(client)
    return clients[0], clients[1]


def assert_revoked(user, *clients) -> None:
    for client in clients:
        assert client.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.active().filter(user=user).exists()


def test_the_password_change_form_revokes_the_tokens_and_says_so(client, agent_a, password):
    apis = api_for(agent_a)
    bystander = UserFactory(username="bystander")
    other = api_for(bystander)
    client.force_login(agent_a)
    page = client.get(reverse("password_change")).content.decode()
    assert "Changing your password revokes your 2 API tokens" in page
    assert "Changing your password revokes your 2 API tokens." in client.get(reverse("profile")).content.decode()
    response = client.post(reverse("password_change"),
                           {"old_password": password, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert response.status_code == 200
    assert "Your 2 API tokens were revoked" in response.content.decode()
    assert_revoked(agent_a, *apis)
    assert all(api.get("/api/v1/me/").status_code == 200 for api in other)  # nobody else's


def test_a_refused_password_change_revokes_nothing(client, agent_a):
    apis = api_for(agent_a)
    client.force_login(agent_a)
    response = client.post(reverse("password_change"),
                           {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200
    assert all(api.get("/api/v1/me/").status_code == 200 for api in apis)


def test_the_password_reset_link_revokes_the_tokens(client, requester_a):
    apis = api_for(requester_a)
    client.post(reverse("password_reset"), {"email": requester_a.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    assert "revokes the API tokens" in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "Your 2 API tokens were revoked" in response.content.decode()
    assert_revoked(requester_a, *apis)


def test_the_admin_setting_a_password_revokes_the_tokens(client, admin_user, agent_a):
    apis = api_for(agent_a)
    client.force_login(admin_user)
    url = f"/admin/accounts/user/{agent_a.pk}/password/"
    response = client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert_revoked(agent_a, *apis)


def test_the_changepassword_command_revokes_the_tokens(agent_a, monkeypatch):
    apis = api_for(agent_a)
    monkeypatch.setattr("django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda *a, **k: NEW)
    call_command("changepassword", agent_a.username, stdout=None)
    assert_revoked(agent_a, *apis)


def test_code_that_sets_a_password_revokes_the_tokens(agent_a):
    apis = api_for(agent_a)
    agent_a.set_password(NEW)
    agent_a.save()
    assert_revoked(agent_a, *apis)


def test_other_saves_and_hash_upgrades_keep_the_tokens(client, agent_a, password, settings):
    apis = api_for(agent_a)
    agent_a.first_name = "Renamed"
    agent_a.save()
    # a stored hash of an older hasher is upgraded at sign-in: same password, tokens kept
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.filter(pk=agent_a.pk).update(password=make_password(password, hasher="md5"))
    user = User.objects.get(pk=agent_a.pk)
    assert user.check_password(password)
    assert User.objects.get(pk=agent_a.pk).password.startswith("pbkdf2_")
    assert all(api.get("/api/v1/me/").status_code == 200 for api in apis)
