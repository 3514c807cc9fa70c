import pytest
from django.urls import reverse

from core import health

pytestmark = pytest.mark.django_db


def test_healthz_green_when_every_part_is_alive(client):
    health.record_worker_heartbeat("worker@test")
    health.record_scheduler_heartbeat()
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert set(body["checks"]) == {"database", "redis", "worker", "scheduler"}


def test_healthz_names_the_missing_worker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["down"] == ["worker", "scheduler"]
    assert "no worker heartbeat" in response.json()["checks"]["worker"]["detail"]


def test_healthz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["down"]
    assert body["checks"]["redis"]["detail"].startswith("unreachable")
    assert body["checks"]["database"]["ok"] is True


def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    from django.db import connection

    real = connection.get_connection_params

    def unreachable():
        params = real()
        params["port"] = 1
        return params

    monkeypatch.setattr(connection, "get_connection_params", unreachable)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert "database" in response.json()["down"]


def test_worker_heartbeat_thread_publishes_and_clears(settings):
    beat = health.WorkerHeartbeat("celery@unit")
    beat.start()
    try:
        for _ in range(50):
            if health.check_worker()[0]:
                break
            import time

            time.sleep(0.05)
        assert health.check_worker() == (True, "ok (1 worker)")
    finally:
        beat.stop()
    assert health.check_worker()[0] is False


def test_healthz_is_public_and_not_cached(client):
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
