from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "availability"
    verbose_name = "Availability"

    def ready(self) -> None:
        """Follow incident writes (core.services.ticket_changed) and the CIs they affect (cmdb.AffectedCI): a major
        incident or a monitoring incident on a service's CI records an outage of the service, ended when it is
        resolved (availability.recording)."""
        from django.db.models.signals import post_delete, post_save

        from availability import recording
        from cmdb.models import AffectedCI
        from core.services import ticket_changed

        ticket_changed.connect(recording.follow_ticket, dispatch_uid="availability.follow_ticket")
        post_save.connect(recording.follow_affected_ci, sender=AffectedCI, dispatch_uid="availability.affected_save")
        post_delete.connect(recording.follow_affected_ci, sender=AffectedCI,
                            dispatch_uid="availability.affected_delete")
