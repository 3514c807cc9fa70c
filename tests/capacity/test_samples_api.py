"""POST /api/v1/capacity/samples/: a batch by metric id or by CI / service and metric name; all or nothing, each
problem named by its path; a sample sent twice is stored once; the metric keeps its latest value."""

from __future__ import annotations

from datetime import timedelta

import pytest

from capacity.models import Metric, Sample
from core import clock
from tests.capacity.conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/api/v1/capacity/samples/"


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def api(token_client, agent_a):
    with clock.frozen(NOW):
        yield token_client(agent_a)


def test_a_batch_by_id_and_by_name_is_stored_once(api, storage, licences):
    body = {"samples": [{"metric": storage.pk, "at": at(2), "value": 500},
                        {"ci": "FS-01", "name": "storage", "at": at(1), "value": 520.5},
                        {"service": "email", "name": "Licences", "at": at(1), "value": 300},
                        {"service": "E-mail", "name": "Licences", "at": at(0), "value": 310}]}
    first = api.post(URL, body, format="json")
    assert first.status_code == 201 and first.json() == {"stored": 4, "duplicates": 0}
    again = api.post(URL, body, format="json")
    assert again.status_code == 201 and again.json() == {"stored": 0, "duplicates": 4}
    assert Sample.objects.count() == 4
    storage.refresh_from_db()
    assert storage.last_value == 520.5 and storage.last_at == NOW - timedelta(days=1)
    # an older sample arriving late does not replace the latest value
    assert api.post(URL, {"samples": [{"metric": storage.pk, "at": at(5), "value": 1}]},
                    format="json").json()["stored"] == 1
    storage.refresh_from_db()
    assert storage.last_value == 520.5
    listed = api.get(URL, {"metric": storage.pk}).json()
    assert [s["value"] for s in listed["results"]] == [520.5, 500, 1]


def test_the_same_sample_twice_in_one_batch_is_stored_once(api, storage):
    body = {"samples": [{"metric": storage.pk, "at": at(1), "value": 5}, {"metric": storage.pk, "at": at(1),
                                                                          "value": 6}]}
    assert api.post(URL, body, format="json").json() == {"stored": 1, "duplicates": 1}
    assert Sample.objects.get().value == 5


def test_bad_items_are_named_by_index_and_nothing_is_stored(api, storage, fs01):
    body = {"samples": [
        {"metric": storage.pk, "at": at(1), "value": 500},  # good
        {"metric": storage.pk, "at": at(0), "value": "lots"},
        {"metric": 999999, "at": at(0), "value": 1},
        {"metric": storage.pk, "at": "yesterday", "value": 1},
        {"ci": "fs-01", "name": "Memory", "at": at(0), "value": 1},
        {"metric": storage.pk, "at": (NOW + timedelta(days=1)).isoformat(), "value": -3, "colour": "red"},
        {"at": at(0), "value": 1},
        "nonsense",
        {"metric": storage.pk, "at": "2026-12-05T10:00:00", "value": "NaN"},
    ]}
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "samples[0].metric" not in str(errors)
    assert errors["samples[1].value"] == ["Give a number."]
    assert errors["samples[2].metric"] == ["No capacity metric has the id 999999."]
    assert "samples[3].at" in errors
    assert errors["samples[4].name"] == ["The configuration item “fs-01” has no capacity metric named “Memory”."]
    assert errors["samples[5].at"] == ["This time is in the future."]
    assert "samples[5].value" in errors and errors["samples[5].colour"] == ["Unknown field."]
    assert "samples[6].metric" in errors and "samples[7].non_field_errors" in errors
    assert "samples[8].at" in errors and errors["samples[8].value"] == ["Give a number."]  # no offset, NaN
    assert Sample.objects.count() == 0  # all or nothing


def test_the_batch_itself_is_checked(api, storage):
    assert "samples" in api.post(URL, {"samples": []}, format="json").json()
    assert "samples" in api.post(URL, {}, format="json").json()
    assert api.post(URL, {"samples": "x"}, format="json").status_code == 400
    assert "other" in api.post(URL, {"samples": [], "other": 1}, format="json").json()
    too_many = [{"metric": storage.pk, "at": at(i / 1000), "value": 1} for i in range(5001)]
    assert api.post(URL, {"samples": too_many}, format="json").status_code == 400


def test_a_ci_name_shared_by_two_classes_asks_for_the_id(api, storage, agent_a):
    from cmdb import services as cmdb
    from cmdb.models import CIClass

    other = cmdb.create_ci(agent_a, {"name": "fs-01", "ci_class": CIClass.objects.create(name="VM", slug="vm")})
    Metric.objects.create(name="Storage", capacity=10, ci=other)
    response = api.post(URL, {"samples": [{"ci": "fs-01", "name": "Storage", "at": at(0), "value": 1}]},
                        format="json")
    assert response.status_code == 400 and "give the metric's id" in response.json()["samples[0].ci"][0]


def test_a_large_batch_costs_a_fixed_number_of_queries(api, storage, django_assert_max_num_queries):
    body = {"samples": [{"metric": storage.pk, "at": at(i / 24), "value": 100 + i} for i in range(500)]
            + [{"ci": "fs-01", "name": "Storage", "at": at(30 + i), "value": 1} for i in range(500)]}
    with django_assert_max_num_queries(16):
        response = api.post(URL, body, format="json")
    assert response.json() == {"stored": 1000, "duplicates": 0}


def test_a_batch_crossing_the_warning_threshold_raises_one_event(api, storage):
    from events.models import Event

    body = {"samples": [{"metric": storage.pk, "at": at(2), "value": 700},
                        {"metric": storage.pk, "at": at(1), "value": 850}]}
    assert api.post(URL, body, format="json").status_code == 201
    more = {"samples": [{"metric": storage.pk, "at": at(0.5), "value": 860}]}
    assert api.post(URL, more, format="json").status_code == 201
    [event] = Event.objects.filter(source="capacity", fingerprint=f"capacity/metric-{storage.pk}/level")
    assert event.status == "firing" and event.node == "fs-01" and "85%" in event.summary
