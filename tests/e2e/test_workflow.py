"""Black-box tests: the Python client against the real sccd, as another service would use it.
Whole flowchart paths from the rulebook, the errors a caller sees, CSV import through sccctl,
bitemporal reads and a Watch consumer that disconnects and resumes."""

import datetime
import os
import re
import subprocess

import pytest

from scc_client import (AlreadyExists, InvalidRequest, NotFound, PermissionDenied,
                        RefusedByRule, Unauthenticated, VersionConflict, state_name)

TRIGGER = {"trigger": "CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE",
           "evidence": "KS2 reading fell two years running"}



def warning_notice(ground, given_on, compliance_ends_on):
    """An s60 notice with the content the Act requires (R-17) and its copy to the governors."""
    return {"grounds": [ground], "reason": "WARNING_NOTICE_REASON_TWELVE_MONTHS_UNLIKELY_GOOD",
            "matters_relied_upon": "Reading at KS2 below the floor for three years",
            "required_action": "Secure good teaching of reading",
            "action_minded_to_take": "Appoint an Interim Executive Board (s65)",
            "compliance_period_ends_on": compliance_ends_on,
            "copies": [{"recipient": "SCHOOL_PARTY_GOVERNING_BODY", "sent_on": given_on}]}

def register(client, urn, kind="INSTITUTION_KIND_MAINTAINED_SCHOOL", phase="PHASE_PRIMARY",
             name="Hillside Primary"):
    return client.command("RegisterInstitution", urn,
                          {"details": {"name": name, "kind": kind, "phase": phase}},
                          effective_date="2024-09-01")


def ofsted(client, urn, grade, inspected, recorded, category="OFSTED_CATEGORY_NONE"):
    return client.command("RecordOfstedOutcome", urn,
                          {"inspection_date": inspected,
                           "legacy": {"overall": grade, "category": category}},
                          effective_date=recorded)


def designate_to_plan(client, urn):
    client.command("RaiseConcern", urn, {"triggers": [TRIGGER],
                                         "discussed_with_headteacher_on": "2024-09-18"},
                   effective_date="2024-09-20", reason="recorded by the test")
    client.command("DesignateSchool", urn, {"triggers": [TRIGGER],
                                            "letter_sent_on": "2024-10-02"},
                   effective_date="2024-10-01", reason="SRG autumn 1")
    client.command("AssignLeadOfficer", urn, {"lead_officer_id": "lo-ann",
                                              "lead_officer_name": "Ann Okafor"},
                   effective_date="2024-10-05", reason="recorded by the test")
    client.command("AgreeActionPlan", urn,
                   {"plan": {"key_issues": ["Reading"],
                             "actions": [{"description": "Phonics training",
                                          "owner": "ACTION_OWNER_SCHOOL"}]}},
                   effective_date="2024-10-20", reason="recorded by the test")


def test_roles_act_only_within_their_reach_and_denials_are_counted(sccd, hosi):
    visit = {"kind": "VISIT_KIND_LEAD_OFFICER_MONITORING", "visitor": "Ann Okafor"}
    register(hosi, "100011")            # no LNI; lo-ann becomes its Lead Officer
    register(hosi, "100012")            # nobody lo-ann leads
    designate_to_plan(hosi, "100011")
    with sccd.client("lo-ann") as lo:
        lo.command("RecordVisit", "100011", visit, effective_date="2024-11-01")
        with pytest.raises(PermissionDenied) as denied:
            lo.command("RecordVisit", "100012", visit, effective_date="2024-11-01")
        assert "does not lead 100012" in str(denied.value)
        with pytest.raises(PermissionDenied):
            lo.command("DesignateSchool", "100011", {"triggers": [TRIGGER]}, reason="recorded by the test")
    with sccd.client("ey-lead") as ey, pytest.raises(PermissionDenied) as denied:
        ey.command("RecordVisit", "100011", visit, effective_date="2024-11-01")
    assert "early-years settings only" in str(denied.value)
    with sccd.client("auditor") as auditor:
        status = auditor.server_status()
    assert status.denied_permission == 3
    assert [p.permission_denied for p in status.denied_peers] == [3]


def test_school_cycle_to_removal(hosi):
    urn = "100001"
    register(hosi, urn)
    designate_to_plan(hosi, urn)
    review = hosi.command("HoldActionPlanReview", urn, {"progress": "PROGRESS_JUDGEMENT_SUFFICIENT"},
                          effective_date="2024-12-10", notes="Phonics lead off sick", reason="recorded by the test")
    assert state_name(review.state) == "ACTION_PLAN_ACTIVE"
    hosi.command("HoldMonitoringAndChallengeMeeting", urn, {}, effective_date="2024-12-15", reason="recorded by the test")
    hosi.command("IssueWarningNotice", urn, warning_notice("WARNING_NOTICE_GROUND_LOW_STANDARDS",
                                                           "2025-10-01", "2025-11-01"),
                 effective_date="2025-10-01", reason="SCC for over a year, unlikely to be Good")
    hosi.command("RecordWarningNoticeNotComplied", urn, {}, effective_date="2025-11-05", reason="recorded by the test")
    hosi.command("IssueNoticeOfIntentionToIntervene", urn,
                 {"proposed_powers": ["INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD"]},
                 effective_date="2025-11-10", reason="recorded by the test")
    hosi.command("RecordInterventionConsultation", urn,
                 {"power": "INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD",
                  "consulted": ["SCHOOL_PARTY_GOVERNING_BODY"]},
                 effective_date="2025-11-20", reason="required before an IEB (R-19)")
    result = hosi.command("ApplyIntervention", urn,
                          {"power": "INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD"},
                          effective_date="2025-12-01", reason="recorded by the test")
    assert state_name(result.state) == "INTERVENTION"

    ofsted(hosi, urn, "OFSTED_GRADE_REQUIRES_IMPROVEMENT", "2026-01-10", "2026-01-20")
    removal = {"basis": "REMOVAL_BASIS_LA_REVIEW", "review_date": "2026-06-01",
               "evidence": "Sustained improvement", "headteacher_agreed_on": "2026-06-05",
               "srg_confirmed_on": "2026-06-10"}
    with pytest.raises(RefusedByRule) as refused:
        hosi.command("RemoveFromScc", urn, removal, effective_date="2026-06-12", reason="recorded by the test")
    assert refused.value.rule == "R-15"
    assert refused.value.state == "INTERVENTION"
    assert "HoldActionPlanReview" in refused.value.allowed_next_steps

    ofsted(hosi, urn, "OFSTED_GRADE_GOOD", "2026-05-01", "2026-05-20")
    removed = hosi.command("RemoveFromScc", urn, removal, effective_date="2026-06-12", reason="recorded by the test")
    assert state_name(removed.state) == "REMOVED"

    status = hosi.get_institution(urn, min_position=removed.global_position)
    assert not status.causing_concern
    trail = list(hosi.history(urn))
    assert [e.type for e in trail][:3] == ["institution_registered", "concern_raised",
                                           "srg_designated"]
    assert trail[2].actor == "hosi" and trail[2].reason == "SRG autumn 1"
    assert hosi.verify_log().ok


def test_confidential_notes_are_redacted_for_report_readers(sccd, hosi):
    urn = "100002"
    register(hosi, urn)
    designate_to_plan(hosi, urn)
    hosi.command("HoldActionPlanReview", urn, {}, effective_date="2024-12-10",
                 notes="Head of maths on long-term sick leave", reason="recorded by the test")
    with sccd.client("board-reader") as reader:
        review = list(reader.history(urn))[-1]
    assert review.type == "action_plan_review_held"
    assert review.notes_redacted and review.notes.text == ""
    assert list(hosi.history(urn))[-1].notes.text == "Head of maths on long-term sick leave"


def test_academy_escalation_needs_the_trust_informed_first(hosi):
    urn = "140001"
    register(hosi, urn, kind="INSTITUTION_KIND_ACADEMY", phase="PHASE_SECONDARY",
             name="Ridge Academy")
    hosi.command("RaiseConcernWithAcademy", urn, {"triggers": [TRIGGER]},
                 effective_date="2025-01-10", reason="recorded by the test")
    escalation = {"bodies": ["ESCALATION_BODY_REGIONAL_DIRECTOR"],
                  "trust_informed_of_escalation_on": "2025-03-01"}
    with pytest.raises(RefusedByRule) as refused:
        hosi.command("EscalateAcademyConcern", urn, escalation, effective_date="2025-03-05", reason="recorded by the test")
    assert refused.value.rule == "R-20"
    with pytest.raises(RefusedByRule) as notice:
        hosi.command("IssueWarningNotice", urn,
                     warning_notice("WARNING_NOTICE_GROUND_SAFETY_THREATENED", "2025-03-05",
                                    "2025-04-30"),
                     effective_date="2025-03-05", reason="safeguarding referrals not followed up")
    assert notice.value.rule == "R-20"
    hosi.command("InformTrust", urn, {"recommended_actions": "External safeguarding review"},
                 effective_date="2025-01-20", reason="recorded by the test")
    result = hosi.command("EscalateAcademyConcern", urn, escalation, effective_date="2025-03-05", reason="recorded by the test")
    assert state_name(result.state) == "ESCALATED"


def test_setting_cycle_by_the_early_years_team(sccd):
    with sccd.client("ey-lead") as ey:
        urn = "EY123456"
        register(ey, urn, kind="INSTITUTION_KIND_EARLY_YEARS_SETTING", phase="PHASE_EARLY_YEARS",
                 name="Little Acorns")
        ey.command("RecordSettingCausingConcern", urn,
                   {"triggers": [{"trigger": "SETTING_CONCERN_TRIGGER_SAFEGUARDING",
                                  "evidence": "Unclear reporting"}]}, effective_date="2025-01-10", reason="recorded by the test")
        ey.command("RecordSettingSupportAction", urn,
                   {"kind": "SETTING_SUPPORT_ACTION_KIND_FOCUSED_VISITS"}, effective_date="2025-01-20", reason="recorded by the test")
        with pytest.raises(RefusedByRule) as refused:
            ey.command("RemoveSettingFromList", urn,
                       {"basis": "SETTING_REMOVAL_BASIS_OFSTED_GRADE_CHANGED"},
                       effective_date="2025-03-01", reason="recorded by the test")
        assert refused.value.rule == "R-23"
        done = ey.command("RemoveSettingFromList", urn,
                          {"basis": "SETTING_REMOVAL_BASIS_PRACTICE_IMPROVED"},
                          effective_date="2025-06-20", reason="recorded by the test")
        assert state_name(done.state) == "REMOVED"


def test_errors_a_caller_sees(sccd, hosi):
    register(hosi, "100003")
    with pytest.raises(InvalidRequest) as bad:
        hosi.command("RaiseConcern", "12", {"triggers": [TRIGGER]}, reason="recorded by the test")
    assert ("context.urn" in [field for field, _ in bad.value.field_violations])
    with pytest.raises(InvalidRequest) as future:
        hosi.command("RecordVisit", "100003", {"kind": "VISIT_KIND_SCHOOL_EFFECTIVENESS",
                                                "visitor": "lni"}, effective_date="2099-01-01")
    assert "context.effective_date" in [f for f, _ in future.value.field_violations]
    with pytest.raises(NotFound):
        hosi.command("RaiseConcern", "100999", {"triggers": [TRIGGER]}, reason="recorded by the test")
    with pytest.raises(AlreadyExists):
        register(hosi, "100003")
    with pytest.raises(VersionConflict) as conflict:
        hosi.command("RaiseConcern", "100003", {"triggers": [TRIGGER]}, expected_version=5, reason="recorded by the test")
    assert conflict.value.current_version == 0
    with sccd.client("auditor") as auditor, pytest.raises(PermissionDenied):
        auditor.command("RaiseConcern", "100003", {"triggers": [TRIGGER]}, reason="recorded by the test")
    from scc_client import Client
    with Client(sccd.address, token="nope") as stranger, pytest.raises(Unauthenticated):
        stranger.get_institution("100003")
    # A retry with the same request id is answered from the first result.
    first = hosi.command("RecordVisit", "100003", {"kind": "VISIT_KIND_SCHOOL_EFFECTIVENESS",
                                                   "visitor": "lni"}, request_id="visit-1",
                         effective_date="2024-10-01")
    again = hosi.command("RecordVisit", "100003", {"kind": "VISIT_KIND_SCHOOL_EFFECTIVENESS",
                                                   "visitor": "lni"}, request_id="visit-1",
                         effective_date="2024-10-01")
    assert again.replayed and again.global_position == first.global_position


def test_as_of_and_known_at(hosi):
    urn = "100004"
    register(hosi, urn)
    hosi.command("RaiseConcern", urn, {"triggers": [TRIGGER],
                                       "discussed_with_headteacher_on": "2024-09-18"},
                 effective_date="2024-09-20", reason="recorded by the test")
    before = datetime.datetime.now(datetime.timezone.utc)
    hosi.command("DesignateSchool", urn, {"triggers": [TRIGGER], "letter_sent_on": "2024-10-02"},
                 effective_date="2024-10-01", reason="recorded by the test")
    assert state_name(hosi.get_institution(urn, as_of="2024-09-25").state) == "AT_RISK"
    assert state_name(hosi.get_institution(urn, as_of="2024-10-05").state) == "DESIGNATED"
    known = hosi.get_institution(urn, as_of="2024-10-05", known_at=before)
    assert state_name(known.state) == "AT_RISK"


def test_import_of_the_sample_files_is_idempotent(sccd, hosi):
    samples = os.environ["SAMPLES_DIR"]
    env = dict(os.environ, SCC_SERVER=sccd.address, SCC_TOKEN="t-hosi")
    runs = []
    files = (("institutions", "gias_establishments.csv"),
             ("ofsted", "ofsted_graded_2024.csv"),
             ("ofsted", "ofsted_ungraded_2025.csv"),
             ("ofsted", "ofsted_report_cards.csv"))
    for _ in range(2):
        for kind, name in files:
            done = subprocess.run([os.environ["SCCCTL_BIN"], "import", kind,
                                   os.path.join(samples, name)],
                                  env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            runs.append(done.stdout)
    assert re.search(r"registered +11\b", runs[0]) and "11 recorded" in runs[1]
    assert "3 recorded" in runs[2] and "5 recorded" in runs[3]
    assert re.search(r"registered +0\b", runs[4]) and re.search(r"unchanged +11\b", runs[4])
    assert all(" 0 recorded, " in run for run in runs[5:])
    cedar = hosi.get_institution("200111")
    assert state_name(cedar.state) == "OFSTED_CATEGORY"
    assert hosi.get_institution("200102").details.name == "St Mary\u2019s Catholic Primary School"


def test_watch_consumer_resumes_without_gaps_or_duplicates(sccd, hosi):
    register(hosi, "100005")
    for day in range(1, 7):
        hosi.command("RecordVisit", "100005", {"kind": "VISIT_KIND_SCHOOL_EFFECTIVENESS",
                                               "visitor": "lni"},
                     effective_date="2024-10-%02d" % day)
    seen, position = [], 0
    with sccd.client("gias-sync") as reader:
        for _ in range(4):  # read two events per connection, then drop it
            taken = 0
            for event, next_position in reader.watch(position, event_types=["visit_recorded"],
                                                     heartbeat_seconds=1, timeout=10):
                position = next_position
                if event is None:
                    break
                seen.append(event.global_position)
                taken += 1
                if taken == 2:
                    break
        assert seen == [1, 2, 3, 4, 5, 6]
