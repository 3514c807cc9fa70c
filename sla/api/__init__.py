"""The SLA REST API (mounted under /api/v1/sla/ by itsm.api).

- views: /sla/schedules/ (with working hours, holidays and `load_holidays`), /sla/definitions/, /sla/timers/
  and /sla/report/;
- serializers: what is read and what a write may carry; `ticket_sla()` is the `sla` list of a ticket's detail.

Who may do what: admins write schedules and definitions; agents and up read them and list timers (scoped by the
access rule); managers and admins read the report; end users get 403 on all of it (they see their tickets' SLA
in the ticket detail only).
"""
