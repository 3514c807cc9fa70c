from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "Service level management"

    def ready(self) -> None:
        """Follow every ticket write of every kind (core.services.commit sends `ticket_changed`)."""
        from core.services import ticket_changed
        from sla.services import follow_ticket_change

        ticket_changed.connect(follow_ticket_change, dispatch_uid="sla.follow_ticket_change")
