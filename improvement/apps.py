from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = "Continual improvement"

    def ready(self) -> None:
        """Register the KPIs this app computes itself (the tickets', SLA, changes, knowledge)."""
        from improvement.kpis import builtin

        builtin.register_all()
