from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = "Change enablement"

    def ready(self) -> None:
        """Declare the change kind to the core."""
        from changes.kind import CHANGE
        from core import kinds

        kinds.register(CHANGE)
