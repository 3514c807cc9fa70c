"""The risk of a change: a questionnaire (admin-edited questions with weighted answers) computes it, and the change
manager may override it with a reason. Both are journaled.

The score is the sum of the answers' weights; its share of the highest possible score gives the risk: under a
quarter low, under a half moderate, under three quarters high, else very high (adding a question keeps the
bands). A normal change answers the questionnaire before it asks for authorisation (when questions exist); a
high or very high risk always needs an approver group (changes.services.policy_for).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch

from changes.choices import Risk
from changes.kind import CHANGE
from changes.models import Change, ChangeRiskAnswer, RiskAnswer, RiskQuestion
from core import access, limits, writes
from core import services as core
from core.services import FieldChange

BANDS = ((0.25, Risk.LOW), (0.5, Risk.MODERATE), (0.75, Risk.HIGH))


def questions() -> list[RiskQuestion]:
    """The active questions that have answers, with their answers in order."""
    asked = RiskQuestion.objects.filter(active=True).prefetch_related(
        Prefetch("answers", queryset=RiskAnswer.objects.order_by("order", "id")))
    return [question for question in asked if question.answers.all()]


def risk_of(score: int, highest: int) -> str:
    """The risk of a score out of the highest possible."""
    share = score / highest if highest else 0.0
    return next((risk for bound, risk in BANDS if share < bound), Risk.VERY_HIGH)


def highest_score(asked: list[RiskQuestion]) -> int:
    return sum(max(answer.weight for answer in question.answers.all()) for question in asked)


def risk_change(change: Change, new: str) -> FieldChange:
    return writes.field_change(CHANGE, "risk", change.risk, new)


@transaction.atomic
def assess(change: Change | int, actor: Any, answers: Mapping[int, int], *,
           expected_version: int | None = None) -> Change:
    """Record the change's answers (one per active question; answering again replaces them), compute its score
    and risk, and set the risk (an earlier override is dropped: the answers are new). Journaled."""
    locked: Change = writes.lock(CHANGE, change)
    core.check_version(locked, expected_version)
    access.require(actor, "edit", locked, "You may not assess this change's risk.")
    asked = questions()
    if not asked:
        raise ValidationError({"answers": ["There is no risk questionnaire yet: an administrator writes it."]})
    chosen: dict[int, RiskAnswer] = {}
    errors = []
    for question in asked:
        answer = next((a for a in question.answers.all() if a.pk == answers.get(question.pk)), None)
        if answer is None:
            errors.append(f"Answer “{question.text}”." if question.pk not in answers
                          else f"That is not an answer to “{question.text}”.")
        else:
            chosen[question.pk] = answer
    unknown = set(answers) - {question.pk for question in asked}
    if unknown:
        errors.append(f"No such question: {', '.join(str(pk) for pk in sorted(unknown))}.")
    if errors:
        raise ValidationError({"answers": errors})
    ChangeRiskAnswer.objects.filter(change=locked).delete()
    ChangeRiskAnswer.objects.bulk_create(ChangeRiskAnswer(change=locked, question_id=pk, answer=answer)
                                         for pk, answer in chosen.items())
    score, highest = sum(answer.weight for answer in chosen.values()), highest_score(asked)
    computed = risk_of(score, highest)
    changes = [FieldChange("risk_score", "" if locked.risk_score is None else str(locked.risk_score),
                           f"{score} of {highest}", internal=True)]
    if locked.risk != computed:
        changes.append(risk_change(locked, computed))
    locked.risk_score, locked.risk_computed, locked.risk, locked.risk_override_reason = score, computed, computed, ""
    core.commit(locked, actor, changes)
    return locked


@transaction.atomic
def override(change: Change | int, actor: Any, risk: str, reason: str, *,
             expected_version: int | None = None) -> Change:
    """The change manager (or a manager) sets another risk than the questionnaire's, saying why. Journaled (the
    risk, and the reason as a work note)."""
    from changes.services import may_decide

    locked: Change = writes.lock(CHANGE, change)
    core.check_version(locked, expected_version)
    if not may_decide(actor, locked):
        raise PermissionDenied("Only the change manager (or a manager) overrides the risk.")
    if locked.state not in CHANGE.workflow.open_states:
        raise ValidationError({"risk": [f"{locked.number} is {locked.get_state_display().lower()}: its risk is "
                                        "history."]})
    if risk not in Risk.values:
        raise ValidationError({"risk": [f"Choose one of: {', '.join(Risk.labels).lower()}."]})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the risk differs from the questionnaire's: it is journaled."]})
    limits.check_texts({"reason": reason})
    if risk == locked.risk:
        raise ValidationError({"risk": [f"The risk is already {Risk(risk).label.lower()}."]})
    changes = [risk_change(locked, risk)]
    locked.risk, locked.risk_override_reason = risk, reason
    core.commit(locked, actor, changes)
    core.add_comment(locked, actor, f"Risk overridden to {Risk(risk).label.lower()}: {reason}", internal=True)
    return locked
