"""The risk questionnaire: the answers' weights give the risk (its bands), a normal change answers it before asking
for authorisation, the change manager overrides it with a journaled reason, a plain edit cannot change it; on the
page and through the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from changes import risk
from changes.choices import ChangeType, Risk, State
from changes.kind import CHANGE
from changes.models import ApprovalPolicy, RiskQuestion
from core import writes
from core.models import ApprovalRule, ApproverGroup, JournalEntry
from core.workflow import TransitionError

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}


@pytest.fixture
def questionnaire():
    """Two questions, highest score 8: 0-1 low, 2-3 moderate, 4-5 high, 6-8 very high."""
    users = RiskQuestion.objects.create(text="How many users would an outage affect?", order=1)
    users.answers.create(text="A few", weight=0, order=0)
    users.answers.create(text="A department", weight=2, order=1)
    users.answers.create(text="Everybody", weight=4, order=2)
    backout = RiskQuestion.objects.create(text="Can it be backed out quickly?", order=2)
    backout.answers.create(text="Yes", weight=0, order=0)
    backout.answers.create(text="No", weight=4, order=1)
    retired = RiskQuestion.objects.create(text="Retired question", order=3, active=False)
    retired.answers.create(text="Whatever", weight=9)
    return users, backout


def answer(question, text) -> int:
    return question.answers.get(text=text).pk


def test_the_score_bands_give_the_risk():
    assert [risk.risk_of(score, 8) for score in range(9)] == [
        Risk.LOW, Risk.LOW, Risk.MODERATE, Risk.MODERATE, Risk.HIGH, Risk.HIGH, Risk.VERY_HIGH, Risk.VERY_HIGH,
        Risk.VERY_HIGH]
    assert risk.risk_of(0, 0) == Risk.LOW


def test_the_questionnaire_sets_the_risk_which_then_asks_the_cab(questionnaire, agent_a, agent_b, manager):
    users, backout = questionnaire
    cab = ApproverGroup.objects.create(name="CAB")
    cab.members.set([agent_b])
    ApprovalPolicy.objects.create(change_type=ChangeType.NORMAL, risk="", group=None)  # the manager alone...
    ApprovalPolicy.objects.create(change_type=ChangeType.NORMAL, risk=Risk.HIGH, group=cab, rule=ApprovalRule.ANY)
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP to the new cluster", "risk": Risk.LOW,
                                             "change_manager": manager, **PLANS})
    writes.transition(CHANGE, change, agent_a, State.ASSESS)
    with pytest.raises(TransitionError) as unassessed:
        writes.transition(CHANGE, change, agent_a, State.AUTHORIZE)
    assert unassessed.value.field_errors["risk"] == ["Answer the risk questionnaire before asking for authorisation."]

    with pytest.raises(ValidationError) as missing:
        risk.assess(change, agent_a, {users.pk: answer(users, "Everybody")})
    assert missing.value.message_dict["answers"] == ["Answer “Can it be backed out quickly?”."]
    with pytest.raises(ValidationError) as foreign:
        risk.assess(change, agent_a, {users.pk: answer(backout, "No"), backout.pk: answer(backout, "No")})
    assert "That is not an answer to “How many users would an outage affect?”." in foreign.value.message_dict[
        "answers"]
    risk.assess(change, agent_a, {users.pk: answer(users, "Everybody"), backout.pk: answer(backout, "Yes")})
    change.refresh_from_db()
    assert (change.risk_score, change.risk_computed, change.risk) == (4, Risk.HIGH, Risk.HIGH)
    journal = JournalEntry.objects.filter(ticket_id=change.pk)
    assert journal.filter(field="risk", old_value="low", new_value="high").exists()  # codes: shown as labels
    assert journal.filter(field="risk_score", new_value="4 of 8", internal=True).exists()

    with pytest.raises(ValidationError) as plain_edit:  # the questionnaire's risk changes only by an override
        writes.update(CHANGE, change, agent_a, {"risk": Risk.LOW})
    assert "overrides it with a reason" in str(plain_edit.value)
    writes.transition(CHANGE, change, agent_a, State.AUTHORIZE)
    assert change.approvals.get().group == cab  # high: the CAB, though the policy of its type names none


def test_the_change_manager_overrides_the_risk_with_a_reason(questionnaire, agent_a, manager):
    users, backout = questionnaire
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP", "change_manager": manager, **PLANS})
    risk.assess(change, agent_a, {users.pk: answer(users, "Everybody"), backout.pk: answer(backout, "No")})
    with pytest.raises(PermissionDenied):
        risk.override(change, agent_a, Risk.HIGH, "The vendor runs it.")
    with pytest.raises(ValidationError) as no_reason:
        risk.override(change, manager, Risk.HIGH, "  ")
    assert "reason" in no_reason.value.message_dict
    risk.override(change, manager, Risk.HIGH, "The vendor runs it with us on the phone.")
    change.refresh_from_db()
    assert (change.risk, change.risk_computed) == (Risk.HIGH, Risk.VERY_HIGH)
    assert JournalEntry.objects.filter(ticket_id=change.pk, kind="work_note", internal=True,
                                       body="Risk overridden to high: The vendor runs it with us on the phone."
                                       ).exists()
    # answering again starts from the answers: the override is dropped
    risk.assess(change, agent_a, {users.pk: answer(users, "A few"), backout.pk: answer(backout, "Yes")})
    change.refresh_from_db()
    assert (change.risk, change.risk_computed, change.risk_override_reason) == (Risk.LOW, Risk.LOW, "")


def test_the_risk_panel_on_the_change_page(client, questionnaire, agent_a, manager):
    users, backout = questionnaire
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP", "change_manager": manager, **PLANS})
    url = reverse("agent-change", args=[change.number])
    client.force_login(agent_a)
    page = client.get(url).content.decode()
    assert "Not assessed yet" in page and "How many users would an outage affect?" in page
    assert "Retired question" not in page and 'data-testid="risk-override-form"' not in page
    refused = client.post(reverse("agent-change-risk", args=[change.number]),
                          {f"q{users.pk}": answer(users, "A department"), "version": change.version})
    assert refused.status_code == 400 and "Choose an answer." in refused.content.decode()
    assert f'value="{answer(users, "A department")}" checked' in refused.content.decode()  # nothing lost
    done = client.post(reverse("agent-change-risk", args=[change.number]),
                       {f"q{users.pk}": answer(users, "A department"), f"q{backout.pk}": answer(backout, "No"),
                        "version": change.version}, follow=True)
    text = done.content.decode()
    assert f"{change.number}: risk assessed." in text and "The questionnaire scores it 6: very high risk." in text

    client.force_login(manager)
    page = client.get(url).content.decode()
    assert 'data-testid="risk-override-form"' in page
    change.refresh_from_db()
    no_reason = client.post(reverse("agent-change-risk-override", args=[change.number]),
                            {"risk": Risk.HIGH, "reason": "", "version": change.version})
    assert no_reason.status_code == 400 and "Say why the risk differs" in no_reason.content.decode()
    overridden = client.post(reverse("agent-change-risk-override", args=[change.number]),
                             {"risk": Risk.HIGH, "reason": "Tested twice in staging.", "version": change.version},
                             follow=True)
    assert "Overridden by the change manager: “Tested twice in staging.”" in overridden.content.decode()


def test_the_risk_api(token_client, questionnaire, agent_a, manager):
    users, backout = questionnaire
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP", "change_manager": manager, **PLANS})
    api = token_client(agent_a)
    asked = api.get("/api/v1/change-risk-questions/").json()
    assert [q["text"] for q in asked] == ["How many users would an outage affect?", "Can it be backed out quickly?"]
    assert [a["weight"] for a in asked[0]["answers"]] == [0, 2, 4]
    url = f"/api/v1/changes/{change.number}/"
    bad = api.post(f"{url}risk-assessment/", {"answers": {"x": 1}}, format="json")
    assert bad.status_code == 400 and "answers" in bad.json()
    missing = api.post(f"{url}risk-assessment/", {"answers": {str(users.pk): answer(users, "A few")}},
                       format="json")
    assert missing.status_code == 400 and "Answer “Can it be backed out quickly?”." in str(missing.json())
    done = api.post(f"{url}risk-assessment/", {"answers": {str(users.pk): answer(users, "Everybody"),
                                                           str(backout.pk): answer(backout, "Yes")}}, format="json")
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["risk"], body["risk_computed"], body["risk_score"]) == ("high", "high", 4)
    assert [(a["question_text"], a["answer_text"]) for a in body["risk_answers"]] == [
        ("How many users would an outage affect?", "Everybody"), ("Can it be backed out quickly?", "Yes")]
    assert api.patch(url, {"risk": "low"}, format="json").status_code == 400
    assert api.post(f"{url}risk-override/", {"risk": "low", "reason": "x"}, format="json").status_code == 403
    overridden = token_client(manager).post(f"{url}risk-override/", {"risk": "moderate", "reason": "Rehearsed."},
                                            format="json")
    assert overridden.status_code == 200 and overridden.json()["risk_override_reason"] == "Rehearsed."
    assert token_client(manager).post(f"{url}risk-override/", {"risk": "moderate"},
                                      format="json").json().keys() >= {"reason"}


def test_the_risk_of_a_closed_change_is_history(questionnaire, agent_a, manager):
    change = writes.create(CHANGE, agent_a, {"title": "Move the ERP", "change_manager": manager})
    writes.transition(CHANGE, change, agent_a, State.CANCELLED)
    with pytest.raises(ValidationError) as history:
        risk.override(change, manager, Risk.HIGH, "Too late.")
    assert "its risk is history" in str(history.value)
