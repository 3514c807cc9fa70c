from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge"

    def ready(self) -> None:
        """Declare the knowledge article kind to the core."""
        from core import kinds
        from knowledge.kind import ARTICLE

        kinds.register(ARTICLE)
