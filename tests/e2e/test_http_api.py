"""The HTTP/JSON API (docs/http-api.md) against the real sccd: the same RPCs, credentials and
errors as gRPC, with HTTP statuses and the google.rpc details in a JSON body."""

import json
import urllib.error
import urllib.request

import pytest

from conftest import Sccd, TOKENS
from test_workflow import TRIGGER, designate_to_plan, ofsted, register


def post(sccd, rpc, body, user="hosi", raw=None, method="POST"):
    """POSTs `body` as JSON to /v1/scc.v1.<rpc>; returns (HTTP status, parsed JSON answer)."""
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(sccd.http_url + "v1/scc.v1." + rpc, data=data,
                                     method=method)
    request.add_header("Content-Type", "application/json")
    if user:
        request.add_header("Authorization", "Bearer " + TOKENS[user][0])
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def details(answer, type_name):
    return [d for d in answer["error"].get("details", [])
            if d["@type"] == "type.googleapis.com/google.rpc." + type_name]


def test_commands_and_reads_map_one_to_one(sccd, hosi):
    register(hosi, "100201")
    status, state = post(sccd, "AuditService/GetWorkflowState",
                         {"urn": "100201", "includePath": True})
    assert status == 200
    assert state["state"] == "FLOWCHART_STATE_MONITORED"
    assert [s["state"] for s in state["path"]] == ["FLOWCHART_STATE_MONITORED"]
    assert state["causingConcern"] is False  # defaults are printed too

    status, result = post(sccd, "DesignationService/RaiseConcern", {
        "context": {"urn": "100201", "request_id": "http-concern-1",
                    "effective_date": "2024-09-20", "reason": "KS2 decline"},
        "concern": {"triggers": [TRIGGER], "discussed_with_headteacher_on": "2024-09-18"}})
    assert status == 200, result
    assert result["state"] == "FLOWCHART_STATE_AT_RISK"
    _, again = post(sccd, "DesignationService/RaiseConcern", {
        "context": {"urn": "100201", "request_id": "http-concern-1",
                    "effective_date": "2024-09-20", "reason": "KS2 decline"},
        "concern": {"triggers": [TRIGGER], "discussed_with_headteacher_on": "2024-09-18"}})
    assert again["replayed"] is True

    status, history = post(sccd, "AuditService/GetHistory", {"urn": "100201"})
    assert status == 200
    concern = history["events"][-1]
    assert (concern["type"], concern["actor"], concern["role"]) == \
        ("concern_raised", "hosi", "ROLE_HEAD_OF_SCHOOL_IMPROVEMENT")
    _, path = post(sccd, "AuditService/GetWorkflowState", {"urn": "100201", "includePath": True})
    assert [s["state"] for s in path["path"]] == \
        ["FLOWCHART_STATE_MONITORED", "FLOWCHART_STATE_AT_RISK"]

    status, me = post(sccd, "AdminService/WhoAmI", {}, user="lo-ann")
    assert status == 200
    assert (me["user"], me["role"]) == ("lo-ann", "ROLE_LEAD_OFFICER")
    reach = {p["rpc"]: p["reach"] for p in me["permissions"]}
    assert reach["HoldActionPlanReview"] == "REACH_LED_INSTITUTIONS"
    assert "DesignateSchool" not in reach


def test_a_rule_refusal_names_the_rule_and_the_next_steps(sccd, hosi):
    register(hosi, "100202")
    designate_to_plan(hosi, "100202")
    ofsted(hosi, "100202", "OFSTED_GRADE_REQUIRES_IMPROVEMENT", "2024-11-01", "2024-11-10")
    status, answer = post(sccd, "DesignationService/RemoveFromScc", {
        "context": {"urn": "100202", "request_id": "http-remove-1", "effective_date": "2024-12-01",
                    "reason": "The headteacher and Lead Officer agree progress is enough"},
        "removal": {"basis": "REMOVAL_BASIS_LA_REVIEW", "review_date": "2024-11-20",
                    "evidence": "Sustained progress", "headteacher_agreed_on": "2024-11-25",
                    "srg_confirmed_on": "2024-11-28"}})
    assert status == 409
    assert answer["error"]["code"] == 409
    assert answer["error"]["status"] == "FAILED_PRECONDITION"
    assert "R-15" in answer["error"]["message"]
    assert details(answer, "PreconditionFailure")[0]["violations"][0]["type"] == "R-15"
    info = details(answer, "ErrorInfo")[0]["metadata"]
    assert info["rule"] == "R-15"
    assert info["state"] == "ACTION_PLAN_ACTIVE"
    assert "HoldActionPlanReview" in info["allowed_next_steps"].split(",")


def test_invalid_fields_are_named(sccd, hosi):
    status, answer = post(sccd, "DesignationService/RaiseConcern", {
        "context": {"urn": "not-a-urn", "request_id": "http-bad-1"}, "concern": {}})
    assert status == 400
    assert answer["error"]["status"] == "INVALID_ARGUMENT"
    fields = {v["field"] for v in details(answer, "BadRequest")[0]["fieldViolations"]}
    assert "context.urn" in fields


def test_credentials_are_the_grpc_ones_and_denials_count_the_http_peer(sccd, hosi):
    register(hosi, "100203")
    status, answer = post(sccd, "AuditService/GetWorkflowState", {"urn": "100203"}, user=None)
    assert (status, answer["error"]["status"]) == (401, "UNAUTHENTICATED")
    status, answer = post(sccd, "DesignationService/RaiseConcern", {
        "context": {"urn": "100203", "request_id": "http-denied-1"},
        "concern": {"triggers": [TRIGGER]}}, user="board-reader")
    assert (status, answer["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert "report_reader may not call RaiseConcern" in answer["error"]["message"]
    _, server = post(sccd, "AdminService/GetServerStatus", {}, user="auditor")
    peers = {p["peer"]: p for p in server["deniedPeers"]}
    assert "ipv4:127.0.0.1" in peers, server["deniedPeers"]
    assert peers["ipv4:127.0.0.1"]["unauthenticated"] == "1"
    assert peers["ipv4:127.0.0.1"]["permissionDenied"] == "1"


def test_requests_the_api_cannot_take(sccd):
    status, answer = post(sccd, "AuditService/NoSuchMethod", {})
    assert (status, answer["error"]["status"]) == (404, "NOT_FOUND")
    assert "/v1/scc.v1.<Service>/<Method>" in answer["error"]["message"]
    status, answer = post(sccd, "AuditService/GetWorkflowState", None, raw=b"{\"urn\": ")
    assert (status, answer["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert "scc.v1.GetWorkflowStateRequest" in answer["error"]["message"]
    status, answer = post(sccd, "AuditService/GetWorkflowState", {"urn": "100001", "colour": 1})
    assert status == 400
    assert "colour" in answer["error"]["message"]
    status, answer = post(sccd, "AuditService/GetHistory", {"urn": "100001", "pageSize": "many"})
    assert status == 400
    assert "page_size" in answer["error"]["message"] or "pageSize" in answer["error"]["message"]
    status, answer = post(sccd, "AuditService/Watch", {})
    assert (status, answer["error"]["status"]) == (501, "UNIMPLEMENTED")
    assert "ReadEvents" in answer["error"]["message"]
    status, answer = post(sccd, "AuditService/GetWorkflowState", None, raw=b"", method="GET")
    assert (status, answer["error"]["code"]) == (405, 405)
    status, answer = post(sccd, "grpc.health.v1.Health/Check", {})
    assert status == 404


def test_the_console_is_served_with_its_assets(sccd):
    with urllib.request.urlopen(sccd.http_url, timeout=30) as page:
        assert page.headers["Content-Type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert b"/govuk/govuk-frontend.min.css" in page.read()
    for asset in ("govuk/govuk-frontend.min.css", "govuk/govuk-frontend.min.js",
                  "moj/moj-frontend.min.js", "app.js", "favicon.svg", "pages/help.html",
                  "pages/accessibility.html", "pages/privacy.html"):
        with urllib.request.urlopen(sccd.http_url + asset, timeout=30) as file:
            assert file.status == 200, asset
    # A council's service, not GOV.UK's: Arial, not GOV.UK's typeface, and no crown.
    with urllib.request.urlopen(sccd.http_url + "govuk/govuk-frontend.min.css", timeout=30) as css:
        assert b"GDS Transport" not in css.read()
    for gone in ("assets/fonts/bold-b542beb274-v2.woff2", "assets/images/favicon.ico"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(sccd.http_url + gone, timeout=30)
        assert missing.value.code == 404, gone
    with urllib.request.urlopen(sccd.http_url + "site.json", timeout=30) as site:
        assert set(json.loads(site.read())) == {"authority", "brandColour", "identityProvider"}


@pytest.fixture
def small_sccd(tmp_path):
    server = Sccd(str(tmp_path), ["--max-message-bytes", "2048"])
    server.start()
    yield server
    server.stop()


def test_a_body_over_the_message_limit_is_refused(small_sccd):
    status, answer = post(small_sccd, "AuditService/GetWorkflowState", None,
                          raw=json.dumps({"urn": "1" * 4096}).encode())
    assert (status, answer["error"]["status"]) == (413, "RESOURCE_EXHAUSTED")
    assert answer["error"]["code"] == 413
    assert "2048 bytes" in answer["error"]["message"]
