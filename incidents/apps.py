from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incident management"

    def ready(self) -> None:
        """Declare the incident kind to the core (core.kinds): its workflow, pages, journal labels and hooks."""
        from core import kinds
        from incidents.kind import INCIDENT

        kinds.register(INCIDENT)
