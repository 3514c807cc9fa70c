from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "capacity"
    verbose_name = "Capacity management"

    def ready(self) -> None:
        """Monitoring's metric alerts record samples (events.signals.event_processed)."""
        from capacity import alerts
        from events.signals import event_processed

        event_processed.connect(alerts.record_from_event, dispatch_uid="capacity.record_from_event")
