"""The survey settings (one row: what is surveyed, the fatigue interval, the low-score threshold, NPS rounds) and
read-only lists of invitations and answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.models import TicketKind
from surveys.models import CsatAnswer, CsatInvitation, NpsInvitation, NpsRound, SurveySettings

SURVEYABLE = [(TicketKind.INCIDENT.value, "Incidents"), (TicketKind.REQUEST.value, "Requests")]


class SettingsForm(forms.ModelForm):
    csat_kinds = forms.TypedMultipleChoiceField(choices=SURVEYABLE, required=False,
                                                widget=forms.CheckboxSelectMultiple, label="Kinds surveyed",
                                                help_text="Whose requester is surveyed when they are resolved.")

    class Meta:
        model = SurveySettings
        fields = ["csat_enabled", "csat_kinds", "csat_services", "min_interval_days", "low_score_threshold",
                  "link_days", "nps_enabled", "nps_period_days", "nps_sample_size", "nps_sample_percent"]


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    form = SettingsForm
    filter_horizontal = ["csat_services"]
    fieldsets = [
        ("Satisfaction (CSAT)", {"fields": ["csat_enabled", "csat_kinds", "csat_services", "min_interval_days",
                                            "low_score_threshold", "link_days"]}),
        ("Net Promoter Score", {"fields": ["nps_enabled", "nps_period_days", "nps_sample_size",
                                           "nps_sample_percent"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SurveySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CsatInvitation)
class CsatInvitationAdmin(ReadOnly):
    list_display = ["ticket", "person", "invited_at", "link_used_at"]
    list_select_related = ["ticket", "person"]
    raw_id_fields = ["ticket", "person"]


@admin.register(CsatAnswer)
class CsatAnswerAdmin(ReadOnly):
    list_display = ["ticket", "person", "score", "reopen_requested", "updated_at"]
    list_filter = ["score"]
    list_select_related = ["ticket", "person"]
    raw_id_fields = ["ticket", "person", "invitation"]


@admin.register(NpsRound)
class NpsRoundAdmin(ReadOnly):
    list_display = ["starts_on", "ends_on", "created_at"]


@admin.register(NpsInvitation)
class NpsInvitationAdmin(ReadOnly):
    list_display = ["round", "person", "organization", "service", "score", "answered_at"]
    list_filter = ["round"]
    list_select_related = ["round", "person", "organization", "service"]
    raw_id_fields = ["person"]
