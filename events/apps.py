from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Event management"

    def ready(self) -> None:
        """An incident raised by monitoring shows its alert on its page."""
        from core import kinds
        from events.panel import side_panels

        kinds.add_panel_provider(side_panels)
