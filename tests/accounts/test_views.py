import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_login_lands_on_the_home_of_the_role(client, users, password):
    expected = {
        "requester_a": "/portal/",
        "agent_a": "/agent/",
        "manager": "/manager/",
        "admin": "/console/",
    }
    for name, path in expected.items():
        client.logout()
        response = client.post(reverse("login"), {"username": users[name].username, "password": password},
                               follow=True)
        assert response.redirect_chain[-1][0] == path, name
        assert response.status_code == 200


def test_wrong_password_shows_an_error_and_keeps_the_username(client, agent_a):
    response = client.post(reverse("login"), {"username": "agent_a", "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Wrong username or password" in html
    assert 'value="agent_a"' in html


def test_repeated_failures_lock_the_account_out_with_a_clear_message(client, agent_a, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "agent_a", "password": "nope"})
    response = client.post(reverse("login"), {"username": "agent_a", "password": "nope"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "locked for 15 minutes" in response.content.decode()
    # even the right password is refused while locked out
    response = client.post(reverse("login"), {"username": "agent_a", "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # another account from the same address is not affected
    response = client.post(reverse("login"), {"username": "other", "password": "x"})
    assert response.status_code == 200 and "Wrong username or password" in response.content.decode()


def test_token_exchange_failures_count_towards_the_lockout(api_client, agent_a, password, settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token_exchange": "1000/min"})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": "agent_a", "password": "bad"}, format="json")
    response = api_client.post("/api/v1/auth/token/", {"username": "agent_a", "password": password}, format="json")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    assert not ApiToken.objects.filter(user=agent_a).exists()


def test_logout_needs_post_and_ends_the_session(client, agent_a):
    client.force_login(agent_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("agent-home")).status_code == 302


def test_profile_edit(client, requester_a):
    client.force_login(requester_a)
    response = client.post(reverse("profile"), {
        "first_name": "Rita", "last_name": "Quest", "email": "rita@example.com", "phone": "+1 555",
        "time_zone": "Europe/Paris",
    })
    assert response.status_code == 302
    requester_a.refresh_from_db()
    assert (requester_a.first_name, requester_a.time_zone) == ("Rita", "Europe/Paris")


def test_profile_rejects_bad_input_with_a_form_error(client, requester_a):
    client.force_login(requester_a)
    response = client.post(reverse("profile"), {"first_name": "X", "email": "not-an-email", "time_zone": "Mars/Base"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address" in html
    assert "Select a valid choice" in html
    requester_a.refresh_from_db()
    assert requester_a.first_name != "X"


def test_create_and_revoke_a_token_from_the_profile_page(client, agent_a):
    client.force_login(agent_a)
    response = client.post(reverse("token-create"), {"name": "monitoring", "expires_in_days": "30"})
    html = response.content.decode()
    raw = re.search(r"(itsm_[A-Za-z0-9_\-]+)", html).group(1)
    token = ApiToken.objects.get(user=agent_a)
    assert token.name == "monitoring" and token.expires_at is not None
    assert raw not in client.get(reverse("profile")).content.decode()  # shown once only

    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/me/").status_code == 200
    client.post(reverse("token-revoke", args=[token.id]))
    assert api.get("/api/v1/me/").status_code == 401
    assert "revoked" in client.get(reverse("profile")).content.decode()


def test_token_name_is_required(client, agent_a):
    client.force_login(agent_a)
    response = client.post(reverse("token-create"), {"name": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_password_change(client, agent_a, password):
    client.force_login(agent_a)
    new = "a-much-better-secret-42"
    response = client.post(reverse("password_change"),
                           {"old_password": password, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    agent_a.refresh_from_db()
    assert agent_a.check_password("a-much-better-secret-42")


def test_password_reset_by_email(client, requester_a):
    response = client.post(reverse("password_reset"), {"email": requester_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "fresh-start-2026!", "new_password2": "fresh-start-2026!"})
    assert response.status_code == 302
    requester_a.refresh_from_db()
    assert requester_a.check_password("fresh-start-2026!")


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
