"""A user's access-rule inputs (watched tickets, teams) and their session are read from the process's copy and
Redis instead of PostgreSQL on every page (core.models._kept_input, core.sessions), without ever showing a
ticket the user may no longer see, or hiding one they may now see."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import services as core_services
from core.breaker import redis_breaker

pytestmark = pytest.mark.django_db


def page_queries(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def reads(queries: list[str], table: str) -> bool:
    return any(f'FROM "{table}"' in sql for sql in queries)


@pytest.mark.django_db(transaction=True)  # kept only from committed data: the test's writes must commit
def test_a_reload_reads_no_session_watchers_or_teams(client, agent_a, requester_a, make_incident):
    incident = make_incident(requester_a)
    client.force_login(agent_a)
    url = reverse("agent-incident", args=[incident.number])
    page_queries(client, url)
    _html, queries = page_queries(client, url)
    assert not reads(queries, "django_session")
    assert not any('WHERE "core_watcher"."user_id" =' in sql for sql in queries)  # the tickets agent_a watches
    assert not any('WHERE "accounts_team_members"."user_id" =' in sql for sql in queries)  # agent_a's teams


def test_watching_shows_the_ticket_at_once_and_unwatching_hides_it(client, agent_b, requester_a, make_incident):
    incident = make_incident(requester_a)  # the Service Desk's: agent_b (Network) sees it only by watching
    client.force_login(agent_b)
    url = reverse("agent-incident", args=[incident.number])
    assert client.get(url).status_code == 404
    core_services.add_watcher(incident, agent_b, agent_b)
    assert client.get(url).status_code == 200
    core_services.remove_watcher(incident, agent_b, agent_b)
    assert client.get(url).status_code == 404


def test_a_new_team_shows_its_tickets_at_once_and_leaving_hides_them(client, agent_b, requester_a, make_incident,
                                                                    team_service_desk):
    incident = make_incident(requester_a)
    client.force_login(agent_b)
    url = reverse("agent-incident", args=[incident.number])
    assert client.get(url).status_code == 404
    team_service_desk.members.add(agent_b)
    assert client.get(url).status_code == 200
    team_service_desk.members.remove(agent_b)
    assert client.get(url).status_code == 404


def test_without_redis_the_pages_read_postgresql(client, agent_a, requester_a, make_incident, monkeypatch):
    incident = make_incident(requester_a)
    client.force_login(agent_a)
    url = reverse("agent-incident", args=[incident.number])
    page_queries(client, url)
    monkeypatch.setattr(redis_breaker, "allow", lambda: False)  # Redis away: skipped
    html, queries = page_queries(client, url)
    assert incident.number in html
    assert reads(queries, "django_session") and reads(queries, "accounts_team")


def test_signing_out_ends_the_session_kept_in_redis(client, agent_a):
    client.force_login(agent_a)
    assert client.get(reverse("agent-home")).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get(reverse("agent-home"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_any_lookup_matches_as_an_in_list_does(agent_a, requester_a, make_incident):
    from core.models import Ticket

    first, second = make_incident(requester_a), make_incident(requester_a)
    numbers = [first.number, "INC9999999"]
    assert list(Ticket.objects.filter(number__any=numbers)) == list(Ticket.objects.filter(number__in=numbers))
    assert list(Ticket.objects.filter(number__any=[])) == []
    assert second not in Ticket.objects.filter(number__any=numbers)


@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_redis_was_away_is_seen_once_it_is_back(client, agent_a, requester_a, make_incident,
                                                                    team_service_desk, monkeypatch):
    incident = make_incident(requester_a)
    client.force_login(agent_a)
    url = reverse("agent-incident", args=[incident.number])
    assert client.get(url).status_code == 200  # agent_a's teams are kept now
    with monkeypatch.context() as away:
        away.setattr(redis_breaker, "allow", lambda: False)  # the change cannot start a new generation
        team_service_desk.members.remove(agent_a)
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_nothing_read_in_a_transaction_that_is_rolled_back_is_kept(client, agent_b, requester_a, make_incident):
    from django.db import transaction

    from core.models import Ticket, Watcher

    incident = make_incident(requester_a)  # the Service Desk's: agent_b (Network) does not see it
    client.force_login(agent_b)
    url = reverse("agent-incident", args=[incident.number])
    assert client.get(url).status_code == 404
    with pytest.raises(RuntimeError), transaction.atomic():
        Watcher.objects.create(ticket=incident, user=agent_b)
        fresh = type(agent_b).objects.get(pk=agent_b.pk)
        assert Ticket.objects.visible_to(fresh).filter(pk=incident.pk).exists()
        raise RuntimeError("rolled back")
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_watchers_added_through_the_ticket_are_seen_at_once(client, agent_b, requester_a, make_incident):
    incident = make_incident(requester_a)
    client.force_login(agent_b)
    url = reverse("agent-incident", args=[incident.number])
    assert client.get(url).status_code == 404
    incident.watchers.add(agent_b)  # the many-to-many manager: no save signal of a Watcher
    assert client.get(url).status_code == 200


def test_the_signed_in_users_teams_are_forgotten_on_the_user_behind_the_lazy_wrapper(agent_a, team_network):
    from django.utils.functional import SimpleLazyObject

    from core.models import user_team_ids

    lazy = SimpleLazyObject(lambda: agent_a)
    before = user_team_ids(lazy)
    lazy.teams.add(team_network)
    assert set(user_team_ids(lazy)) == {*before, team_network.pk}


def test_a_sign_out_reaches_redis_even_while_the_breaker_is_open(client, agent_a, monkeypatch):
    client.force_login(agent_a)
    assert client.get(reverse("agent-home")).status_code == 200
    cookie = client.cookies["sessionid"].value
    monkeypatch.setattr(redis_breaker, "allow", lambda: False)
    client.post(reverse("logout"))
    monkeypatch.undo()
    client.cookies["sessionid"] = cookie
    response = client.get(reverse("agent-home"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_session_read_just_before_its_sign_out_is_not_put_back(client, agent_a):
    from django.core.cache import cache

    from core.sessions import SessionStore

    client.force_login(agent_a)
    key = client.cookies["sessionid"].value
    cache.delete(SessionStore.cache_key_prefix + key)  # not in Redis yet: the next read fills it
    reader = SessionStore(key)
    read_row = reader._get_session_from_db

    def read_then_sign_out():  # the row is read, then another request signs out before the copy is kept
        row = read_row()
        SessionStore(key).delete()
        return row

    reader._get_session_from_db = read_then_sign_out
    assert reader.load()  # what it read
    assert SessionStore(key).load() == {}  # but nobody can use the session any more
