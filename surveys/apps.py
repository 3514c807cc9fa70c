from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Satisfaction surveys"

    def ready(self) -> None:
        """A ticket resolved invites its requester (core.services.ticket_moved); the agent page of a resolved
        ticket shows its satisfaction answer."""
        from core import kinds
        from core.services import ticket_moved
        from surveys.services import invite_on_resolution
        from surveys.views import side_panels

        ticket_moved.connect(invite_on_resolution, dispatch_uid="surveys.invite_on_resolution")
        kinds.add_panel_provider(side_panels)
