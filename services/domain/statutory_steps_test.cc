// decide/evolve for the statutory steps as the Act sets them (R-16 - R-19, R-13), the records
// the strategy's obligations need and corrections that withdraw and re-date
// each written from the rulebook's text. No I/O.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/decide.h"
#include "services/domain/domain_test_util.h"
#include "services/domain/errors.h"
#include "services/domain/evolve.h"

namespace scc::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the builders

constexpr auto kFailedPrecondition = absl::StatusCode::kFailedPrecondition;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::string State(const Workflow& w) { return StateName(w.state().state()); }

Workflow Registered(const std::string& religious_character = "") {
  Workflow w;
  v1::EventPayload reg = Register();
  reg.mutable_institution_registered()->mutable_details()->set_religious_character(
      religious_character);
  w.Must(reg, "2024-09-01");
  return w;
}

Workflow WithPlan() {
  Workflow w = Registered();
  w.Must(RaiseConcern(), "2024-09-20");
  w.Must(Designate(), "2024-10-01");
  w.Must(AssignLeadOfficer(), "2024-10-05");
  w.Must(AgreePlan(), "2024-10-20");
  return w;
}

// The notice given on 2024-11-01, not complied with, then the written notice of intention
// the school is eligible for intervention.
void MakeEligible(Workflow& w, const v1::EventPayload& notice) {
  w.Must(notice, "2024-11-01");
  w.Must(WarningNotComplied(), "2024-12-02");
  w.Must(NoticeOfIntention(), "2024-12-05");
}

v1::EventPayload Withdraw(const std::string& event_id) {
  v1::EventPayload p = Correct(event_id, nullptr);
  p.mutable_event_corrected()->set_withdraw(true);
  return p;
}

v1::EventPayload Redate(const std::string& event_id, const std::string& on) {
  v1::EventPayload p = Correct(event_id, nullptr);
  p.mutable_event_corrected()->set_new_effective_date(on);
  return p;
}

// --- a formal warning notice to any maintained school -----------------------------------

TEST(WarningNoticeTest, GivenToASchoolThatHasNotAgreedAPlan) {
  Workflow w = Registered();
  w.Must(RaiseConcern(), "2024-09-20");
  w.Must(Designate(), "2024-10-01");
  w.Must(AssignLeadOfficer(), "2024-10-05");
  // The school refuses to agree a plan: the strategy's first reason to warn.
  w.Must(WarningNotice("2024-12-01", "2024-11-01"), "2024-11-01");
  EXPECT_EQ(State(w), "WARNING_NOTICE");
  w.Must(WarningComplied(), "2024-12-02");
  EXPECT_EQ(State(w), "LO_ASSIGNED");  // back where the notice found it
}

TEST(WarningNoticeTest, GivenToASchoolOutsideSccStartsAnEpisodeThatEndsWithCompliance) {
  Workflow w = Registered();
  w.Must(WarningNotice("2024-11-15", "2024-10-01"), "2024-10-01");  // a sudden safety crisis
  EXPECT_EQ(State(w), "WARNING_NOTICE");
  EXPECT_TRUE(IsCausingConcern(w.state().state()));
  EXPECT_EQ(w.state().episode().designated_on(), "2024-10-01");
  w.Must(WarningComplied(), "2024-11-20");
  EXPECT_EQ(State(w), "MONITORED");
  EXPECT_EQ(w.state().episode().removed_on(), "2024-11-20");
}

TEST(WarningNoticeTest, StatesItsMattersActionAndCopies) {
  Workflow w = WithPlan();
  v1::EventPayload bare = WarningNotice("2024-12-01", "2024-11-01");
  bare.mutable_warning_notice_issued()->clear_matters_relied_upon();
  bare.mutable_warning_notice_issued()->clear_action_minded_to_take();
  bare.mutable_warning_notice_issued()->clear_copies();
  auto r = w.Run(bare, "2024-11-01");
  ASSERT_EQ(r.status().code(), kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("warning_notice.matters_relied_upon"));
  EXPECT_THAT(r.status().message(), HasSubstr("warning_notice.action_minded_to_take"));
  EXPECT_THAT(r.status().message(), HasSubstr("copy to the governing body"));
}

TEST(WarningNoticeTest, AChurchSchoolsDiocesanAuthorityGetsACopy) {
  Workflow w = Registered("Church of England");
  auto r = w.Run(WarningNotice("2024-12-01", "2024-11-01"), "2024-11-01");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("diocesan authority"));
  v1::EventPayload with_diocese = WarningNotice("2024-12-01", "2024-11-01");
  v1::NoticeCopy* copy = with_diocese.mutable_warning_notice_issued()->add_copies();
  copy->set_recipient(v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY);
  copy->set_sent_on("2024-11-01");
  EXPECT_TRUE(w.Run(with_diocese, "2024-11-01").ok());
}

TEST(WarningNoticeTest, PayAndConditionsIsItsOwnNoticeNotAGround) {
  Workflow w = WithPlan();
  v1::EventPayload as_ground = WarningNotice("2024-12-01", "2024-11-01");
  as_ground.mutable_warning_notice_issued()->add_grounds(
      v1::WARNING_NOTICE_GROUND_PAY_AND_CONDITIONS);
  auto r = w.Run(as_ground, "2024-11-01");
  ASSERT_EQ(r.status().code(), kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("IssuePayAndConditionsWarningNotice"));
  w.Must(PayAndConditionsNotice("2024-12-01", "2024-11-01"), "2024-11-01");
  EXPECT_EQ(State(w), "WARNING_NOTICE");
  EXPECT_TRUE(w.state().episode().warning_notice_section_60a());
}

TEST(WarningNoticeTest, EligibilityOnlyThroughSection60ADoesNotAllowSection63) {
  Workflow w = WithPlan();
  MakeEligible(w, PayAndConditionsNotice("2024-12-01", "2024-11-01"));
  w.Must(Consultation(v1::INTERVENTION_POWER_S63_ARRANGEMENTS), "2024-12-06");
  auto r = w.Run(Intervention(v1::INTERVENTION_POWER_S63_ARRANGEMENTS), "2024-12-10");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("s60A"));
  // Other powers stay available.
  EXPECT_TRUE(w.Run(Intervention(v1::INTERVENTION_POWER_S64_ADDITIONAL_GOVERNORS), "2024-12-10")
                  .ok());
}

TEST(WarningNoticeTest, SecretaryOfStatesNoticeEndsTheLasAndBarsANewOne) {
  Workflow w = WithPlan();
  w.Must(WarningNotice("2025-01-15", "2024-11-01"), "2024-11-01");
  w.Must(SecretaryOfStateNotice("2025-03-01"), "2024-11-20");
  EXPECT_EQ(State(w), "ACTION_PLAN_ACTIVE");  // the LA's notice ended
  auto r = w.Run(WarningNotice("2025-02-20", "2025-01-10"), "2025-01-10");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("Secretary of State"));
  EXPECT_THAT(r.status().message(), HasSubstr("R-17"));
  EXPECT_TRUE(w.Run(WarningNotice("2025-04-20", "2025-03-02"), "2025-03-02").ok());
}

// --- the decision after non-compliance -----------------------------------------------------

TEST(InterventionTest, DecisionNotToUsePowersReturnsToThePlan) {
  Workflow w = WithPlan();
  w.Must(WarningNotice("2024-12-01", "2024-11-01"), "2024-11-01");
  auto early = w.Run(PowersNotUsed(), "2024-11-20");
  ASSERT_EQ(early.status().code(), kFailedPrecondition);  // compliance not yet judged
  w.Must(WarningNotComplied(), "2024-12-02");
  w.Must(PowersNotUsed(), "2024-12-10");
  EXPECT_EQ(State(w), "ACTION_PLAN_ACTIVE");
  EXPECT_TRUE(w.state().episode().eligible_for_intervention_on().empty());
}

TEST(InterventionTest, DecisionNotToUsePowersOnceEligible) {
  Workflow w = WithPlan();
  MakeEligible(w, WarningNotice("2024-12-01", "2024-11-01"));
  w.Must(PowersNotUsed(), "2024-12-20");
  EXPECT_EQ(State(w), "ACTION_PLAN_ACTIVE");
}

// --- consultation, the two months of s63, a power ending ---------------------------------

TEST(InterventionTest, Section63And65NeedConsultationFirst) {
  Workflow w = WithPlan();
  MakeEligible(w, WarningNotice("2024-12-01", "2024-11-01"));
  auto r = w.Run(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2024-12-10");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("consulted"));
  w.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2024-12-08");
  w.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2024-12-10");
  EXPECT_EQ(State(w), "INTERVENTION");
}

TEST(InterventionTest, ConsultationOfAChurchSchoolIncludesTheDiocese) {
  Workflow w = Registered("Roman Catholic");
  v1::EventPayload notice = WarningNotice("2024-12-01", "2024-11-01");
  v1::NoticeCopy* copy = notice.mutable_warning_notice_issued()->add_copies();
  copy->set_recipient(v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY);
  copy->set_sent_on("2024-11-01");
  MakeEligible(w, notice);
  auto r = w.Run(Consultation(v1::INTERVENTION_POWER_S63_ARRANGEMENTS), "2024-12-06");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("diocesan authority"));
  w.Must(Consultation(v1::INTERVENTION_POWER_S63_ARRANGEMENTS,
                      {v1::SCHOOL_PARTY_GOVERNING_BODY, v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY}),
         "2024-12-06");
}

TEST(InterventionTest, Section63OnlyWithinTwoMonthsOfTheCompliancePeriod) {
  Workflow w = WithPlan();
  MakeEligible(w, WarningNotice("2024-12-01", "2024-11-01"));
  w.Must(Consultation(v1::INTERVENTION_POWER_S63_ARRANGEMENTS), "2024-12-06");
  auto late = w.Run(Intervention(v1::INTERVENTION_POWER_S63_ARRANGEMENTS), "2025-02-02");
  ASSERT_EQ(late.status().code(), kFailedPrecondition);
  EXPECT_THAT(late.status().message(), HasSubstr("until 2025-02-01"));
  EXPECT_TRUE(w.Run(Intervention(v1::INTERVENTION_POWER_S63_ARRANGEMENTS), "2025-02-01").ok());
}

TEST(InterventionTest, APowerEndsAndTheSchoolGoesBackToItsPlan) {
  Workflow w = WithPlan();
  MakeEligible(w, WarningNotice("2024-12-01", "2024-11-01"));
  w.Must(Intervention(v1::INTERVENTION_POWER_S66_SUSPEND_DELEGATED_BUDGET), "2024-12-10");
  auto wrong = w.Run(EndPower(v1::INTERVENTION_POWER_S64_ADDITIONAL_GOVERNORS), "2025-03-01");
  ASSERT_EQ(wrong.status().code(), kFailedPrecondition);
  w.Must(EndPower(v1::INTERVENTION_POWER_S66_SUSPEND_DELEGATED_BUDGET), "2025-03-01");
  EXPECT_EQ(State(w), "ACTION_PLAN_ACTIVE");
  EXPECT_TRUE(w.state().episode().interventions().empty());
}

// --- the Statement of Action includes the plan ------------------------------------------------

TEST(StatementOfActionTest, IsPlanVersionOneAndStatesHowParentsAreTold) {
  Workflow w = Registered();
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-10-01", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2024-10-20");
  w.Must(AssignLeadOfficer(), "2024-10-21");
  v1::EventPayload silent = StatementOfAction();
  silent.mutable_statement_of_action_issued()->clear_parents_informed();
  auto r = w.Run(silent, "2024-10-28");
  ASSERT_EQ(r.status().code(), kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("statement.parents_informed"));
  w.Must(StatementOfAction(), "2024-10-28");
  EXPECT_EQ(w.state().episode().action_plan_version(), 1u);
  w.Must(Review(), "2024-12-01");  // later reviews version it
  EXPECT_EQ(w.state().episode().action_plan_version(), 2u);
}

TEST(StatementOfActionTest, ItsPeriodCanBeShortenedUntilItIsIssued) {
  Workflow w = Registered();
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-10-01", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2024-10-20");
  v1::EventPayload shorten;
  shorten.mutable_statement_of_action_period_shortened()->set_due_on("2024-10-25");
  w.Must(shorten, "2024-10-21");
  EXPECT_EQ(w.state().episode().statement_of_action_due_on(), "2024-10-25");
  w.Must(AssignLeadOfficer(), "2024-10-21");
  w.Must(StatementOfAction(), "2024-10-24");
  auto r = w.Run(shorten, "2024-10-25");
  EXPECT_EQ(r.status().code(), kFailedPrecondition);
}

// --- the records obligations clear with -------------------------------------------

TEST(RecordsTest, ProgressReportIsTheLeadOfficers) {
  Workflow w = Registered();
  w.Must(RaiseConcern(), "2024-09-20");
  w.Must(Designate(), "2024-10-01");
  v1::EventPayload report;
  report.mutable_progress_report_recorded()->set_judgement(v1::PROGRESS_JUDGEMENT_SUFFICIENT);
  report.mutable_progress_report_recorded()->set_progress_against_plan("On track");
  report.mutable_progress_report_recorded()->set_next_steps("Governance review");
  auto r = w.Run(report, "2024-10-03");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("R-7"));
  w.Must(AssignLeadOfficer(), "2024-10-05");
  w.Must(report, "2024-12-01");
  EXPECT_EQ(w.state().episode().progress_report_days_size(), 1);
}

TEST(RecordsTest, HeadteacherAgreesANoteOfVisitLater) {
  Workflow w = Registered();
  v1::EventPayload visit = Visit();
  visit.mutable_visit_recorded()->clear_note_status();
  visit.mutable_visit_recorded()->clear_note_status_on();
  w.Must(visit, "2024-10-01");
  ASSERT_EQ(UnagreedVisitIds(w.state()).size(), 1u);
  const std::string visit_id(UnagreedVisitIds(w.state())[0]);
  EXPECT_EQ(w.state().unagreed_visit_days_size(), 1);
  v1::EventPayload disputed;
  disputed.mutable_note_of_visit_response_recorded()->set_visit_event_id(visit_id);
  disputed.mutable_note_of_visit_response_recorded()->set_status(
      v1::NOTE_OF_VISIT_STATUS_DISPUTED);
  auto r = w.Run(disputed, "2024-10-04");
  ASSERT_EQ(r.status().code(), kInvalid);  // a dispute says why
  EXPECT_THAT(r.status().message(), HasSubstr("response.comment"));
  disputed.mutable_note_of_visit_response_recorded()->set_comment("Attendance figures wrong");
  w.Must(disputed, "2024-10-04");
  EXPECT_TRUE(UnagreedVisitIds(w.state()).empty());
  EXPECT_EQ(w.state().unagreed_visit_days_size(), 0);
  EXPECT_EQ(w.Run(disputed, "2024-10-05").status().code(), kFailedPrecondition);
}

// The state keeps the waiting visits' ids packed in one field: any id, in order, one removed
// from the middle leaving the others and their days.
TEST(RecordsTest, WaitingVisitsKeepTheirIdsAndDaysInOrder) {
  InstitutionState s;
  const std::string long_id(300, 'x');
  AddUnagreedVisit(s, "a", 10);
  AddUnagreedVisit(s, long_id, 20);
  AddUnagreedVisit(s, std::string("n\0l", 3), 30);
  AddUnagreedVisit(s, "", 40);
  EXPECT_THAT(UnagreedVisitIds(s), ElementsAre("a", long_id, std::string("n\0l", 3), ""));
  EXPECT_TRUE(RemoveUnagreedVisit(s, long_id));
  EXPECT_FALSE(RemoveUnagreedVisit(s, long_id));
  EXPECT_THAT(UnagreedVisitIds(s), ElementsAre("a", std::string("n\0l", 3), ""));
  EXPECT_THAT(s.unagreed_visit_days(), ElementsAre(10, 30, 40));
  EXPECT_TRUE(RemoveUnagreedVisit(s, ""));
  EXPECT_TRUE(RemoveUnagreedVisit(s, "a"));
  EXPECT_THAT(UnagreedVisitIds(s), ElementsAre(std::string("n\0l", 3)));
  EXPECT_THAT(s.unagreed_visit_days(), ElementsAre(30));
}

TEST(RecordsTest, ARecommendedReviewIsSecured) {
  Workflow w = WithPlan();
  v1::EventPayload outcome = Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-11-01");
  outcome.mutable_ofsted_outcome_recorded()->add_recommended_reviews(
      v1::RECOMMENDED_REVIEW_PUPIL_PREMIUM);
  w.Must(outcome, "2024-11-20");
  ASSERT_EQ(w.state().reviews_not_secured_size(), 1);
  v1::EventPayload secured;
  secured.mutable_review_secured()->set_review(v1::RECOMMENDED_REVIEW_GOVERNANCE);
  EXPECT_EQ(w.Run(secured, "2024-12-01").status().code(), kFailedPrecondition);
  secured.mutable_review_secured()->set_review(v1::RECOMMENDED_REVIEW_PUPIL_PREMIUM);
  w.Must(secured, "2024-12-01");
  EXPECT_EQ(w.state().reviews_not_secured_size(), 0);
}

// --- a setting causing concern has an action plan too ------------------------------------

TEST(SettingActionPlanTest, AgreedOnceListedThenEachAgreementIsANewVersion) {
  Workflow w;
  w.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  auto early = w.Run(SettingPlan(), "2024-09-10");
  ASSERT_EQ(early.status().code(), kFailedPrecondition);  // not causing concern yet
  EXPECT_THAT(early.status().message(), HasSubstr("R-21"));
  w.Must(SettingConcern(), "2024-09-20");
  w.Must(SettingPlan(), "2024-10-01");
  EXPECT_EQ(w.events().back().payload.setting_action_plan_agreed().version(), 1u);
  EXPECT_EQ(w.state().episode().action_plan_version(), 1u);
  EXPECT_EQ(w.state().episode().action_plan_agreed_on(), "2024-10-01");
  w.Must(SettingSupport(), "2024-10-15");
  ASSERT_TRUE(w.Run(SettingPlan(), "2024-12-01", v1::ROLE_EARLY_YEARS_STANDARDS_TEAM).ok());
  EXPECT_EQ(w.events().back().payload.setting_action_plan_agreed().version(), 2u);
  EXPECT_EQ(w.state().episode().action_plan_version(), 2u);
  EXPECT_EQ(w.state().episode().last_review_on(), "2024-12-01");
  EXPECT_EQ(w.state().episode().action_plan_agreed_on(), "2024-10-01");
}

TEST(SettingActionPlanTest, NeedsKeyIssuesAndActionsAndIsForSettingsOnly) {
  Workflow w;
  w.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  w.Must(SettingConcern(), "2024-09-20");
  v1::EventPayload empty;
  empty.mutable_setting_action_plan_agreed();
  auto r = w.Run(empty, "2024-10-01");
  ASSERT_EQ(r.status().code(), kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("plan.key_issues"));
  EXPECT_THAT(r.status().message(), HasSubstr("plan.actions"));
  Workflow school = WithPlan();
  auto wrong_kind = school.Run(SettingPlan(), "2024-11-01");
  ASSERT_EQ(wrong_kind.status().code(), kFailedPrecondition);
  EXPECT_THAT(wrong_kind.status().message(), HasSubstr("early-years settings only"));
}

TEST(SettingActionPlanTest, ACorrectionKeepsTheVersionTheServerGaveIt) {
  Workflow w;
  w.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  w.Must(SettingConcern(), "2024-09-20");
  w.Must(SettingPlan(), "2024-10-01");
  const std::string plan_id = w.events().back().metadata.event_id();
  v1::EventPayload replacement = SettingPlan();
  replacement.mutable_setting_action_plan_agreed()->set_version(7);
  replacement.mutable_setting_action_plan_agreed()->mutable_plan()->add_key_issues("Phonics");
  w.Must(Correct(plan_id, &replacement), "2024-10-02");
  const v1::EventPayload& kept = w.events().back().payload.event_corrected().replacement();
  EXPECT_EQ(kept.setting_action_plan_agreed().version(), 1u);
  EXPECT_EQ(w.state().episode().action_plan_version(), 1u);
}

// --- reasons, withdrawals and new dates -----------------------------------------------------

TEST(CorrectionTest, EveryDecisionGivesAReason) {
  Workflow w = Registered();
  auto r = w.Run(RaiseConcern(), "2024-09-20", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "");
  ASSERT_EQ(r.status().code(), kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("context.reason"));
  // A fact needs none.
  EXPECT_TRUE(w.Run(Visit(), "2024-09-21", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "").ok());
}

TEST(CorrectionTest, AWithdrawnEventNoLongerCounts) {
  Workflow w = WithPlan();
  w.Must(Visit(), "2024-11-01");
  const std::string visit = w.events().back().metadata.event_id();
  ASSERT_EQ(w.state().visit_days_size(), 1);
  w.Must(Withdraw(visit), "2024-11-05");
  EXPECT_EQ(w.state().visit_days_size(), 0);
  EXPECT_EQ(w.state().version(), w.events().back().version);
  // It cannot be withdrawn twice, nor corrected once withdrawn.
  auto again = w.Run(Withdraw(visit), "2024-11-06");
  EXPECT_EQ(again.status().code(), kInvalid);
  EXPECT_THAT(again.status().message(), HasSubstr("was withdrawn"));
}

TEST(CorrectionTest, AStepALaterStepBuildsOnCannotBeWithdrawn) {
  Workflow w = WithPlan();
  const std::string lead_officer = w.events()[3].metadata.event_id();  // AssignLeadOfficer
  auto r = w.Run(Withdraw(lead_officer), "2024-11-01");
  ASSERT_EQ(r.status().code(), kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("R-24"));
  EXPECT_THAT(r.status().message(), HasSubstr("ActionPlanAgreed"));
  EXPECT_THAT(r.status().message(), HasSubstr("Correct or withdraw the later event first"));
  // The last step can go: the school is back where it was before it.
  const std::string plan = w.events()[4].metadata.event_id();
  w.Must(Withdraw(plan), "2024-11-01");
  EXPECT_EQ(State(w), "LO_ASSIGNED");
  w.Must(Withdraw(lead_officer), "2024-11-02");
  EXPECT_EQ(State(w), "DESIGNATED");
}

TEST(CorrectionTest, AnEventIsReDated) {
  Workflow w = WithPlan();
  const std::string designation = w.events()[2].metadata.event_id();
  w.Must(Redate(designation, "2024-09-25"), "2024-11-01");
  EXPECT_EQ(w.state().episode().designated_on(), "2024-09-25");
  // Not before the step it follows, nor after the step that follows it.
  auto before = w.Run(Redate(designation, "2024-09-10"), "2024-11-01");
  EXPECT_EQ(before.status().code(), kFailedPrecondition);
  EXPECT_THAT(before.status().message(), HasSubstr("before the last workflow step"));
  auto after = w.Run(Redate(designation, "2024-10-10"), "2024-11-01");
  EXPECT_EQ(after.status().code(), kFailedPrecondition);
  EXPECT_THAT(after.status().message(), HasSubstr("later LeadOfficerAssigned"));
}

TEST(CorrectionTest, AWithdrawalTakesNoReplacement) {
  Workflow w = WithPlan();
  v1::EventPayload replacement = Visit();
  w.Must(Visit(), "2024-11-01");
  v1::EventPayload both = Correct(w.events().back().metadata.event_id(), &replacement);
  both.mutable_event_corrected()->set_withdraw(true);
  auto r = w.Run(both, "2024-11-02");
  ASSERT_EQ(r.status().code(), kInvalid);
  EXPECT_THAT(r.status().message(), HasSubstr("correction.withdraw"));
}

TEST(CorrectionTest, AsOfADateAReDatedEventCountsByItsNewDate) {
  Workflow w = WithPlan();
  w.Must(Visit(), "2024-11-20");
  w.Must(Redate(w.events().back().metadata.event_id(), "2024-11-02"), "2024-11-21");
  EXPECT_EQ(Fold(kUrn, w.events(), {}, "2024-11-10").visit_days_size(), 1);
  EXPECT_EQ(Fold(kUrn, w.events(), {}, "2024-11-01").visit_days_size(), 0);
}

}  // namespace
}  // namespace scc::domain
