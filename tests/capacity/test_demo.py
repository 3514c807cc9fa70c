"""The demo's capacity: the file server's storage full in about 40 days, the e-mail licences near their limit (at
their critical level), the host's CPU flat; no event raised by seeding (the other demo queues stay as they are);
seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from capacity import forecast
from capacity.choices import Level, Outlook
from capacity.models import Metric, Sample
from core import clock
from events.models import Event

pytestmark = pytest.mark.django_db


def test_the_demo_metrics(settings, tmp_path):
    settings.ALLOW_DEMO_DATA, settings.MEDIA_ROOT = True, tmp_path
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert Metric.objects.count() == 3 and Sample.objects.count() == 270
    assert not Event.objects.filter(source="capacity").exists()
    now = clock.now()
    seen = {m.name: (m, forecast.outlook(m, now)) for m in forecast.rows(now)}
    storage, storage_fc = seen["Storage"]
    assert storage.ci_name == "fs-01" and storage.level == Level.WARNING
    assert storage_fc.outlook == Outlook.DATE and 38 <= storage_fc.days_left(now) <= 41
    licences, _ = seen["Licences"]
    assert licences.service_name == "E-mail" and licences.level == Level.CRITICAL
    assert seen["CPU"][1].outlook in (Outlook.NOT_RISING, Outlook.BEYOND)
    assert forecast.rows(now, limit=1)[0].name == "Storage"
