from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = "Problem management"

    def ready(self) -> None:
        """Declare the problem kind to the core, and follow incidents reopened after their problem's fix."""
        from core import kinds
        from core.services import ticket_moved
        from problems.kind import PROBLEM
        from problems.services import flag_reopened_incident

        kinds.register(PROBLEM)
        ticket_moved.connect(flag_reopened_incident, dispatch_uid="problems.flag_reopened_incident")
