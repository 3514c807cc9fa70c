"""Celery worker signals: start and stop the worker's heartbeat."""

from __future__ import annotations

from celery.signals import worker_ready, worker_shutdown

from core.health import WorkerHeartbeat

_heartbeat: WorkerHeartbeat | None = None


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    global _heartbeat
    hostname = getattr(sender, "hostname", None)
    _heartbeat = WorkerHeartbeat(hostname)
    _heartbeat.start()


@worker_shutdown.connect
def stop_heartbeat(sender=None, **kwargs) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
