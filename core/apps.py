from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Service desk core"

    def ready(self) -> None:
        from core import checks, signals  # noqa: F401  (registers the system checks; connects the worker heartbeat)
