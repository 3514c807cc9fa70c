from django.apps import AppConfig


class CmdbConfig(AppConfig):
    name = "cmdb"
    verbose_name = "Configuration management"

    def ready(self) -> None:
        """Tickets' pages show the configuration items they affect."""
        from cmdb.ticket_panel import side_panels
        from core import kinds

        kinds.add_panel_provider(side_panels)
