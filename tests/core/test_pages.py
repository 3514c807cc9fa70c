import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOMES = ["portal-home", "agent-home", "manager-home", "admin-home"]
# Everyone may use the portal (agents raise their own tickets too); the other homes follow the role ladder.
ALLOWED = {
    "requester_a": {"portal-home"},
    "agent_a": {"portal-home", "agent-home"},
    "manager": {"portal-home", "agent-home", "manager-home"},
    "admin": {"portal-home", "agent-home", "manager-home", "admin-home"},
}


@pytest.mark.parametrize("name", list(ALLOWED))
def test_home_pages_by_role(client, users, name):
    client.force_login(users[name])
    for page in HOMES:
        response = client.get(reverse(page))
        expected = 200 if page in ALLOWED[name] else 403
        assert response.status_code == expected, (name, page)
        if expected == 403:
            assert "Not allowed" in response.content.decode()


def test_anonymous_users_are_sent_to_login(client, db):
    for page in [*HOMES, "home", "profile"]:
        response = client.get(reverse(page))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_root_redirects_to_the_role_home(client, users):
    client.force_login(users["manager"])
    assert client.get("/")["Location"] == reverse("manager-home")


def test_navigation_shows_only_what_the_role_may_open(client, users):
    client.force_login(users["requester_a"])
    html = client.get(reverse("portal-home")).content.decode()
    assert ">Portal<" in html and ">Workspace<" not in html and ">Administration<" not in html
    client.force_login(users["admin"])
    html = client.get(reverse("admin-home")).content.decode()
    assert ">Workspace<" in html and ">Dashboards<" in html and ">Administration<" in html


def test_portal_shows_the_organization(client, users):
    client.force_login(users["requester_a"])
    html = client.get(reverse("portal-home")).content.decode()
    assert "Acme" in html and "Colleagues in Acme" in html


def test_agent_home_lists_only_the_agents_teams(client, users):
    client.force_login(users["agent_a"])
    html = client.get(reverse("agent-home")).content.decode()
    assert "Service Desk" in html and "Network" not in html


def test_styled_404(client, users, settings):
    settings.DEBUG = False
    client.force_login(users["agent_a"])
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_styled_500(users, settings):
    from django.test import Client

    from core.views import error_500

    settings.DEBUG = False
    response = error_500(Client().get("/").wsgi_request)
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_security_headers(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts(client, users):
    import re

    for name, page in [("requester_a", "portal-home"), ("admin", "admin-home"), ("agent_a", "profile")]:
        client.force_login(users[name])
        html = client.get(reverse(page)).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, tag
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_csrf_is_enforced_on_form_posts(users, password):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "agent_a", "password": password})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_times_are_shown_in_the_users_time_zone(client, users):
    from zoneinfo import ZoneInfo

    from accounts.services import issue_token

    users["agent_a"].time_zone = "Asia/Tokyo"
    users["agent_a"].save()
    token, _raw = issue_token(users["agent_a"], "tz check")
    client.force_login(users["agent_a"])
    html = client.get(reverse("profile")).content.decode()
    assert token.created_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M") in html


def test_django_admin_is_for_admins_only(client, users):
    client.force_login(users["admin"])
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    client.force_login(users["manager"])
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
