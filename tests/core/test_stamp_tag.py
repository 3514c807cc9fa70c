"""The `stamp` tag renders a table cell's time exactly as the three `date` filters it replaces did."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone


def test_stamp_reads_as_the_date_filters_in_the_users_time_zone():
    value = datetime(2026, 3, 9, 23, 45, 12, tzinfo=UTC)
    with timezone.override("America/New_York"):
        old = Template("""<time datetime="{{ v|date:'c' }}" title="{{ v|date:'Y-m-d H:i' }}">"""
                       """{{ v|date:"j M H:i" }}</time>""").render(Context({"v": value}))
        new = Template("{% load ui %}{% stamp v %}").render(Context({"v": value}))
    assert new == old and "9 Mar 19:45" in new  # New York, the day after the DST change
    assert Template("{% load ui %}{% stamp v %}").render(Context({"v": None})) == "—"
