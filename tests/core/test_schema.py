from datetime import time, timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

from accounts.services import issue_token
from incidents.api.serializers import END_USER_HIDDEN_FIELDS
from sla.models import Schedule, SlaDefinition, Target
from tests.core.schema_support import assert_documented, call, load_schema

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/me/" in spec["paths"] and "/api/v1/auth/token/" in spec["paths"]
    assert "tokenAuth" in spec["components"]["securitySchemes"]


def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower() and "jsdelivr" not in html.lower()


# --- the schema holds for every role (issue #7): direct cases for each mismatch that was fixed -----------------

INCIDENT = "/api/v1/incidents/{number}/"


@pytest.fixture
def sla_definition(db):
    schedule = Schedule.objects.create(name="24x7", slug="24x7", time_zone="UTC", is_24x7=True)
    return SlaDefinition.objects.create(name="Resolution 8h", target=Target.RESOLUTION, schedule=schedule,
                                        duration=timedelta(hours=8))


@pytest.fixture
def incident(sla_definition, requester_a, make_incident):
    """An incident of requester_a's, not on hold and not resolved (hold reason and resolution code are "")."""
    return make_incident(requester_a)


@pytest.mark.parametrize("reader", ["requester_a", "agent_a", "manager"])
def test_an_incident_reads_as_documented_for_every_role(wsgi_app, users, incident, reader):
    api_schema = load_schema(wsgi_app)
    token = issue_token(users[reader], "test")[1]
    detail = call(wsgi_app, "GET", f"/api/v1/incidents/{incident.number}/", token)
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["hold_reason"] == "" and body["resolution_code"] == "" and body["sla"]
    assert ("impact" in body) is (reader != "requester_a")  # the desk's assessment is not shown to end users
    assert ("agreement_type" in body["sla"][0]) is (reader != "requester_a")
    assert_documented(api_schema, "GET", INCIDENT, detail)
    listing = call(wsgi_app, "GET", "/api/v1/incidents/", token)
    assert listing.get_json()["results"]
    assert_documented(api_schema, "GET", "/api/v1/incidents/", listing)


def test_fields_hidden_from_end_users_are_documented_but_not_required():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("Incident", "IncidentDetail"):
        component = components[name]
        hidden = END_USER_HIDDEN_FIELDS & set(component["properties"])
        assert hidden and not hidden & set(component["required"]), name
        assert {"number", "title", "state", "version"} <= set(component["required"])
        assert "Not shown to end users" in component["description"]
    sla = components["TicketSla"]
    assert {"definition_id", "agreement_type"} <= set(sla["properties"])
    assert not {"definition_id", "agreement_type"} & set(sla["required"]) and "percent" in sla["required"]


def test_choice_fields_that_can_be_empty_document_the_empty_value():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert components["BlankEnum"] == {"enum": [""]}
    for name in ("Incident", "IncidentDetail"):
        for field in ("hold_reason", "resolution_code"):
            refs = [option.get("$ref") for option in components[name]["properties"][field].get("oneOf", [])]
            assert "#/components/schemas/BlankEnum" in refs, (name, field)
    assert "oneOf" not in components["Incident"]["properties"]["state"]  # a state is never empty


def test_a_schedule_with_working_hours_reads_as_documented(wsgi_app, manager, sla_definition):
    office = Schedule.objects.create(name="Office", slug="office", time_zone="Europe/Paris")
    office.hours.create(weekday=0, start=time(9), end=time(17, 30))
    api_schema = load_schema(wsgi_app)
    response = call(wsgi_app, "GET", f"/api/v1/sla/schedules/{office.pk}/", issue_token(manager, "test")[1])
    assert response.get_json()["hours"] == [{"weekday": 0, "start": "09:00:00", "end": "17:30:00"}]
    assert_documented(api_schema, "GET", "/api/v1/sla/schedules/{id}/", response)
    start = api_schema.raw_schema["components"]["schemas"]["WorkingHours"]["properties"]["start"]
    assert "format" not in start and start["pattern"]  # RFC 3339's "time" would demand a UTC offset


def _stale_patch(wsgi_app, incident, users):
    token = issue_token(users["agent_a"], "test")[1]
    path = f"/api/v1/incidents/{incident.number}/"
    call(wsgi_app, "PATCH", path, token, json={"title": "First", "version": incident.version})
    return call(wsgi_app, "PATCH", path, token, json={"title": "Second", "version": incident.version})


ERROR_CASES = {
    "401 anonymous": (401, "GET", "/api/v1/incidents/", lambda app, inc, users: call(
        app, "GET", "/api/v1/incidents/")),
    "401 unknown token": (401, "GET", "/api/v1/me/", lambda app, inc, users: call(app, "GET", "/api/v1/me/", "nope")),
    "403 end user on the desk's list": (403, "GET", "/api/v1/incidents/{number}/watchers/", lambda app, inc, users: (
        call(app, "GET", f"/api/v1/incidents/{inc.number}/watchers/", issue_token(users["requester_a"], "t")[1]))),
    "403 end user on SLA timers": (403, "GET", "/api/v1/sla/timers/", lambda app, inc, users: call(
        app, "GET", "/api/v1/sla/timers/", issue_token(users["requester_a"], "t")[1])),
    "404 unknown incident": (404, "GET", INCIDENT, lambda app, inc, users: call(
        app, "GET", "/api/v1/incidents/INC9999999/", issue_token(users["agent_a"], "t")[1])),
    "400 unknown ordering": (400, "GET", "/api/v1/incidents/", lambda app, inc, users: call(
        app, "GET", "/api/v1/incidents/?ordering=nope", issue_token(users["agent_a"], "t")[1])),
    "400 body that is no JSON": (400, "POST", "/api/v1/incidents/", lambda app, inc, users: call(
        app, "POST", "/api/v1/incidents/", issue_token(users["agent_a"], "t")[1], data="{",
        content_type="application/json")),
    "409 stale version": (409, "PATCH", INCIDENT, _stale_patch),
    "415 body not JSON": (415, "POST", "/api/v1/incidents/", lambda app, inc, users: call(
        app, "POST", "/api/v1/incidents/", issue_token(users["agent_a"], "t")[1], data="title=x",
        content_type="text/plain")),
    "422 reused idempotency key": (422, "POST", "/api/v1/incidents/{number}/comments/", lambda app, inc, users: [
        call(app, "POST", f"/api/v1/incidents/{inc.number}/comments/", token, json={"body": body},
             headers={"Idempotency-Key": "k-1"})
        for token in [issue_token(users["requester_a"], "t")[1]] for body in ("one", "two")][-1]),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_answers_are_documented_with_their_json_body(wsgi_app, users, incident, case):
    status, method, template, request = ERROR_CASES[case]
    api_schema = load_schema(wsgi_app)
    response = request(wsgi_app, incident, users)
    assert response.status_code == status, response.text
    assert "detail" in response.get_json() or status == 400
    assert_documented(api_schema, method, template, response)


def test_every_operation_documents_its_error_answers():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"429", "503"} <= set(responses), (method, path)
            assert "Retry-After" in responses["503"]["headers"] and "Retry-After" in responses["429"]["headers"]
            for status, response in responses.items():
                if status >= "400":
                    assert response["content"]["application/json"]["schema"]["$ref"], (method, path, status)
            if path != "/api/v1/auth/token/":
                assert "401" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= set(responses), (method, path)
    assert "409" in paths[INCIDENT]["patch"]["responses"]
    assert "409" in paths["/api/v1/incidents/{number}/transition/"]["post"]["responses"]
    assert "409" not in paths["/api/v1/incidents/"]["post"]["responses"]  # a create has no version to be stale
    assert "403" not in paths["/api/v1/me/"]["get"]["responses"]
    assert "403" in paths["/api/v1/incidents/{number}/links/"]["get"]["responses"]


def test_a_create_documents_no_version_and_a_patch_does():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    create = components["IncidentCreateRequest"]["properties"]
    assert "version" not in create and {"title", "urgency", "service"} <= set(create)
    assert "version" in components["PatchedIncidentWriteRequest"]["properties"]
