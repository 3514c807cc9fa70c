"""Problems: the unknown cause of one or more incidents, analysed until it is fixed for good.

A problem becomes a known error when its root cause and a workaround are recorded (`known_error`, stamped
`known_error_at`); publishing the workaround pushes it to the open incidents linked to the problem (incident
"caused by" problem, a core.TicketLink) and to those linked later.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.limits import long_text
from core.models import Ticket


class Problem(Ticket):
    """A problem (number PRB...), extending the shared Ticket row."""

    category = models.ForeignKey("incidents.Category", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    root_cause = models.TextField(**long_text(blank=True))
    workaround = models.TextField(**long_text(blank=True))
    fix = models.TextField("permanent fix", **long_text(blank=True))
    related_change = models.CharField(max_length=100, blank=True,
                                      help_text="The change that delivers the fix (its number or reference).")
    known_error = models.BooleanField(default=False)
    known_error_at = models.DateTimeField(null=True, blank=True)
    workaround_published_at = models.DateTimeField(null=True, blank=True)
    workaround_public = models.BooleanField(default=False)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["category"], name="problem_category",
                                condition=Q(category__isnull=False)),
                   models.Index(fields=["known_error_at"], name="problem_known_error",
                                condition=Q(known_error=True))]

    def get_state_display(self) -> str:
        from problems.choices import WORKFLOW

        return WORKFLOW.label(self.state)
