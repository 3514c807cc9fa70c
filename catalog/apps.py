from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Service catalog"

    def ready(self) -> None:
        """Declare requests, requested items and their tasks to the core."""
        from catalog.kinds import CATALOG_TASK, REQUEST, REQUESTED_ITEM
        from core import kinds

        kinds.register(REQUEST)
        kinds.register(REQUESTED_ITEM)
        kinds.register(CATALOG_TASK)
