// decide/evolve for every transition of the flowchart (docs/rules.md section 4) and every rule that
// refuses something, for maintained schools, academies and settings. No I/O.
#include "services/domain/decide.h"

#include <functional>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"
#include "services/domain/errors.h"
#include "services/domain/evolve.h"
#include "services/domain/ofsted.h"

namespace scc::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using namespace testing;  // NOLINT: the builders

constexpr auto kSchool = v1::INSTITUTION_KIND_MAINTAINED_SCHOOL;
constexpr auto kAcademy = v1::INSTITUTION_KIND_ACADEMY;
constexpr auto kSetting = v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;

// A school taken along the flowchart to a given point.
Workflow SchoolAt(v1::FlowchartState target) {
  Workflow w;
  w.Must(Register(kSchool), "2024-09-01");
  if (target == v1::FLOWCHART_STATE_MONITORED) return w;
  w.Must(RaiseConcern(), "2024-09-20");
  if (target == v1::FLOWCHART_STATE_AT_RISK) return w;
  w.Must(Designate(), "2024-10-01");
  if (target == v1::FLOWCHART_STATE_DESIGNATED) return w;
  w.Must(AssignLeadOfficer(), "2024-10-05");
  if (target == v1::FLOWCHART_STATE_LO_ASSIGNED) return w;
  w.Must(AgreePlan(), "2024-10-20");
  if (target == v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE) return w;
  w.Must(WarningNotice("2025-11-01"), "2025-10-01");
  if (target == v1::FLOWCHART_STATE_WARNING_NOTICE) return w;
  w.Must(WarningNotComplied(), "2025-11-05");
  w.Must(NoticeOfIntention(), "2025-11-10");
  return w;  // ELIGIBLE_FOR_INTERVENTION
}

TEST(DecideTest, MaintainedSchoolFullCycle) {
  Workflow w;
  auto expect_state = [&w](v1::FlowchartState s) { EXPECT_EQ(StateName(w.state().state()), StateName(s)); };
  w.Must(Register(kSchool), "2024-09-01");
  expect_state(v1::FLOWCHART_STATE_MONITORED);
  w.Must(RaiseConcern(), "2024-09-20");
  expect_state(v1::FLOWCHART_STATE_AT_RISK);
  w.Must(Designate(), "2024-10-01");
  expect_state(v1::FLOWCHART_STATE_DESIGNATED);
  EXPECT_TRUE(IsCausingConcern(w.state().state()));
  EXPECT_EQ(w.state().episode().designated_on(), "2024-10-01");
  w.Must(AssignLeadOfficer(), "2024-10-05");
  expect_state(v1::FLOWCHART_STATE_LO_ASSIGNED);
  w.Must(AgreePlan(), "2024-10-20");
  expect_state(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  EXPECT_EQ(w.state().episode().action_plan_version(), 1u);
  auto review = w.Run(Review(), "2024-12-10");
  ASSERT_TRUE(review.ok()) << review.status();
  EXPECT_EQ((*review)[0].action_plan_review_held().reviewed_version(), 1u);
  EXPECT_EQ((*review)[0].action_plan_review_held().new_version(), 2u);
  w.Must(Mcm(), "2024-12-15");
  w.Must(SrgReview(v1::SRG_OUTCOME_CONTINUE), "2025-01-10");
  w.Must(Visit(), "2025-01-15");
  expect_state(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  w.Must(WarningNotice("2025-11-01"), "2025-10-01");
  expect_state(v1::FLOWCHART_STATE_WARNING_NOTICE);
  w.Must(WarningNotComplied(), "2025-11-05");
  expect_state(v1::FLOWCHART_STATE_WARNING_NOTICE);
  w.Must(NoticeOfIntention(), "2025-11-10");
  expect_state(v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION);
  w.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-12-01");
  w.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-12-01");
  expect_state(v1::FLOWCHART_STATE_INTERVENTION);
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2026-05-01"), "2026-05-20");
  w.Must(Removal(), "2026-06-12");
  expect_state(v1::FLOWCHART_STATE_REMOVED);
  EXPECT_FALSE(IsCausingConcern(w.state().state()));
  // The next cycle starts from REMOVED as from MONITORED.
  w.Must(RaiseConcern(), "2026-09-20");
  expect_state(v1::FLOWCHART_STATE_AT_RISK);
}

TEST(DecideTest, ANewEpisodeStartsFromAnEmptyOne) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION);
  w.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-12-01");
  w.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-12-01");
  w.Must(Review(), "2025-12-08");
  w.Must(Mcm(), "2025-12-10");
  w.Must(Engagement(), "2025-12-12");
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2026-05-01"), "2026-05-20");
  w.Must(SrgReview(v1::SRG_OUTCOME_REMOVE), "2026-06-01");
  w.Must(Removal(), "2026-06-12");
  // The last episode stays readable until the next one starts.
  EXPECT_EQ(w.state().episode().removed_on(), "2026-06-12");
  EXPECT_EQ(w.state().episode().lead_officer().lead_officer_id(), "lo-ann");
  w.Must(RaiseConcern(), "2026-09-20");
  v1::EventPayload designation = Designate();
  designation.mutable_srg_designated()->set_letter_sent_on("2026-10-02");
  w.Must(designation, "2026-10-01");
  v1::SccEpisode fresh;
  fresh.set_designated_on("2026-10-01");
  *fresh.mutable_triggers() = designation.srg_designated().triggers();
  EXPECT_EQ(w.state().episode().ShortDebugString(), fresh.ShortDebugString());
  // Facts are not part of an episode.
  EXPECT_EQ(w.state().latest_ofsted().inspection_date(), "2026-05-01");
}

TEST(DecideTest, WarningNoticeComplianceReturnsToActionPlan) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE);
  w.Must(WarningComplied(), "2025-10-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
}

TEST(DecideTest, SrgMayDecideNotToDesignate) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_AT_RISK);
  w.Must(NotDesignate(), "2024-10-01");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_MONITORED);
}

TEST(DecideTest, SpecialMeasuresFromAnyStateThenGoodOutcomeLeavesCategory) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-20", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2025-02-01");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  EXPECT_EQ(w.state().episode().designated_on(), "2024-10-01");  // same episode
  w.Must(StatementOfAction(), "2025-02-10");
  w.Must(SprtMeeting(), "2025-03-01");
  w.Must(Mcm(), "2025-03-10");  // after a Statement of Action
  w.Must(Intervention(v1::INTERVENTION_POWER_S64_ADDITIONAL_GOVERNORS), "2025-03-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_INTERVENTION);

  Workflow v = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  v.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-20", v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES),
         "2025-02-01");
  v.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2026-01-20"), "2026-02-01");
  EXPECT_EQ(v.state().state(), v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
}

TEST(DecideTest, AnOfstedCategoryLastsThroughInterventionUntilALaterGoodJudgement) {
  // a school in special measures stays in the category when a power is used; it is
  // eligible for intervention from the judgement; its Statement of Action is still due.
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-20", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2025-02-01");
  EXPECT_EQ(w.state().episode().category_entered_on(), "2025-02-01");
  EXPECT_EQ(w.state().episode().eligible_for_intervention_on(), "2025-02-01");
  w.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-02-05");
  w.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-02-05");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_INTERVENTION);
  EXPECT_EQ(w.state().episode().category_entered_on(), "2025-02-01");
  EXPECT_THAT(AllowedNextSteps(w.state()), ::testing::Contains("IssueStatementOfAction"));
  w.Must(StatementOfAction(), "2025-02-10");
  // A later Good judgement ends the category; the IEB stays in place.
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2026-01-20"), "2026-02-01");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_INTERVENTION);
  EXPECT_TRUE(w.state().episode().category_entered_on().empty());

  // Judged to have serious weaknesses while an IEB is already in place: in the category too.
  Workflow v = SchoolAt(v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION);
  v.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-11-20");
  v.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-11-20");
  v.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2026-01-20", v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES),
         "2026-02-01");
  EXPECT_EQ(v.state().state(), v1::FLOWCHART_STATE_INTERVENTION);
  EXPECT_EQ(v.state().episode().category_entered_on(), "2026-02-01");
  v.Must(StatementOfAction(), "2026-02-10");
}

TEST(DecideTest, OfstedCategoryPutsAMonitoredSchoolInScc) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_MONITORED);
  w.Must(ReportCardOutcome(v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                           v1::REPORT_CARD_GRADE_NEEDS_ATTENTION, v1::SAFEGUARDING_OUTCOME_MET,
                           "2026-01-12"),
         "2026-01-30");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  EXPECT_EQ(w.state().episode().designated_on(), "2026-01-30");
  ASSERT_EQ(w.state().episode().triggers_size(), 1u);
  EXPECT_EQ(w.state().episode().triggers(0).trigger(), v1::CONCERN_TRIGGER_OFSTED_BELOW_GOOD);
  // Always assigned a Lead Officer, who writes the Statement of Action and a plan.
  w.Must(AssignLeadOfficer(), "2026-02-01");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  // The Statement of Action includes the action plan: it is plan version 1.
  w.Must(StatementOfAction(), "2026-02-05");
  EXPECT_EQ(w.state().episode().action_plan_version(), 1u);
  EXPECT_FALSE(w.Run(AgreePlan(), "2026-02-06").ok());
  w.Must(Review(), "2026-03-06");
  EXPECT_EQ(w.state().episode().action_plan_version(), 2u);
}

TEST(DecideTest, OlderInspectionRecordedLateDoesNotReplaceTheLatest) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_MONITORED);
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2025-05-01"), "2025-05-20");
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2022-05-01"), "2025-06-01");
  EXPECT_EQ(w.state().latest_ofsted().inspection_date(), "2025-05-01");
}

TEST(DecideTest, LeadOfficerChangeIsAReassignment) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  auto events = w.Run(AssignLeadOfficer("lo-bob"), "2025-01-05");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_TRUE((*events)[0].has_lead_officer_reassigned());
  EXPECT_EQ((*events)[0].lead_officer_reassigned().previous_lead_officer_id(), "lo-ann");
  EXPECT_EQ(w.state().episode().lead_officer().lead_officer_id(), "lo-bob");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
}

TEST(DecideTest, AcademyPath) {
  Workflow w;
  w.Must(Register(kAcademy), "2024-09-01");
  w.Must(AcademyConcern(), "2025-01-10");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CONCERN_RAISED_WITH_SCHOOL);
  w.Must(InformTrust(), "2025-01-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_TRUST_INFORMED);
  w.Must(TrustPlan(), "2025-02-10");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_TRUST_PLAN_SHARED);
  w.Must(Escalate(), "2025-03-05");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_ESCALATED);
  w.Must(ResolveAcademy(), "2025-09-01");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_RESOLVED);
  w.Must(AcademyConcern(), "2026-01-10");  // a new concern after resolution
}

TEST(DecideTest, SettingPath) {
  Workflow w;
  w.Must(Register(kSetting), "2024-09-01");
  w.Must(SettingConcern(), "2025-01-10");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CAUSING_CONCERN);
  EXPECT_TRUE(IsCausingConcern(w.state().state()));
  w.Must(SettingSupport(), "2025-01-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_SUPPORT_ACTIVE);
  w.Must(SettingMeeting(), "2025-03-20");
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2025-06-01"), "2025-06-10");
  w.Must(SettingRemoved(v1::SETTING_REMOVAL_BASIS_OFSTED_GRADE_CHANGED), "2025-06-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_REMOVED);
}

// ---------------------------------------------------------------------------------------------
// Refusals: every rule that says no.

struct Refusal {
  std::string name;
  std::function<Workflow()> setup;
  v1::EventPayload command;
  std::string date;
  absl::StatusCode code;
  std::string rule;  // must appear in the message
  friend void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }
};

Workflow NewInstitution(v1::InstitutionKind kind) {
  Workflow w;
  w.Must(Register(kind), "2024-09-01");
  return w;
}

Workflow SchoolWithLatestOfsted(v1::OfstedGrade grade) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  w.Must(Ofsted(grade, "2025-05-01"), "2025-05-10");
  return w;
}

class RefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(RefusalTest, RefusedNamingTheRuleAndStateAndNextSteps) {
  const Refusal& r = GetParam();
  Workflow w = r.setup();
  const size_t events_before = w.events().size();
  auto result = w.Run(r.command, r.date);
  ASSERT_EQ(result.status().code(), r.code) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(r.rule));
  EXPECT_EQ(w.events().size(), events_before);
  if (r.code == absl::StatusCode::kFailedPrecondition) {
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("allowed next steps"));
    auto payload = result.status().GetPayload(kPreconditionFailureUrl);
    ASSERT_TRUE(payload.has_value());
    google::rpc::PreconditionFailure failure;
    ASSERT_TRUE(failure.ParseFromString(std::string(*payload)));
    EXPECT_EQ(failure.violations(0).type(), r.rule);
    EXPECT_TRUE(result.status().GetPayload(kErrorInfoUrl).has_value());
  }
}

const auto kFp = absl::StatusCode::kFailedPrecondition;

INSTANTIATE_TEST_SUITE_P(
    Rules, RefusalTest,
    ::testing::Values(
        Refusal{"DesignateWithoutConcern", [] { return SchoolAt(v1::FLOWCHART_STATE_MONITORED); },
                Designate(), "2024-10-01", kFp, "R-4"},
        Refusal{"DesignateWithoutHeadteacherDiscussion",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_MONITORED);
                  v1::EventPayload concern = RaiseConcern();
                  concern.mutable_concern_raised()->clear_discussed_with_headteacher_on();
                  w.Must(concern, "2024-09-20");
                  return w;
                },
                Designate(false), "2024-10-01", kFp, "R-4"},
        Refusal{"ConcernWhileDesignated", [] { return SchoolAt(v1::FLOWCHART_STATE_DESIGNATED); },
                RaiseConcern(), "2024-10-02", kFp, "R-3"},
        Refusal{"LeadOfficerBeforeDesignation",
                [] { return SchoolAt(v1::FLOWCHART_STATE_AT_RISK); }, AssignLeadOfficer(),
                "2024-10-02", kFp, "R-5"},
        Refusal{"SameLeadOfficerAgain", [] { return SchoolAt(v1::FLOWCHART_STATE_LO_ASSIGNED); },
                AssignLeadOfficer(), "2024-10-06", kFp, "R-5"},
        Refusal{"PlanWithoutLeadOfficer", [] { return SchoolAt(v1::FLOWCHART_STATE_DESIGNATED); },
                AgreePlan(), "2024-10-02", kFp, "R-9"},
        Refusal{"SecondPlanInsteadOfReview",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
                  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-05",
                                v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
                         "2025-01-10");
                  return w;
                },
                AgreePlan(), "2025-01-12", kFp, "R-10"},
        Refusal{"ReviewWithoutPlan",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_MONITORED);
                  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-05",
                                v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES),
                         "2025-01-10");
                  w.Must(AssignLeadOfficer(), "2025-01-11");
                  return w;
                },
                Review(), "2025-01-12", kFp, "R-10"},
        Refusal{"McmBeforeAnyReview",
                [] { return SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE); }, Mcm(),
                "2024-10-25", kFp, "R-11"},
        Refusal{"QaMeetingAboutAnotherOfficer",
                [] { return SchoolAt(v1::FLOWCHART_STATE_LO_ASSIGNED); }, QaMeeting("lo-zed"),
                "2024-10-25", kFp, "R-12"},
        Refusal{"StatementOfActionOutsideCategory",
                [] { return SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE); },
                StatementOfAction(), "2024-10-25", kFp, "R-13"},
        Refusal{"StatementOfActionWithoutLeadOfficer",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_MONITORED);
                  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-05",
                                v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
                         "2025-01-10");
                  return w;
                },
                StatementOfAction(), "2025-01-12", kFp, "R-13"},
        Refusal{"RemovalWhileLatestOfstedIsRi",
                [] { return SchoolWithLatestOfsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT); },
                Removal(), "2026-06-12", kFp, "R-15"},
        Refusal{"RemovalWhileLatestOfstedIsInadequate",
                [] { return SchoolWithLatestOfsted(v1::OFSTED_GRADE_INADEQUATE); }, Removal(),
                "2026-06-12", kFp, "R-15"},
        Refusal{"RemovalWhileReportCardNeedsAttention",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
                  w.Must(ReportCardOutcome(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                                           v1::REPORT_CARD_GRADE_NEEDS_ATTENTION,
                                           v1::SAFEGUARDING_OUTCOME_MET, "2026-01-10"),
                         "2026-01-20");
                  return w;
                },
                Removal(), "2026-06-12", kFp, "R-15"},
        Refusal{"RemovalWithoutSrgConfirmation",
                [] { return SchoolWithLatestOfsted(v1::OFSTED_GRADE_GOOD); }, Removal(false),
                "2026-06-12", kFp, "R-14"},
        Refusal{"RemovalOfAMonitoredSchool",
                [] { return SchoolAt(v1::FLOWCHART_STATE_MONITORED); }, Removal(), "2026-06-12",
                kFp, "R-14"},
        Refusal{"SecondWarningNoticeWhileOneIsInForce",
                [] { return SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE); },
                WarningNotice("2025-12-01"), "2025-10-20", kFp, "R-16"},
        Refusal{"WarningNoticeToAnAcademy", [] { return NewInstitution(kAcademy); },
                WarningNotice("2025-11-01"), "2025-10-01", kFp, "R-20"},
        Refusal{"InterventionInAnAcademy", [] { return NewInstitution(kAcademy); },
                Intervention(v1::INTERVENTION_POWER_S66_SUSPEND_DELEGATED_BUDGET), "2025-10-01",
                kFp, "R-20"},
        Refusal{"DesignationOfAnAcademy", [] { return NewInstitution(kAcademy); }, Designate(),
                "2024-10-01", kFp, "R-20"},
        Refusal{"NonComplianceBeforePeriodEnds",
                [] { return SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE); }, WarningNotComplied(),
                "2025-10-20", kFp, "R-18"},
        Refusal{"IntentionBeforeNonCompliance",
                [] { return SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE); }, NoticeOfIntention(),
                "2025-10-20", kFp, "R-18"},
        Refusal{"InterventionWhileOnlyWarned",
                [] { return SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE); },
                Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-10-20",
                kFp, "R-18"},
        Refusal{"EscalationBeforeTrustInformed",
                [] {
                  Workflow w = NewInstitution(kAcademy);
                  w.Must(AcademyConcern(), "2025-01-10");
                  return w;
                },
                Escalate(), "2025-03-05", kFp, "R-20"},
        Refusal{"AcademyStepForASchool", [] { return NewInstitution(kSchool); }, InformTrust(),
                "2025-01-10", kFp, "R-20"},
        Refusal{"SettingStepForASchool", [] { return NewInstitution(kSchool); },
                SettingConcern(), "2025-01-10", kFp, "R-21"},
        Refusal{"SchoolStepForASetting", [] { return NewInstitution(kSetting); }, RaiseConcern(),
                "2025-01-10", kFp, "R-21"},
        Refusal{"SettingSupportBeforeConcern", [] { return NewInstitution(kSetting); },
                SettingSupport(), "2025-01-10", kFp, "R-22"},
        Refusal{"SettingRemovedForGradeWithoutGoodOutcome",
                [] {
                  Workflow w = NewInstitution(kSetting);
                  w.Must(SettingConcern(), "2025-01-10");
                  return w;
                },
                SettingRemoved(v1::SETTING_REMOVAL_BASIS_OFSTED_GRADE_CHANGED), "2025-02-10", kFp,
                "R-23"},
        Refusal{"HeadteacherDiscussionAfterTheSrg",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_MONITORED);
                  v1::EventPayload concern = RaiseConcern();
                  concern.mutable_concern_raised()->clear_discussed_with_headteacher_on();
                  w.Must(concern, "2024-09-20");
                  return w;
                },
                [] {
                  v1::EventPayload late = Designate(false);
                  late.mutable_srg_designated()->set_discussed_with_headteacher_on("2024-10-03");
                  return late;
                }(),
                "2024-10-01", kFp, "R-4"},
        Refusal{"NonComplianceOnTheLastDayOfThePeriod",
                [] { return SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE); }, WarningNotComplied(),
                "2025-11-01", kFp, "R-18"},
        Refusal{"ComplianceAfterNonComplianceWasRecorded",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE);
                  w.Must(WarningNotComplied(), "2025-11-05");
                  return w;
                },
                WarningComplied(), "2025-11-06", kFp, "R-18"},
        Refusal{"NonComplianceRecordedTwice",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE);
                  w.Must(WarningNotComplied(), "2025-11-05");
                  return w;
                },
                WarningNotComplied(), "2025-11-06", kFp, "R-18"},
        Refusal{"SrgDecidesRemovalWhileRequiresImprovement",
                [] { return SchoolWithLatestOfsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT); },
                SrgReview(v1::SRG_OUTCOME_REMOVE), "2025-05-20", kFp, "R-15"},
        Refusal{"StatementOfActionWithoutACategory",
                [] {
                  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION);
                  w.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-11-20");
                  w.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD),
                         "2025-11-20");
                  return w;
                },
                StatementOfAction(), "2025-11-25", kFp, "R-13"},
        Refusal{"SettingRemovedForAGradeFromBeforeItWasListed",
                [] {
                  Workflow w = NewInstitution(kSetting);
                  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2024-10-01"), "2024-10-05");
                  w.Must(SettingConcern(), "2025-01-10");
                  return w;
                },
                SettingRemoved(v1::SETTING_REMOVAL_BASIS_OFSTED_GRADE_CHANGED), "2025-02-10", kFp,
                "R-23"},
        Refusal{"SecondRegistration", [] { return NewInstitution(kSchool); }, Register(kSchool),
                "2024-09-02", absl::StatusCode::kAlreadyExists, "already registered"},
        Refusal{"UnregisteredInstitution", [] { return Workflow(); }, RaiseConcern(),
                "2024-09-25", absl::StatusCode::kNotFound, "not registered"}));

TEST(DecideTest, ATermlySettingsMeetingMeansSupportIsActive) {
  Workflow w = NewInstitution(kSetting);
  w.Must(SettingConcern(), "2025-01-10");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CAUSING_CONCERN);
  w.Must(SettingMeeting(), "2025-02-10");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_SUPPORT_ACTIVE);
}

// ---------------------------------------------------------------------------------------------
// Malformed input: INVALID_ARGUMENT naming the field.

struct BadInput {
  std::string name;
  std::function<Command(Workflow&)> command;
  std::string field;
  friend void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }
};

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, InvalidArgumentNamesTheField) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_AT_RISK);
  const Command cmd = GetParam().command(w);
  auto result = Decide(w.state(), cmd, kToday);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  auto payload = result.status().GetPayload(kBadRequestUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad;
  ASSERT_TRUE(bad.ParseFromString(std::string(*payload)));
  ASSERT_GT(bad.field_violations_size(), 0);
  std::vector<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  EXPECT_THAT(fields, ::testing::Contains(GetParam().field)) << result.status();
}

Command With(Workflow& w, const v1::EventPayload& p, const std::string& date = "2024-10-01") {
  return w.MakeCommand(p, date, v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, kReason);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, BadInputTest,
    ::testing::Values(
        BadInput{"BadUrn",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.set_urn("12-34");
                   return c;
                 },
                 "context.urn"},
        BadInput{"MissingRequestId",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.clear_request_id();
                   return c;
                 },
                 "context.request_id"},
        BadInput{"FutureEffectiveDate", [](Workflow& w) { return With(w, Designate(), "2027-01-01"); },
                 "context.effective_date"},
        BadInput{"EffectiveDateBeforeRegistration",
                 [](Workflow& w) { return With(w, Designate(false), "2023-01-01"); },
                 "context.effective_date"},
        BadInput{"EffectiveDateBeforeLastStep",
                 [](Workflow& w) { return With(w, Designate(false), "2024-09-10"); },
                 "context.effective_date"},
        BadInput{"NotADate", [](Workflow& w) { return With(w, Designate(), "2024-02-30"); },
                 "context.effective_date"},
        BadInput{"AgesTheWrongWayRound",
                 [](Workflow& w) {
                   v1::EventPayload p;
                   *p.mutable_institution_updated()->mutable_details() =
                       Register(kSchool).institution_registered().details();
                   p.mutable_institution_updated()->mutable_details()->set_statutory_low_age(11);
                   p.mutable_institution_updated()->mutable_details()->set_statutory_high_age(4);
                   return With(w, p);
                 },
                 "updated.details.statutory_low_age"},
        BadInput{"LaCodeNotThreeDigits",
                 [](Workflow& w) {
                   v1::EventPayload p;
                   *p.mutable_institution_updated()->mutable_details() =
                       Register(kSchool).institution_registered().details();
                   p.mutable_institution_updated()->mutable_details()->set_la_code("Barnet");
                   return With(w, p);
                 },
                 "updated.details.la_code"},
        BadInput{"UnknownEnumValue",
                 [](Workflow& w) {
                   v1::EventPayload p = Designate();
                   p.mutable_srg_designated()->mutable_triggers(0)->set_trigger(
                       static_cast<v1::ConcernTrigger>(99));
                   return With(w, p);
                 },
                 "designation.triggers[0].trigger"},
        BadInput{"TriggerWithoutEvidence",
                 [](Workflow& w) {
                   v1::EventPayload p = Designate();
                   p.mutable_srg_designated()->mutable_triggers(0)->clear_evidence();
                   return With(w, p);
                 },
                 "designation.triggers[0].evidence"},
        BadInput{"NoTriggers",
                 [](Workflow& w) {
                   v1::EventPayload p = Designate();
                   p.mutable_srg_designated()->clear_triggers();
                   return With(w, p);
                 },
                 "designation.triggers"},
        BadInput{"MissingLetter",
                 [](Workflow& w) {
                   v1::EventPayload p = Designate();
                   p.mutable_srg_designated()->clear_letter_sent_on();
                   return With(w, p);
                 },
                 "designation.letter_sent_on"},
        BadInput{"ReasonTooLong",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.set_reason(std::string(2001, 'r'));
                   return c;
                 },
                 "context.reason"},
        BadInput{"NotesTooLong",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.mutable_notes()->set_text(std::string(20001, 'n'));
                   return c;
                 },
                 "context.notes.text"},
        BadInput{"EvidenceTooLong",
                 [](Workflow& w) {
                   v1::EventPayload p = Designate();
                   p.mutable_srg_designated()->mutable_triggers(0)->set_evidence(
                       std::string(10001, 'e'));
                   return With(w, p);
                 },
                 "designation.triggers[0].evidence"},
        BadInput{"CorrectionWithoutReason",
                 [](Workflow& w) {
                   return w.MakeCommand(Correct("ev-0", nullptr), "2024-10-01",
                                        v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "");
                 },
                 "context.reason"},
        // every decision says why.
        BadInput{"DecisionWithoutReason",
                 [](Workflow& w) {
                   return w.MakeCommand(RaiseConcern(), "2024-10-01",
                                        v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, " ");
                 },
                 "context.reason"},
        BadInput{"OfstedWithoutJudgement",
                 [](Workflow& w) {
                   v1::EventPayload p;
                   p.mutable_ofsted_outcome_recorded()->set_inspection_date("2024-09-10");
                   return With(w, p);
                 },
                 "outcome.judgement"},
        BadInput{"CategoryWithoutInadequate",
                 [](Workflow& w) {
                   return With(w, Ofsted(v1::OFSTED_GRADE_GOOD, "2024-09-10",
                                         v1::OFSTED_CATEGORY_SPECIAL_MEASURES));
                 },
                 "outcome.legacy.category"},
        BadInput{"FutureInspection",
                 [](Workflow& w) {
                   return With(w, Ofsted(v1::OFSTED_GRADE_GOOD, "2027-01-01"));
                 },
                 "outcome.inspection_date"},
        BadInput{"BlankRequestId",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.set_request_id(" \t ");
                   return c;
                 },
                 "context.request_id"},
        BadInput{"NulInNotes",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.mutable_notes()->set_text(std::string("met the head\0teacher", 20));
                   return c;
                 },
                 "context.notes.text"},
        BadInput{"NulInRequestId",
                 [](Workflow& w) {
                   Command c = With(w, Designate());
                   c.context.set_request_id(std::string("req\0x", 5));
                   return c;
                 },
                 "context.request_id"},
        BadInput{"LineBreakInAOneLineField",
                 [](Workflow& w) {
                   v1::EventPayload p = Visit();
                   p.mutable_visit_recorded()->set_visitor("lo-ann\n# Heading");
                   return With(w, p);
                 },
                 "visit.visitor"},
        BadInput{"EscapeInFreeText",
                 [](Workflow& w) {
                   v1::EventPayload p = Designate();
                   p.mutable_srg_designated()->mutable_triggers(0)->set_evidence("weak \x1b[2J");
                   return With(w, p);
                 },
                 "designation.triggers[0].evidence"},
        BadInput{"C1ControlInAName",
                 [](Workflow& w) {
                   v1::EventPayload p = AssignLeadOfficer();
                   p.mutable_lead_officer_assigned()->set_lead_officer_name("Ann\xc2\x85Smith");
                   return With(w, p);
                 },
                 "lead_officer.lead_officer_name"},
        BadInput{"NoteDateFarInTheFuture",
                 [](Workflow& w) {
                   v1::EventPayload p = Visit();
                   p.mutable_visit_recorded()->set_note_status_on("9999-12-31");
                   return With(w, p);
                 },
                 "visit.note_status_on"},
        BadInput{"DateBefore1900",
                 [](Workflow& w) {
                   v1::EventPayload p = Visit();
                   p.mutable_visit_recorded()->set_note_status_on("1899-12-31");
                   return With(w, p);
                 },
                 "visit.note_status_on"},
        BadInput{"DueDateMoreThanFiveYearsAhead",
                 [](Workflow& w) {
                   v1::EventPayload p = AgreePlan();
                   p.mutable_action_plan_agreed()->mutable_plan()->mutable_actions(0)->set_due_on(
                       "2032-01-01");
                   return With(w, p);
                 },
                 "action_plan.plan.actions[0].due_on"},
        BadInput{"ReplacementWithoutARequiredField",
                 [](Workflow& w) {
                   v1::EventPayload fixed = RaiseConcern();
                   fixed.mutable_concern_raised()->clear_triggers();
                   Command c = With(w, Correct("ev-1", &fixed));
                   c.context.set_reason("triggers mistyped");
                   return c;
                 },
                 "correction.replacement.concern_raised.triggers"},
        BadInput{"ReplacementWithAFutureDate",
                 [](Workflow& w) {
                   v1::EventPayload fixed = RaiseConcern();
                   fixed.mutable_concern_raised()->set_discussed_with_headteacher_on("2031-01-31");
                   Command c = With(w, Correct("ev-1", &fixed));
                   c.context.set_reason("date mistyped");
                   return c;
                 },
                 "correction.replacement.concern_raised.discussed_with_headteacher_on"}));

TEST(DecideTest, FreeTextMayHoldLineBreaksAndTabs) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_AT_RISK);
  v1::EventPayload p = Designate();
  p.mutable_srg_designated()->mutable_triggers(0)->set_evidence("KS2 fell:\r\n\t- maths\n\t- reading");
  Command c = With(w, p);
  c.context.mutable_notes()->set_text("Agreed.\nNext meeting in March.");
  EXPECT_TRUE(Decide(w.state(), c, kToday).ok());
  // A lone carriage return is not a line break.
  p.mutable_srg_designated()->mutable_triggers(0)->set_evidence("KS2 fell\rover");
  EXPECT_EQ(Decide(w.state(), With(w, p), kToday).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DecideTest, PlannedDatesReachFiveYearsAhead) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_LO_ASSIGNED);
  v1::EventPayload p = AgreePlan();
  p.mutable_action_plan_agreed()->mutable_plan()->mutable_actions(0)->set_due_on("2031-11-23");
  EXPECT_TRUE(Decide(w.state(), With(w, p, "2024-10-20"), kToday).ok());
  p.mutable_action_plan_agreed()->mutable_plan()->mutable_actions(0)->set_due_on("2031-11-24");
  const absl::Status late = Decide(w.state(), With(w, p, "2024-10-20"), kToday).status();
  EXPECT_EQ(late.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(late.message()), HasSubstr("more than 5 years ahead"));
}

TEST(DecideTest, AHugeUrnIsNamedNotEchoed) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_AT_RISK);
  Command c = With(w, Designate());
  c.context.set_urn(std::string(5000, '7'));
  const absl::Status status = Decide(w.state(), c, kToday).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("context.urn"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("(5000 characters) is not a URN"));
  EXPECT_LT(status.message().size(), 200u);
}

TEST(DecideTest, ManyProblemsAreListedUpToALimit) {
  Workflow w = NewInstitution(kSetting);
  v1::EventPayload p = SettingMeeting();
  for (int i = 0; i < 150; ++i) {
    p.mutable_settings_causing_concern_meeting_held()->add_attendees(std::string("a\0", 2));
  }
  const absl::Status status = Decide(w.state(), With(w, p, "2025-01-10"), kToday).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("and 130 more problems"));
  google::rpc::BadRequest bad;
  ASSERT_TRUE(bad.ParseFromString(std::string(*status.GetPayload(kBadRequestUrl))));
  EXPECT_EQ(bad.field_violations_size(), static_cast<int>(kMaxListedViolations));
  EXPECT_LT(status.message().size(), 4096u);
}

TEST(DecideTest, CorrectionKeepsWhatTheServerDerived) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  w.Must(Review(), "2024-12-10");
  w.Must(QaMeeting(), "2024-12-12");
  w.Must(AssignLeadOfficer("lo-raj"), "2024-12-14");
  const std::vector<StoredEvent>& events = w.events();
  auto correct = [&w](const StoredEvent& e, const v1::EventPayload& fixed) {
    auto r = w.Run(Correct(e.metadata.event_id(), &fixed), "2025-01-05",
                   v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "recorded wrongly");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0].event_corrected().replacement() : v1::EventPayload();
  };
  const StoredEvent plan = events[4], review = events[5], qa = events[6], reassigned = events[7];
  ASSERT_TRUE(plan.payload.has_action_plan_agreed());
  ASSERT_TRUE(reassigned.payload.has_lead_officer_reassigned());

  v1::EventPayload fixed = plan.payload;
  fixed.mutable_action_plan_agreed()->set_version(9);
  EXPECT_EQ(correct(plan, fixed).action_plan_agreed().version(), 1u);
  fixed = review.payload;
  fixed.mutable_action_plan_review_held()->set_reviewed_version(7);
  fixed.mutable_action_plan_review_held()->set_new_version(8);
  const v1::EventPayload kept = correct(review, fixed);
  EXPECT_EQ(kept.action_plan_review_held().reviewed_version(), 1u);
  EXPECT_EQ(kept.action_plan_review_held().new_version(), 2u);
  fixed = qa.payload;
  fixed.mutable_quality_assurance_meeting_held()->set_lead_officer_id("lo-somebody-else");
  EXPECT_EQ(correct(qa, fixed).quality_assurance_meeting_held().lead_officer_id(), "lo-ann");
  fixed = reassigned.payload;
  fixed.mutable_lead_officer_reassigned()->set_lead_officer_name("Raj Patel");
  fixed.mutable_lead_officer_reassigned()->set_previous_lead_officer_id("lo-nobody");
  const v1::EventPayload renamed = correct(reassigned, fixed);
  EXPECT_EQ(renamed.lead_officer_reassigned().lead_officer_name(), "Raj Patel");
  EXPECT_EQ(renamed.lead_officer_reassigned().previous_lead_officer_id(), "lo-ann");
  // A reassignment is checked like the AssignLeadOfficer that recorded it.
  fixed.mutable_lead_officer_reassigned()->clear_lead_officer_name();
  auto unnamed = w.Run(Correct(reassigned.metadata.event_id(), &fixed), "2025-01-05",
                       v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "x");
  EXPECT_EQ(unnamed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unnamed.status().message()),
              HasSubstr("correction.replacement.lead_officer_reassigned.lead_officer_name"));
}

TEST(DecideTest, ACorrectionIsCheckedAsOfTheEventItCorrects) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE);  // notice of 2025-10-01
  const std::string notice = w.events().back().metadata.event_id();
  // The compliance period ends after the notice's date, not after the correction's.
  const v1::EventPayload before = WarningNotice("2025-09-15");
  auto refused = w.Run(Correct(notice, &before), "2025-10-20",
                       v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "date mistyped");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("correction.replacement.warning_notice_issued.compliance_period_ends_on: "
                        "must be after the date of the notice"));
  const v1::EventPayload after = WarningNotice("2025-10-15");
  EXPECT_TRUE(w.Run(Correct(notice, &after), "2025-10-20", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT,
                    "date mistyped")
                  .ok());
}

TEST(DecideTest, ACorrectionIsNotCorrectedAndKeepsTheKind) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_AT_RISK);
  const v1::EventPayload visit = Visit();
  w.Must(visit, "2024-09-22");
  auto first = w.Run(Correct(w.events().back().metadata.event_id(), &visit), "2024-09-23",
                     v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "x");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = w.Run(Correct(w.events().back().metadata.event_id(), nullptr), "2024-09-24",
                     v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "x");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("correcting the original event"));
  // An update's replacement cannot change the institution's kind either.
  v1::EventPayload update;
  *update.mutable_institution_updated()->mutable_details() =
      Register(kSchool).institution_registered().details();
  w.Must(update, "2024-09-24");
  v1::EventPayload academy;
  *academy.mutable_institution_updated()->mutable_details() =
      Register(kAcademy).institution_registered().details();
  auto kind = w.Run(Correct(w.events().back().metadata.event_id(), &academy), "2024-09-24",
                    v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "x");
  EXPECT_EQ(kind.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(kind.status().message()),
              HasSubstr("correction.replacement.institution_updated.details.kind"));
}

TEST(DecideTest, WarningNoticeComplianceMustEndAfterTheNotice) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  auto r = w.Run(WarningNotice("2025-09-01"), "2025-10-01");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("compliance_period_ends_on"));
}

TEST(DecideTest, CorrectionReplacesAnOfstedOutcome) {
  Workflow w = SchoolAt(v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2025-05-01"), "2025-05-10");
  const std::string ofsted_id = w.events().back().metadata.event_id();
  // Recorded wrongly: the report said Good. The correction makes removal possible.
  const v1::EventPayload fixed = Ofsted(v1::OFSTED_GRADE_GOOD, "2025-05-01");
  auto r = w.Run(Correct(ofsted_id, &fixed), "2025-05-12", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT,
                 "grade mistyped from the report");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(w.state().latest_ofsted().legacy().overall(), v1::OFSTED_GRADE_GOOD);
  w.Must(Removal(), "2026-06-12");

  const v1::EventPayload visit = Visit();
  auto wrong_kind = w.Run(Correct(ofsted_id, &visit), "2026-06-13",
                          v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "x");
  EXPECT_EQ(wrong_kind.status().code(), absl::StatusCode::kInvalidArgument);
  auto unknown = w.Run(Correct("no-such-event", nullptr), "2026-06-13",
                       v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "x");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("no-such-event"));
}

TEST(DecideTest, FactsAreAllowedInAnyState) {
  for (v1::FlowchartState s : {v1::FLOWCHART_STATE_MONITORED, v1::FLOWCHART_STATE_AT_RISK,
                               v1::FLOWCHART_STATE_WARNING_NOTICE}) {
    Workflow w = SchoolAt(s);
    EXPECT_TRUE(w.Run(Visit(), "2025-10-02").ok());
    EXPECT_TRUE(w.Run(Rag(), "2025-10-02").ok());
    EXPECT_TRUE(w.Run(Ofsted(v1::OFSTED_GRADE_GOOD, "2025-09-01"), "2025-10-02").ok());
  }
}

TEST(DecideTest, AllowedNextStepsFollowTheFlowchart) {
  // a formal warning notice may go to any maintained school, in SCC or not.
  EXPECT_THAT(AllowedNextSteps(SchoolAt(v1::FLOWCHART_STATE_MONITORED).state()),
              UnorderedElementsAre("RaiseConcern", "IssueWarningNotice",
                                   "IssuePayAndConditionsWarningNotice"));
  EXPECT_THAT(AllowedNextSteps(SchoolAt(v1::FLOWCHART_STATE_AT_RISK).state()),
              UnorderedElementsAre("DesignateSchool", "DecideNotToDesignate", "IssueWarningNotice",
                                   "IssuePayAndConditionsWarningNotice"));
  EXPECT_THAT(AllowedNextSteps(SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE).state()),
              ::testing::IsSupersetOf({"RecordWarningNoticeComplied",
                                       "RecordWarningNoticeNotComplied", "HoldActionPlanReview",
                                       "RemoveFromScc"}));
  EXPECT_THAT(AllowedNextSteps(SchoolAt(v1::FLOWCHART_STATE_WARNING_NOTICE).state()),
              ::testing::Not(::testing::Contains("IssueNoticeOfIntentionToIntervene")));
  EXPECT_THAT(AllowedNextSteps(NewInstitution(kAcademy).state()),
              ElementsAre("RaiseConcernWithAcademy"));
  EXPECT_THAT(AllowedNextSteps(NewInstitution(kSetting).state()),
              ElementsAre("RecordSettingCausingConcern"));
  EXPECT_THAT(AllowedNextSteps(InstitutionState()), ElementsAre("RegisterInstitution"));
}

TEST(DecideTest, AuthorizationMatrix) {
  using E = v1::EventPayload;
  EXPECT_TRUE(RoleMayRecord(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, E::kMonitoringAndChallengeMeetingHeld));
  EXPECT_FALSE(RoleMayRecord(v1::ROLE_LEAD_OFFICER, E::kMonitoringAndChallengeMeetingHeld));
  EXPECT_TRUE(RoleMayRecord(v1::ROLE_SRG_MEMBER, E::kSrgDesignated));
  EXPECT_FALSE(RoleMayRecord(v1::ROLE_LEAD_OFFICER, E::kSrgDesignated));
  EXPECT_TRUE(RoleMayRecord(v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, E::kSettingCausingConcernRecorded));
  EXPECT_FALSE(RoleMayRecord(v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, E::kWarningNoticeIssued));
  EXPECT_TRUE(RoleMayRecord(v1::ROLE_SERVICE_ACCOUNT, E::kOfstedOutcomeRecorded));
  for (const auto& kind : {E::kInstitutionRegistered, E::kVisitRecorded, E::kSccRemoved}) {
    EXPECT_FALSE(RoleMayRecord(v1::ROLE_AUDITOR, kind));
    EXPECT_FALSE(RoleMayRecord(v1::ROLE_REPORT_READER, kind));
    EXPECT_FALSE(RoleMayRecord(v1::ROLE_UNSPECIFIED, kind));
  }
  EXPECT_FALSE(RoleMayRecord(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, E::kLeadOfficerReassigned));
}

TEST(DecideTest, UrnFormats) {
  EXPECT_TRUE(IsValidUrn("100001"));
  EXPECT_TRUE(IsValidUrn("1000012"));
  EXPECT_TRUE(IsValidUrn("EY123456"));
  EXPECT_FALSE(IsValidUrn("10001"));
  EXPECT_FALSE(IsValidUrn("EY12345"));
  EXPECT_FALSE(IsValidUrn("ab1234"));
  EXPECT_FALSE(IsValidUrn(""));
}

// ---------------------------------------------------------------------------------------------

TEST(OfstedTest, LegacyGrades) {
  v1::OfstedOutcomeRecorded o = Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2025-01-01")
                                    .ofsted_outcome_recorded();
  EXPECT_TRUE(Classify(o).ri_or_worse);
  EXPECT_FALSE(Classify(o).good_or_better);
  o = Ofsted(v1::OFSTED_GRADE_OUTSTANDING, "2025-01-01").ofsted_outcome_recorded();
  EXPECT_TRUE(Classify(o).good_or_better);
  o = Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-01", v1::OFSTED_CATEGORY_SPECIAL_MEASURES)
          .ofsted_outcome_recorded();
  EXPECT_EQ(Classify(o).category, v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
  EXPECT_EQ(Classify(o).label, "Inadequate (special measures)");
}

TEST(OfstedTest, ReportCards) {
  auto classify = [](v1::ReportCardGrade leadership, v1::ReportCardGrade others,
                     v1::SafeguardingOutcome sg) {
    return Classify(ReportCardOutcome(leadership, others, sg, "2026-01-01").ofsted_outcome_recorded());
  };
  const auto good = classify(v1::REPORT_CARD_GRADE_STRONG_STANDARD,
                             v1::REPORT_CARD_GRADE_EXPECTED_STANDARD, v1::SAFEGUARDING_OUTCOME_MET);
  EXPECT_TRUE(good.good_or_better);
  EXPECT_FALSE(good.ri_or_worse);
  EXPECT_EQ(good.category, v1::OFSTED_CATEGORY_NONE);
  const auto attention = classify(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                                  v1::REPORT_CARD_GRADE_NEEDS_ATTENTION,
                                  v1::SAFEGUARDING_OUTCOME_MET);
  EXPECT_TRUE(attention.ri_or_worse);
  EXPECT_EQ(attention.category, v1::OFSTED_CATEGORY_NONE);
  const auto urgent = classify(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                               v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                               v1::SAFEGUARDING_OUTCOME_MET);
  EXPECT_EQ(urgent.category, v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES);
  const auto safeguarding = classify(v1::REPORT_CARD_GRADE_STRONG_STANDARD,
                                     v1::REPORT_CARD_GRADE_STRONG_STANDARD,
                                     v1::SAFEGUARDING_OUTCOME_NOT_MET);
  EXPECT_TRUE(safeguarding.ri_or_worse);
  EXPECT_EQ(safeguarding.category, v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES);
  const auto measures = classify(v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                                 v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                                 v1::SAFEGUARDING_OUTCOME_MET);
  EXPECT_EQ(measures.category, v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
}

TEST(OfstedTest, ChildminderRegistrationOutcome) {
  v1::OfstedOutcomeRecorded o;
  o.set_registration(v1::REGISTRATION_OUTCOME_NOT_MET_WITH_ACTIONS);
  EXPECT_TRUE(Classify(o).ri_or_worse);
  o.set_registration(v1::REGISTRATION_OUTCOME_MET);
  EXPECT_TRUE(Classify(o).good_or_better);
}

}  // namespace
}  // namespace scc::domain
