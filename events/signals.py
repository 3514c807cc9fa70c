"""Signals of event management, for the practices built on it.

- `event_processed(sender=Event, event=...)`: sent by events.processing once an event is processed, inside its
  transaction, with its CI (`event.ci`) resolved. Capacity management records the metric values monitoring's
  alerts carry (capacity.alerts). A receiver must not fail the processing: it catches its own errors.
"""

from django.dispatch import Signal

event_processed = Signal()
