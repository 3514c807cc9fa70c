from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incident management"

    def ready(self) -> None:
        """Declare to core what its generic parts need to know of incidents: the labels of the choice fields
        the journal keeps as codes, and the page a reference to an incident links to."""
        from core import journal, references
        from core.models import TicketKind
        from incidents.choices import Channel, HoldReason, ResolutionCode, State

        journal.register_choices(
            TicketKind.INCIDENT, state=State.choices, hold_reason=HoldReason.choices,
            resolution_code=ResolutionCode.choices, channel=Channel.choices,
        )
        references.register_page(TicketKind.INCIDENT, "agent-incident")
