from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Service desk core"

    def ready(self) -> None:
        from core import signals  # noqa: F401  (connects the worker heartbeat)
