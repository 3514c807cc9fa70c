"""The survey forms: a CSAT answer (1-5, a comment, "reopen my ticket") and an NPS answer (0-10, a comment)."""

from __future__ import annotations

from django import forms

from surveys.models import COMMENT_MAX_LENGTH

CSAT_LABELS = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neutral", 4: "Satisfied", 5: "Very satisfied"}


class CsatForm(forms.Form):
    """How satisfied the requester is with the resolution of one ticket."""

    score = forms.TypedChoiceField(label="How satisfied are you with how we handled it?", coerce=int,
                                   choices=list(CSAT_LABELS.items()),
                                   widget=forms.RadioSelect,
                                   error_messages={"required": "Choose a score from 1 to 5.",
                                                   "invalid_choice": "Choose a score from 1 to 5."})
    comment = forms.CharField(label="Comment (optional)", required=False, max_length=COMMENT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}))
    reopen = forms.BooleanField(label="Reopen my ticket: the problem is not solved", required=False)

    def __init__(self, *args, can_reopen: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_reopen:
            del self.fields["reopen"]


class NpsForm(forms.Form):
    """How likely the person is to recommend IT's services (0-10)."""

    score = forms.TypedChoiceField(label="How likely are you to recommend IT's services to a colleague?",
                                   coerce=int, choices=[(n, str(n)) for n in range(11)], widget=forms.RadioSelect,
                                   error_messages={"required": "Choose a score from 0 to 10.",
                                                   "invalid_choice": "Choose a score from 0 to 10."})
    comment = forms.CharField(label="What is the main reason for your score? (optional)", required=False,
                              max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
