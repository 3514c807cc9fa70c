from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incident management"

    def ready(self) -> None:
        from core import kinds
        from incidents.kind import INCIDENT

        kinds.register(INCIDENT)
