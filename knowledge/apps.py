from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge"

    def ready(self) -> None:
        """Declare the knowledge article kind to the core; known-error articles follow their problems."""
        from core import kinds
        from core.services import ticket_changed
        from knowledge.kind import ARTICLE
        from knowledge.known_errors import follow

        kinds.register(ARTICLE)
        ticket_changed.connect(follow, dispatch_uid="knowledge.follow_known_errors")
