from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = "Continual improvement"

    def ready(self) -> None:
        """Register the KPIs this app computes itself (the tickets', SLA, changes, knowledge), then those of the
        other apps (surveys, availability, costs, capacity)."""
        from improvement import receivers
        from improvement.kpis import builtin, contributed

        builtin.register_all()
        contributed.register_all()
        receivers.connect()
