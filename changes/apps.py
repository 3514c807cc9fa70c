from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = "Change enablement"

    def ready(self) -> None:
        """Declare the change, change task and release kinds to the core."""
        from changes.kind import CHANGE
        from changes.release_kind import RELEASE
        from changes.task_kind import CHANGE_TASK
        from core import kinds

        kinds.register(CHANGE)
        kinds.register(CHANGE_TASK)
        kinds.register(RELEASE)
