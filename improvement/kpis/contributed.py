"""The KPIs other apps compute (the KPI contract: `<app>/kpis.py` exposes `<name>_series(user, months)` and
`<name>_drill_url(month)`), registered when Django starts (improvement.apps), after this app's own.

- surveys: customer satisfaction (CSAT, 1-5) and the Net Promoter Score (-100..100);
- availability: the average and the lowest availability of the services, %;
- costs: the cost of each contact, in the desk's currency;
- capacity: the capacity alerts raised per month.
None of them takes the dashboard's filters (kind, team, service, priority): each is scoped by its own app.
"""

from __future__ import annotations

from availability import kpis as availability
from capacity import kpis as capacity
from costs import kpis as costs
from improvement.kpis import Kpi, register
from surveys import kpis as surveys


def register_all() -> None:
    register(Kpi(
        key="csat", label="Customer satisfaction (CSAT)", unit="/ 5", higher_is_better=True, order=80, decimals=2,
        series=surveys.csat_series, drill_url=surveys.csat_drill_url,
        description="The average score (1 to 5) requesters gave their resolved incidents and closed requests in "
                    "the month."))
    register(Kpi(
        key="nps", label="Net Promoter Score", unit="points", higher_is_better=True, order=81, decimals=0,
        series=surveys.nps_series, drill_url=surveys.nps_drill_url,
        description="Of the NPS answers of the month, % promoters (9-10) minus % detractors (0-6): -100 to 100. "
                    "The same figure for every team: it is not about tickets."))
    register(Kpi(
        key="availability", label=availability.LABEL, unit="%", higher_is_better=True, order=90, decimals=2,
        series=availability.availability_series, drill_url=availability.availability_drill_url,
        description="The average availability of the services in the month: unplanned downtime (outages, less the "
                    "windows of scheduled changes) against the month's length."))
    register(Kpi(
        key="availability_worst", label="Lowest service availability", unit="%", higher_is_better=True, order=91,
        decimals=2, series=availability.worst_availability_series, drill_url=availability.availability_drill_url,
        description="The availability of the least available service of the month."))
    register(Kpi(
        key="cost_per_contact", label=costs.LABEL, unit=costs.unit(), higher_is_better=False, order=100,
        decimals=2, series=costs.cost_per_contact_series, drill_url=costs.cost_per_contact_drill_url,
        description="The cost of the incidents opened in the month (time logged at the team's hourly rate, the "
                    "fixed cost per ticket and the channel's cost) divided by their number."))
    register(Kpi(
        key="capacity_alerts", label="Capacity alerts raised", unit="alerts", higher_is_better=False, order=110,
        decimals=0, series=capacity.capacity_alerts_series, drill_url=capacity.capacity_alerts_drill_url,
        description="The times a capacity metric crossed into its warning or critical band, or was forecast to "
                    "reach its capacity soon."))
