"""An item's form as data (catalog.variables): which fields show for given answers, and the one validation the
portal and the API share. Property-based over the types and a condition: a hidden field is neither required nor
stored, a shown required field left empty is named, every stored value reads back the same."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import Variable, VariableType
from catalog.variables import shown, validate


def variable(pk: int, name: str, var_type: str = VariableType.TEXT, **fields) -> Variable:
    return Variable(pk=pk, name=name, label=name.title(), var_type=var_type, order=pk, **fields)


def laptop_form() -> list[Variable]:
    kind = variable(1, "type", VariableType.CHOICE, required=True, choices="laptop\ndesktop")
    monitor = variable(2, "monitor_size", VariableType.CHOICE, required=True, choices="24\n27", show_when=kind,
                       show_when_value="desktop")
    monitor.show_when_id = 1
    arms = variable(3, "monitor_arm", VariableType.BOOLEAN, show_when=monitor, show_when_value="27")
    arms.show_when_id = 2
    return [kind, monitor, arms]


def test_a_conditional_field_shows_only_when_its_condition_holds_and_only_then_is_required():
    form = laptop_form()
    assert [v.name for v in shown(form, {"type": "laptop"})] == ["type"]
    assert [v.name for v in shown(form, {"type": "desktop", "monitor_size": "27"})] == [
        "type", "monitor_size", "monitor_arm"]
    # hidden: neither required nor stored, even when an answer was sent
    assert validate(form, {"type": "laptop", "monitor_size": "27", "monitor_arm": "yes"}) == {"type": "laptop"}
    with pytest.raises(ValidationError) as missing:
        validate(form, {"type": "desktop"})
    assert missing.value.message_dict == {"monitor_size": ["This field is required."]}
    assert validate(form, {"type": "desktop", "monitor_size": "27", "monitor_arm": "yes"}) == {
        "type": "desktop", "monitor_size": "27", "monitor_arm": True}


def test_each_type_refuses_what_it_cannot_hold_in_words():
    form = [variable(1, "count", VariableType.NUMBER, min_value=Decimal(1), max_value=Decimal(5)),
            variable(2, "code", VariableType.TEXT, pattern=r"[A-Z]{3}-\d+", pattern_message="Like ABC-123."),
            variable(3, "when", VariableType.DATE), variable(4, "at", VariableType.DATETIME),
            variable(5, "ok", VariableType.BOOLEAN), variable(6, "tools", VariableType.MULTI_CHOICE, choices="a\nb"),
            variable(7, "note", VariableType.TEXTAREA, max_value=Decimal(5))]
    with pytest.raises(ValidationError) as refused:
        validate(form, {"count": "9", "code": "abc", "when": "31/12/2027", "at": "soon", "ok": "maybe",
                        "tools": ["a", "z"], "note": "too long", "extra": "x"})
    assert refused.value.message_dict == {
        "count": ["At most 5."], "code": ["Like ABC-123."], "when": ["Enter a date (YYYY-MM-DD)."],
        "at": ["Enter a date and time (YYYY-MM-DDTHH:MM)."], "ok": ["Answer yes or no."], "tools": ["Not a choice: z."],
        "note": ["At most 5 characters."], "extra": ["Unknown field."]}
    assert validate(form, {"count": "2.50", "code": "ABC-12", "when": "2027-12-31", "ok": False,
                           "tools": ["b", "a"]}) == {"count": "2.5", "code": "ABC-12", "when": "2027-12-31",
                                                      "ok": False, "tools": ["a", "b"]}


TYPES = [VariableType.TEXT, VariableType.NUMBER, VariableType.BOOLEAN, VariableType.CHOICE,
         VariableType.MULTI_CHOICE, VariableType.DATE]
GOOD = {VariableType.TEXT: st.text(alphabet="abc xyz", min_size=1, max_size=20).filter(str.strip),
        VariableType.NUMBER: st.integers(-1000, 1000).map(str), VariableType.BOOLEAN: st.booleans(),
        VariableType.CHOICE: st.sampled_from(["red", "green"]),
        VariableType.MULTI_CHOICE: st.lists(st.sampled_from(["red", "green"]), min_size=1, unique=True),
        VariableType.DATE: st.dates().map(lambda d: d.isoformat())}


@given(trigger=st.sampled_from(["on", "off"]), dependent_type=st.sampled_from(TYPES), required=st.booleans(),
       data=st.data())
def test_hidden_fields_are_neither_required_nor_stored_and_shown_ones_are(trigger, dependent_type, required, data):
    switch = variable(1, "switch", VariableType.CHOICE, required=True, choices="on\noff")
    dependent = variable(2, "detail", dependent_type, required=required, choices="red\ngreen", show_when=switch,
                         show_when_value="on")
    dependent.show_when_id = 1
    answer = data.draw(st.one_of(st.none(), GOOD[dependent_type]))
    answers = {"switch": trigger} | ({} if answer is None else {"detail": answer})
    if trigger == "off":  # hidden: whatever was sent, nothing is stored and nothing is missing
        assert validate([switch, dependent], answers) == {"switch": "off"}
    elif answer is None and required:
        with pytest.raises(ValidationError) as missing:
            validate([switch, dependent], answers)
        assert missing.value.message_dict == {"detail": ["This field is required."]}
    else:
        stored = validate([switch, dependent], answers)
        assert ("detail" in stored) == (answer is not None)
        if answer is not None:  # stored once, it reads back the same
            assert validate([switch, dependent], {"switch": "on", "detail": stored["detail"]}) == stored
