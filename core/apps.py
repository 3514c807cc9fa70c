from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Service desk core"

    def ready(self) -> None:
        # registers the system checks; connects the worker heartbeat and the reference choices' invalidation
        from core import checks, reference_cache, signals  # noqa: F401
