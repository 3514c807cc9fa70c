"""API throttles: open when Redis is away (with a circuit breaker), keyed by the client behind trusted proxies."""

from __future__ import annotations

import time

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from core.breaker import redis_breaker
from core.net import client_ip

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    yield
    redis_breaker.reset()


def test_api_reads_and_writes_while_redis_is_down(redis_down, token_client, requester_a, caplog):
    client = token_client(requester_a)
    redis_breaker.reset()  # the fixtures' writes (saving the user) already found Redis away: start closed again
    started = time.monotonic()
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/incidents/").status_code == 200
    created = client.post("/api/v1/incidents/", {"title": "Printer", "description": "jammed"}, format="json")
    assert created.status_code == 201, created.content
    assert time.monotonic() - started < 10
    assert redis_breaker.is_open
    assert "Redis is unreachable" in caplog.text


def test_the_breaker_skips_redis_after_a_failure(redis_down, token_client, requester_a, monkeypatch):
    client = token_client(requester_a)
    assert client.get("/api/v1/me/").status_code == 200
    calls = []
    original = SimpleRateThrottle.allow_request
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, *a: calls.append(1) or original(self, *a))
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
    assert calls == []  # open breaker: the cache is not even tried


def test_the_breaker_closes_when_redis_is_back(token_client, requester_a, monkeypatch):
    redis_breaker.failure(OSError("test"))
    monkeypatch.setattr(redis_breaker, "reset_after", 0)
    assert token_client(requester_a).get("/api/v1/me/").status_code == 200
    assert not redis_breaker.is_open


def request_from(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(("trusted", "remote", "forwarded", "expected"), [
    ([], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # no trusted proxy: the header is ignored
    (["10.0.0.0/8"], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not from a trusted proxy
    (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4", "1.2.3.4"),
    (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.1", "1.2.3.4"),  # the spoofed left part is skipped
    (["10.0.0.2"], "10.0.0.2", "garbage", "10.0.0.2"),
    (["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),
    (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
])
def test_client_ip(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(request_from(remote, forwarded)) == expected


def test_a_new_forwarded_for_value_is_not_a_new_client(api_client, monkeypatch, settings):
    settings.TRUSTED_PROXIES = []
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    statuses = [api_client.get("/api/v1/schema/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(api_client, monkeypatch, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    statuses = [api_client.get("/api/v1/schema/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
                for i in range(4)]
    assert statuses == [200] * 4
    same = [api_client.get("/api/v1/schema/", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code for _ in range(4)]
    assert same == [200, 200, 200, 429]


def test_the_login_lockout_uses_the_same_client_address(client, agent_a, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "agent_a", "password": "nope"}, HTTP_X_FORWARDED_FOR="192.0.2.1")
    locked = client.post(reverse("login"), {"username": "agent_a", "password": "nope"},
                         HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert "locked" in locked.content.decode()
    other = client.post(reverse("login"), {"username": "agent_a", "password": "nope"},
                        HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert "locked" not in other.content.decode()
