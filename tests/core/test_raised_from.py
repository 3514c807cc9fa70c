"""core.raised_from for a kind declared only here: a chore raised from incidents gets the raise / link services,
the incident queue's bulk actions and the pages' routes, with the access rule, by declaring `raised_from`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import raised_from
from core.models import LinkKind, Ticket, TicketKind, TicketLink
from tests.core.test_kinds import ChoreKind, registered


class ChoreFromIncidents(ChoreKind):
    """A chore raised from incidents (an incident "related to" its chore); remembers what followed each link."""

    raised_from = {TicketKind.INCIDENT: LinkKind.RELATED}

    def __init__(self) -> None:
        super().__init__()
        self.linked: list[tuple[str, str]] = []

    def after_link(self, ticket, source, actor) -> None:
        self.linked.append((ticket.number, source.number))


@pytest.fixture
def chores():
    with registered(ChoreFromIncidents()) as kind:
        yield kind


def chore_links(chore: Ticket) -> list[str]:
    return sorted(TicketLink.objects.filter(target=chore, kind=LinkKind.RELATED)
                  .values_list("source__number", flat=True))


@pytest.mark.django_db
def test_a_ticket_raised_from_others_takes_the_first_ones_fields_and_links_them_all(
        chores, agent_a, requester_a, make_incident, service_vpn):
    first = make_incident(requester_a, title="VPN drops at 17:00", service=service_vpn, urgency=2)
    second = make_incident(requester_a, title="VPN drops again")
    chore, raised = raised_from.raise_or_link(chores, agent_a, [first, second])
    assert raised and chore.kind == TicketKind.TASK
    assert (chore.title, chore.service_id, chore.urgency) == ("VPN drops at 17:00", service_vpn.pk, 2)
    assert chore_links(chore) == sorted([first.number, second.number])
    assert chores.linked == [(chore.number, first.number), (chore.number, second.number)]  # the hook followed
    # linking again changes nothing and says so
    assert raised_from.link_source(chores, chore, first, agent_a) is False
    assert len(chores.linked) == 2


@pytest.mark.django_db
def test_linking_to_a_ticket_that_is_not_open_or_not_visible_is_refused_by_name(
        chores, agent_a, requester_a, requester_b, make_incident, service_vpn):
    incident = make_incident(requester_a, title="Printer jams")
    chore, _ = raised_from.raise_or_link(chores, agent_a, [incident])
    Ticket.objects.filter(pk=chore.pk).update(state="dropped", active=False)
    later = make_incident(requester_a, title="Printer jams again")
    with pytest.raises(ValidationError) as refused:
        raised_from.raise_or_link(chores, agent_a, [later], chore.number.lower())
    assert refused.value.message_dict == {"task": [f"{chore.number} is dropped: link incidents to an open chore."]}
    hidden = make_incident(requester_b, title="Another organization's", service=service_vpn)
    with pytest.raises(ValidationError) as unseen:
        raised_from.visible_sources(chores, agent_a, [hidden.number, later.number], "numbers")
    assert unseen.value.message_dict == {"numbers": [f"No incident {hidden.number} that you can see."]}
    assert chore_links(chore) == [incident.number]


@pytest.mark.django_db
@pytest.mark.urls("tests.core.raised_chore_urls")
def test_the_source_queue_offers_raising_and_linking_to_the_desk_only(chores, agent_a, requester_a):
    labels = [action["label"] for action in chores.bulk_actions(TicketKind.INCIDENT, agent_a)]
    assert labels == ["Raise a chore from the selected incidents", "Link the selected incidents to a chore"]
    assert chores.bulk_actions(TicketKind.INCIDENT, requester_a) == []
    assert chores.bulk_actions(TicketKind.PROBLEM, agent_a) == []  # not raised from problems


@pytest.mark.django_db
@pytest.mark.urls("tests.core.raised_chore_urls")
def test_the_routes_raise_from_ticked_rows_and_from_one_page(chores, client, agent_a, requester_a, make_incident):
    first = make_incident(requester_a, title="Plants dry in room 4")
    second = make_incident(requester_a, title="Plants dry in room 5")
    client.force_login(agent_a)
    raised = client.post(reverse("agent-chores-new"), {"numbers": [second.number, first.number], "mode": "raise"})
    chore = Ticket.objects.get(kind=TicketKind.TASK)
    assert raised["Location"] == f"/chores/{chore.number}/"
    assert chore.title == "Plants dry in room 4"  # the oldest ticked row
    third = make_incident(requester_a, title="Plants dry in room 6")
    linked = client.post(reverse("agent-incident-task", args=[third.number]), {"mode": "link", "task": chore.number})
    assert linked["Location"] == f"/chores/{chore.number}/"
    assert chore_links(chore) == sorted([first.number, second.number, third.number])
    client.force_login(requester_a)  # not the desk
    assert client.post(reverse("agent-chores-new"), {"numbers": [third.number]}).status_code == 403
