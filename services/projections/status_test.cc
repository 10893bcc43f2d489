// Obligations (docs/rules.md section 5) with a fixed clock and a fixed calendar: one test per rule.
#include "services/projections/status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/dates.h"
#include "services/domain/domain_test_util.h"

namespace scc::projections {
namespace {

using ::testing::HasSubstr;
using namespace domain::testing;  // NOLINT: builders

constexpr char kCalendar[] = R"(
# two academic years
2024/25 autumn 1 2024-09-04 2024-10-25
2024/25 autumn 2 2024-11-04 2024-12-20
2024/25 spring 1 2025-01-06 2025-02-14
2024/25 spring 2 2025-02-24 2025-04-04
2024/25 summer 1 2025-04-22 2025-05-23
2024/25 summer 2 2025-06-02 2025-07-22
2025/26 autumn 1 2025-09-03 2025-10-24
2025/26 autumn 2 2025-11-03 2025-12-19
)";

TermCalendar Calendar() {
  absl::StatusOr<TermCalendar> c = TermCalendar::Parse(kCalendar, "test");
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

absl::CivilDay Day(const char* text) { return *domain::ParseDate(text); }

std::vector<v1::Obligation> Obligations(const Workflow& w, const char* as_of) {
  return ComputeObligations(w.state(), Day(as_of), Calendar(), ObligationRules{});
}

// A copy, so callers may pass a temporary list.
std::optional<v1::Obligation> Find(const std::vector<v1::Obligation>& all,
                                   v1::ObligationType type) {
  for (const v1::Obligation& o : all) {
    if (o.type() == type) return o;
  }
  return std::nullopt;
}

Workflow Designated() {
  Workflow w;
  w.Must(Register(), "2024-09-01");
  w.Must(RaiseConcern(), "2024-09-20");
  w.Must(Designate(), "2024-10-01");
  return w;
}

Workflow WithPlan() {
  Workflow w = Designated();
  w.Must(AssignLeadOfficer(), "2024-10-03");
  w.Must(AgreePlan(), "2024-10-10");
  return w;
}

TEST(TermCalendarTest, PeriodsAndHolidays) {
  const TermCalendar c = Calendar();
  EXPECT_EQ(c.HalfTermAt(Day("2024-11-05"))->label, "2024/25 autumn half term 2");
  EXPECT_EQ(c.HalfTermAt(Day("2024-10-30"))->label, "2024/25 autumn half term 1");  // holiday
  EXPECT_EQ(c.TermAt(Day("2025-03-01"))->label, "2024/25 spring term");
  EXPECT_EQ(c.YearAt(Day("2025-08-10"))->label, "2024/25");
  EXPECT_EQ(c.YearAt(Day("2025-09-10"))->label, "2025/26");
  EXPECT_EQ(c.HalfTermAt(Day("2024-01-01")), nullptr);
  EXPECT_EQ(c.Previous(c.HalfTermAt(Day("2024-11-05")))->label, "2024/25 autumn half term 1");
  EXPECT_FALSE(TermCalendar::Parse("2024/25 winter 1 2024-09-04 2024-10-25", "x").ok());
  EXPECT_FALSE(TermCalendar::Parse("2024/25 autumn 1 2024-09-04 2024-11-25\n"
                                   "2024/25 autumn 2 2024-11-04 2024-12-20", "x").ok());
  EXPECT_EQ(AddWorkingDays(Day("2024-10-04"), 1), Day("2024-10-07"));  // Friday -> Monday
}

// The arithmetic shortcuts against counting one day at a time.
TEST(TermCalendarTest, DayArithmeticAgreesWithCountingDays) {
  for (int32_t n = -800'000; n <= 800'000; n += 7) {  // about 220 BC to AD 4160
    ASSERT_EQ(domain::FromDayNumber(n), absl::CivilDay(1970, 1, 1) + n) << n;
    ASSERT_EQ(domain::DayNumber(domain::FromDayNumber(n)), n);
  }
  for (int32_t n = 19'000; n <= 21'000; ++n) {  // every day of 2022 to 2027
    ASSERT_EQ(domain::FromDayNumber(n), absl::CivilDay(1970, 1, 1) + n) << n;
  }
  for (absl::CivilDay start = Day("2024-09-01"); start < Day("2024-09-15"); ++start) {
    absl::CivilDay counted = start;
    for (int n = 1; n <= 40; ++n) {
      do {
        ++counted;
      } while (absl::GetWeekday(counted) == absl::Weekday::saturday ||
               absl::GetWeekday(counted) == absl::Weekday::sunday);
      ASSERT_EQ(AddWorkingDays(start, n), counted) << start << " + " << n;
    }
    EXPECT_EQ(AddWorkingDays(start, 0), start);
  }
}

TEST(ObligationTest, LeadOfficerMissingR5) {
  const Workflow w = Designated();
  const std::optional<v1::Obligation> open = Find(Obligations(w, "2024-10-08"), v1::OBLIGATION_TYPE_LEAD_OFFICER_MISSING);
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->rule(), "R-5");
  EXPECT_FALSE(open->overdue());
  EXPECT_EQ(open->due_on(), "2024-10-15");  // 10 working days
  const std::optional<v1::Obligation> late = Find(Obligations(w, "2024-10-20"), v1::OBLIGATION_TYPE_LEAD_OFFICER_MISSING);
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(late->overdue());
  Workflow assigned = Designated();
  assigned.Must(AssignLeadOfficer(), "2024-10-03");
  EXPECT_FALSE(Find(Obligations(assigned, "2024-10-20"), v1::OBLIGATION_TYPE_LEAD_OFFICER_MISSING).has_value());
}

TEST(ObligationTest, ActionPlanMissingR9) {
  Workflow w = Designated();
  w.Must(AssignLeadOfficer(), "2024-10-03");
  const std::optional<v1::Obligation> o = Find(Obligations(w, "2024-11-20"), v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING);
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->overdue());
  EXPECT_FALSE(
      Find(Obligations(WithPlan(), "2024-11-20"), v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING));
}

TEST(ObligationTest, StatementOfActionMissingR13) {
  Workflow w;
  w.Must(Register(), "2024-09-01");
  v1::EventPayload sm = Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-11-04",
                               v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
  sm.mutable_ofsted_outcome_recorded()->set_publication_date("2024-11-11");
  w.Must(sm, "2024-11-12");
  const auto all = Obligations(w, "2024-11-20");
  const std::optional<v1::Obligation> soa = Find(all, v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING);
  ASSERT_TRUE(soa.has_value());
  EXPECT_EQ(soa->due_on(), "2024-11-25");  // 10 working days after publication
  EXPECT_FALSE(soa->overdue());
  EXPECT_EQ(Find(all, v1::OBLIGATION_TYPE_LEAD_OFFICER_MISSING)->rule(), "R-13");
  EXPECT_TRUE(Find(Obligations(w, "2024-11-26"), v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING)
                  ->overdue());
  w.Must(AssignLeadOfficer(), "2024-11-13");
  w.Must(StatementOfAction(), "2024-11-20");
  EXPECT_FALSE(Find(Obligations(w, "2024-11-26"), v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING).has_value());
}

TEST(ObligationTest, ActionPlanReviewEachHalfTermR10) {
  Workflow w = WithPlan();  // plan agreed in autumn half term 1
  // Autumn half term 2 (the first whole half term) needs a review: due at its end.
  const std::optional<v1::Obligation> due = Find(Obligations(w, "2024-11-20"), v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW);
  ASSERT_TRUE(due.has_value());
  EXPECT_FALSE(due->overdue());
  EXPECT_EQ(due->due_on(), "2024-12-20");
  // It passed without one: overdue in the next half term.
  const std::optional<v1::Obligation> late = Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW);
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(late->overdue());
  EXPECT_THAT(late->description(), HasSubstr("autumn half term 2"));
  w.Must(Review(), "2024-12-05");
  EXPECT_FALSE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW)->overdue());
}

TEST(ObligationTest, ActionPlanReviewIntervalIsConfigurableR10) {
  Workflow w = WithPlan();  // plan agreed in the autumn term
  ObligationRules termly;
  termly.review_each_term = true;
  auto review = [&](const char* as_of) {
    return Find(ComputeObligations(w.state(), Day(as_of), Calendar(), termly),
                v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW);
  };
  // Half-termly it would be overdue in January; termly, the spring term is the first one due.
  ASSERT_TRUE(review("2025-01-10").has_value());
  EXPECT_FALSE(review("2025-01-10")->overdue());
  EXPECT_EQ(review("2025-01-10")->due_on(), "2025-04-04");
  EXPECT_TRUE(review("2025-04-25")->overdue());
  w.Must(Review(), "2025-03-01");
  EXPECT_FALSE(review("2025-04-25")->overdue());
}

TEST(ObligationTest, MonitoringAndChallengeMeetingIsOptionalOutsideACategoryR11) {
  // R-11: the HT and CoG "may be invited": no obligation, never overdue, for an ordinary SCC.
  Workflow w = WithPlan();
  EXPECT_FALSE(Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_MONITORING_AND_CHALLENGE_MEETING)
                   .has_value());
  // R-13: termly and required in an Ofsted category.
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-11-04", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2024-11-12");
  const std::optional<v1::Obligation> late =
      Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_MONITORING_AND_CHALLENGE_MEETING);
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(late->overdue());
  EXPECT_EQ(late->rule(), "R-13");
  EXPECT_EQ(late->clears_with(), "HoldMonitoringAndChallengeMeeting");
  w.Must(Review(), "2025-01-20");
  w.Must(Mcm(), "2025-02-03");
  EXPECT_FALSE(Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_MONITORING_AND_CHALLENGE_MEETING)
                   ->overdue());
}

TEST(ObligationTest, LeadOfficersProgressReportEachTermR7) {
  Workflow w = WithPlan();
  const auto late = Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_PROGRESS_REPORT);
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(late->overdue());
  EXPECT_EQ(late->rule(), "R-7");
  EXPECT_EQ(late->clears_with(), "RecordProgressReport");
  v1::EventPayload report;
  report.mutable_progress_report_recorded()->set_judgement(v1::PROGRESS_JUDGEMENT_SUFFICIENT);
  report.mutable_progress_report_recorded()->set_progress_against_plan("Maths coaching in place");
  report.mutable_progress_report_recorded()->set_next_steps("Governance review in the summer");
  w.Must(report, "2025-03-10");
  EXPECT_FALSE(Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_PROGRESS_REPORT)->overdue());
}

TEST(ObligationTest, QualityAssuranceIsOneMeetingPerLeadOfficerR12) {
  Workflow w = WithPlan();
  ASSERT_TRUE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING)
                  ->overdue());
  // A meeting with lo-ann recorded on another school she leads clears it here too.
  QualityAssuranceDays qa;
  qa["lo-ann"].push_back(domain::DayNumber(Day("2024-11-15")));
  const auto met = ComputeObligations(w.state(), Day("2025-01-10"), Calendar(), ObligationRules{},
                                      &qa);
  EXPECT_FALSE(Find(met, v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING)->overdue());
  qa.clear();
  qa["lo-bob"].push_back(domain::DayNumber(Day("2024-11-15")));
  const auto other = ComputeObligations(w.state(), Day("2025-01-10"), Calendar(),
                                        ObligationRules{}, &qa);
  EXPECT_TRUE(Find(other, v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING)->overdue());
}

TEST(ObligationTest, WarningNoticeGroundsAreFlaggedAndADecisionClosesThemR16) {
  Workflow w = WithPlan();
  EXPECT_FALSE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_WARNING_NOTICE_PROMPT));
  w.Must(Engagement(), "2025-01-08");
  const auto prompt = Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_WARNING_NOTICE_PROMPT);
  ASSERT_TRUE(prompt.has_value());
  EXPECT_THAT(prompt->description(), HasSubstr("engagement concern"));
  v1::EventPayload not_issued;
  not_issued.mutable_warning_notice_not_issued();
  w.Must(not_issued, "2025-01-09");  // the school is cooperating fully
  EXPECT_FALSE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_WARNING_NOTICE_PROMPT));
  // New grounds raise it again: the SRG says escalate.
  w.Must(SrgReview(v1::SRG_OUTCOME_ESCALATE), "2025-02-03");
  const auto again = Find(Obligations(w, "2025-02-04"), v1::OBLIGATION_TYPE_WARNING_NOTICE_PROMPT);
  ASSERT_TRUE(again.has_value());
  EXPECT_THAT(again->description(), HasSubstr("escalate"));
  EXPECT_THAT(again->description(), ::testing::Not(HasSubstr("engagement")));
}

TEST(ObligationTest, TwelveMonthFlagClosesForTheConfiguredPeriodR16) {
  Workflow w = WithPlan();  // designated 2024-10-01
  ASSERT_TRUE(Find(Obligations(w, "2025-10-10"), v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE));
  v1::EventPayload not_issued;
  not_issued.mutable_warning_notice_not_issued();
  w.Must(not_issued, "2025-10-10");
  EXPECT_FALSE(Find(Obligations(w, "2025-10-11"), v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE));
  // Six months on (the default), the question comes back.
  EXPECT_TRUE(Find(Obligations(w, "2026-04-11"), v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE));
}

TEST(ObligationTest, ASchoolAtRiskAwaitsTheSrgsDecisionR4) {
  Workflow w;
  w.Must(Register(), "2024-09-01");
  w.Must(RaiseConcern(), "2024-09-20");
  const auto due = Find(Obligations(w, "2024-10-01"), v1::OBLIGATION_TYPE_SRG_DECISION);
  ASSERT_TRUE(due.has_value());
  EXPECT_FALSE(due->overdue());
  EXPECT_TRUE(Find(Obligations(w, "2024-12-01"), v1::OBLIGATION_TYPE_SRG_DECISION)->overdue());
  w.Must(Designate(), "2024-10-01");
  EXPECT_FALSE(Find(Obligations(w, "2024-12-01"), v1::OBLIGATION_TYPE_SRG_DECISION));
}

TEST(ObligationTest, ANoteOfVisitAwaitsTheHeadteacherR1) {
  Workflow w;
  w.Must(Register(), "2024-09-01");
  w.Must(Visit(), "2024-10-01");
  const auto note = Find(Obligations(w, "2024-10-20"), v1::OBLIGATION_TYPE_NOTE_OF_VISIT);
  ASSERT_TRUE(note.has_value());
  EXPECT_TRUE(note->overdue());  // 10 working days from 1 October
  EXPECT_EQ(note->clears_with(), "RecordNoteOfVisitResponse");
  v1::EventPayload agreed;
  agreed.mutable_note_of_visit_response_recorded()->set_visit_event_id(
      w.events().back().metadata.event_id());
  agreed.mutable_note_of_visit_response_recorded()->set_status(v1::NOTE_OF_VISIT_STATUS_AGREED);
  w.Must(agreed, "2024-10-21");
  EXPECT_FALSE(Find(Obligations(w, "2024-10-22"), v1::OBLIGATION_TYPE_NOTE_OF_VISIT));
}

TEST(ObligationTest, NonComplianceAwaitsTheDecisionOnPowersR18) {
  Workflow w = WithPlan();
  w.Must(WarningNotice("2024-12-01", "2024-11-01"), "2024-11-01");
  w.Must(WarningNotComplied(), "2024-12-02");
  const auto decide = Find(Obligations(w, "2024-12-03"), v1::OBLIGATION_TYPE_INTERVENTION_DECISION);
  ASSERT_TRUE(decide.has_value());
  EXPECT_EQ(decide->rule(), "R-18");
  v1::EventPayload not_used;
  not_used.mutable_intervention_powers_not_used();
  w.Must(not_used, "2024-12-05");
  EXPECT_FALSE(Find(Obligations(w, "2024-12-06"), v1::OBLIGATION_TYPE_INTERVENTION_DECISION));
}

TEST(ObligationTest, AtAPeriodsEndWhatWasDueThatDayIsOverdue) {
  // The termly report judges its own term: a review due in the term's last half term and not
  // held by its last day is overdue in that term's report.
  Workflow w = WithPlan();
  w.Must(Review(), "2024-10-22");
  ObligationRules at_end;
  at_end.judged_period_from = Day("2024-09-04");  // the autumn term's first day
  const auto live = Find(ComputeObligations(w.state(), Day("2024-12-20"), Calendar(),
                                            ObligationRules{}),
                         v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW);
  const auto report = Find(ComputeObligations(w.state(), Day("2024-12-20"), Calendar(), at_end),
                           v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW);
  ASSERT_TRUE(live.has_value());
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(live->overdue());  // still due today
  EXPECT_TRUE(report->overdue());  // the term is over
  EXPECT_EQ(report->period(), "2024/25 autumn half term 2");
}

TEST(StatusTest, DaysInSccCountForAFinishedEpisode) {
  Workflow w = WithPlan();  // designated 2024-10-01
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2026-05-01"), "2026-05-20");
  w.Must(Removal(), "2026-06-12");
  const v1::InstitutionStatus status =
      BuildStatus(w.state(), Day("2026-07-01"), Calendar(), ObligationRules{});
  EXPECT_FALSE(status.causing_concern());
  EXPECT_EQ(status.days_in_scc(), 619);  // 1 October 2024 to 12 June 2026, not to today
}

TEST(ObligationTest, SrgReviewEachHalfTermR6) {
  Workflow w = Designated();
  EXPECT_TRUE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_SRG_REVIEW)->overdue());
  w.Must(SrgReview(v1::SRG_OUTCOME_CONTINUE), "2024-11-15");
  EXPECT_FALSE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_SRG_REVIEW)->overdue());
}

TEST(ObligationTest, QualityAssuranceMeetingEachHalfTermR12) {
  Workflow w = WithPlan();
  const std::optional<v1::Obligation> late =
      Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING);
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(late->overdue());
  EXPECT_EQ(late->lead_officer_id(), "lo-ann");
  w.Must(QaMeeting(), "2024-11-15");
  EXPECT_FALSE(Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING)
                   ->overdue());
}

TEST(ObligationTest, ProgressReviewTeamMeetingEachTermInCategoryR13) {
  Workflow w;
  w.Must(Register(), "2024-09-01");
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-09-20", v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES),
         "2024-10-01");
  EXPECT_TRUE(Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_PROGRESS_REVIEW_TEAM_MEETING)
                  ->overdue());
  w.Must(AssignLeadOfficer(), "2024-10-02");
  w.Must(SprtMeeting(), "2025-03-01");
  EXPECT_EQ(Find(Obligations(w, "2025-04-25"), v1::OBLIGATION_TYPE_PROGRESS_REVIEW_TEAM_MEETING)
                ->overdue(),
            false);
}

TEST(ObligationTest, CategoryObligationsStayWhenAPowerIsUsedR13) {
  Workflow w = WithPlan();
  v1::EventPayload sm = Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-11-04",
                               v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
  sm.mutable_ofsted_outcome_recorded()->set_publication_date("2024-11-11");
  w.Must(sm, "2024-11-12");
  w.Must(Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2024-11-14");
  w.Must(Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2024-11-14");
  ASSERT_EQ(w.state().state(), v1::FLOWCHART_STATE_INTERVENTION);
  const auto all = Obligations(w, "2025-04-25");
  EXPECT_TRUE(Find(all, v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING).has_value());
  EXPECT_TRUE(Find(all, v1::OBLIGATION_TYPE_PROGRESS_REVIEW_TEAM_MEETING).has_value());
  // About one a fortnight (19 a year), spread from the designation on 1 October (R-1).
  EXPECT_EQ(CountVisits(w.state(), Day("2025-01-10"), Calendar()).required, 18);
}

TEST(ObligationTest, VisitsDueAgainstDoneR1) {
  Workflow w = WithPlan();  // in SCC: at least half-termly, 6 a year
  const VisitCount none = CountVisits(w.state(), Day("2025-02-20"), Calendar());
  EXPECT_EQ(none.required, 6);
  EXPECT_EQ(none.done, 0);
  const std::optional<v1::Obligation> o = Find(Obligations(w, "2025-02-20"), v1::OBLIGATION_TYPE_VISITS);
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->overdue());  // half the year gone, none done
  EXPECT_EQ(o->required(), 6);
  EXPECT_EQ(o->period(), "2024/25");
  for (const char* d : {"2024-09-20", "2024-10-20", "2024-11-20", "2025-01-20"}) w.Must(Visit(), d);
  const std::optional<v1::Obligation> on_track = Find(Obligations(w, "2025-02-20"), v1::OBLIGATION_TYPE_VISITS);
  ASSERT_TRUE(on_track.has_value());
  EXPECT_FALSE(on_track->overdue());
  EXPECT_EQ(on_track->done(), 4);
  // Due on a day, overdue only from the next (as every other obligation).
  const std::string due = on_track->due_on();
  EXPECT_FALSE(Find(Obligations(w, due.c_str()), v1::OBLIGATION_TYPE_VISITS)->overdue()) << due;
  const std::string next_day = domain::FormatDate(Day(due.c_str()) + 1);
  EXPECT_TRUE(Find(Obligations(w, next_day.c_str()), v1::OBLIGATION_TYPE_VISITS)->overdue());

  // RI with capacity not secure: about one a fortnight.
  Workflow ri;
  ri.Must(Register(), "2024-09-01");
  ri.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-09-05"), "2024-09-10");
  ri.Must(Rag(), "2024-09-11");
  EXPECT_EQ(CountVisits(ri.state(), Day("2024-10-01"), Calendar()).required, 19);
  // Securely Good: at least 2.
  Workflow good;
  good.Must(Register(), "2024-09-01");
  good.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2024-09-05"), "2024-09-10");
  EXPECT_EQ(CountVisits(good.state(), Day("2024-10-01"), Calendar()).required, 2);
}

TEST(ObligationTest, SettingVisitsAndMeetingsR2R22) {
  Workflow w;
  w.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  EXPECT_EQ(CountVisits(w.state(), Day("2024-10-01"), Calendar()).required, 1);
  w.Must(SettingConcern(), "2024-09-10");
  EXPECT_EQ(CountVisits(w.state(), Day("2024-10-01"), Calendar()).required, 3);
  const std::optional<v1::Obligation> meeting =
      Find(Obligations(w, "2025-01-10"), v1::OBLIGATION_TYPE_SETTINGS_MEETING);
  ASSERT_TRUE(meeting.has_value());
  EXPECT_EQ(meeting->rule(), "R-22");
}

// R-21: a setting causing concern has an action plan too: owed from the day it is listed,
// cleared by agreeing one.
TEST(ObligationTest, SettingActionPlanOwedOnceListedR21) {
  Workflow w;
  w.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  EXPECT_FALSE(Find(Obligations(w, "2024-09-05"), v1::OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING)
                   .has_value());
  w.Must(SettingConcern(), "2024-09-10");  // a Tuesday: 20 working days is 2024-10-08
  const std::optional<v1::Obligation> owed =
      Find(Obligations(w, "2024-10-09"), v1::OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING);
  ASSERT_TRUE(owed.has_value());
  EXPECT_EQ(owed->rule(), "R-21");
  EXPECT_EQ(owed->due_on(), "2024-10-08");
  EXPECT_TRUE(owed->overdue());
  EXPECT_EQ(owed->clears_with(), "AgreeSettingActionPlan");
  w.Must(SettingPlan(), "2024-10-10");
  EXPECT_FALSE(Find(Obligations(w, "2024-10-11"), v1::OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING)
                   .has_value());
  // Its plan is not a school's: no half-termly R-10 review is demanded of it.
  EXPECT_FALSE(
      Find(Obligations(w, "2025-03-01"), v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW).has_value());
}

TEST(ObligationTest, WarningNoticeCandidateAfterTwelveMonthsR16) {
  Workflow w = WithPlan();
  EXPECT_FALSE(Find(Obligations(w, "2025-09-30"), v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE).has_value());
  const std::optional<v1::Obligation> o =
      Find(Obligations(w, "2025-10-02"), v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->due_on(), "2025-10-01");
  w.Must(WarningNotice("2025-12-01"), "2025-10-05");
  EXPECT_FALSE(Find(Obligations(w, "2025-10-10"), v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE).has_value());
}

TEST(ObligationTest, RemovalBlockedByOfstedR15) {
  Workflow w = WithPlan();
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-11-01"), "2024-11-05");
  const std::optional<v1::Obligation> o = Find(Obligations(w, "2024-11-10"), v1::OBLIGATION_TYPE_REMOVAL_BLOCKED);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->rule(), "R-15");
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2025-05-01"), "2025-05-05");
  EXPECT_FALSE(Find(Obligations(w, "2025-05-10"), v1::OBLIGATION_TYPE_REMOVAL_BLOCKED).has_value());
}

TEST(ObligationTest, CompliancePeriodEndedWithoutOutcomeR18) {
  Workflow w = WithPlan();
  w.Must(WarningNotice("2024-12-01"), "2024-11-01");
  EXPECT_FALSE(Find(Obligations(w, "2024-11-20"), v1::OBLIGATION_TYPE_COMPLIANCE_PERIOD_ENDED).has_value());
  const std::optional<v1::Obligation> o =
      Find(Obligations(w, "2024-12-05"), v1::OBLIGATION_TYPE_COMPLIANCE_PERIOD_ENDED);
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->overdue());
  EXPECT_EQ(o->due_on(), "2024-12-01");
  w.Must(WarningNotComplied(), "2024-12-03");
  EXPECT_FALSE(Find(Obligations(w, "2024-12-05"), v1::OBLIGATION_TYPE_COMPLIANCE_PERIOD_ENDED).has_value());
}

TEST(StatusTest, DaysInSccAndFields) {
  Workflow w = WithPlan();
  const v1::InstitutionStatus s = BuildStatus(w.state(), Day("2024-11-01"), Calendar(), {});
  EXPECT_TRUE(s.causing_concern());
  EXPECT_EQ(s.days_in_scc(), 31);
  EXPECT_EQ(s.lead_officer_id(), "lo-ann");
  EXPECT_EQ(s.action_plan_version(), 1u);
  EXPECT_EQ(s.as_of(), "2024-11-01");
  EXPECT_FALSE(s.allowed_next_steps().empty());
}

// The Ofsted picture in the status: every inspection, the flags over the history, and the
// alerts an officer sees (docs/ofsted.md).
TEST(OfstedStatusTest, HistoryFlagsAndAlerts) {
  Workflow w;
  w.Must(Register(), "2018-09-01");
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2022-11-15"), "2022-12-12");
  v1::EventPayload card = ReportCardOutcome(v1::REPORT_CARD_GRADE_NEEDS_ATTENTION,
                                            v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                                            v1::SAFEGUARDING_OUTCOME_MET, "2026-01-20");
  card.mutable_ofsted_outcome_recorded()->mutable_report_card()->set_category(
      v1::OFSTED_CATEGORY_NONE);
  w.Must(card, "2026-02-13");
  const v1::OfstedStatus o = BuildOfstedStatus(w.state(), domain::OfstedMapping());
  ASSERT_EQ(o.inspections_size(), 2);
  EXPECT_EQ(o.inspections(0).framework(), "graded");
  EXPECT_EQ(o.inspections(1).framework(), "report card");
  EXPECT_TRUE(o.inspections(1).category_published());
  EXPECT_EQ(o.category(), v1::OFSTED_CATEGORY_NONE);
  EXPECT_EQ(o.derived_category(), v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT);
  EXPECT_TRUE(o.category_disagreement());
  EXPECT_TRUE(o.ri_or_worse());
  EXPECT_TRUE(o.not_making_necessary_improvements());
  EXPECT_TRUE(o.stuck());
  EXPECT_THAT(o.alerts(0), HasSubstr("published the category 'none'"));
  // The status carries it.
  const v1::InstitutionStatus status =
      BuildStatus(w.state(), Day("2026-03-01"), Calendar(), ObligationRules{});
  EXPECT_TRUE(status.ofsted().stuck());
}

TEST(OfstedStatusTest, SettingsAndAcademiesAreFlagged) {
  // R-21: a setting graded RI is causing concern by definition, before anyone records it.
  Workflow setting;
  setting.Must(Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2020-01-06");
  setting.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-05-14"), "2024-06-12");
  v1::OfstedStatus o = BuildOfstedStatus(setting.state(), domain::OfstedMapping());
  EXPECT_TRUE(o.setting_causing_concern());
  EXPECT_THAT(o.alerts(0), HasSubstr("R-21"));
  // R-20: an academy placed in a category is a serious concern.
  Workflow academy;
  academy.Must(Register(v1::INSTITUTION_KIND_ACADEMY), "2020-01-06");
  academy.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-05-14",
                      v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT),
               "2024-06-12");
  o = BuildOfstedStatus(academy.state(), domain::OfstedMapping());
  EXPECT_TRUE(o.academy_serious_concern());
  EXPECT_THAT(o.alerts(0), HasSubstr("R-20"));
}

// A closed school (here one converted to an academy) owes nothing: no visits (R-1), no SCC
// duties, no removal blocked by R-15; its status shows the conversion and how the episode ended.
TEST(StatusTest, AClosedSchoolHasNoObligationsAndShowsItsSuccessor) {
  Workflow w = WithPlan();
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-11-01"), "2024-11-05");
  ASSERT_FALSE(Obligations(w, "2025-01-10").empty());
  v1::EventPayload conversion;
  conversion.mutable_converted_to_academy()->set_successor_urn("149001");
  conversion.mutable_converted_to_academy()->set_trust_name("Oakfield Academy Trust");
  w.Must(conversion, "2024-12-01");
  EXPECT_TRUE(Obligations(w, "2025-01-10").empty());
  const v1::InstitutionStatus s = BuildStatus(w.state(), Day("2025-01-10"), Calendar(), {});
  EXPECT_FALSE(s.causing_concern());
  EXPECT_EQ(s.state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_EQ(s.visits_required(), 0);
  EXPECT_EQ(s.closed_on(), "2024-12-01");
  EXPECT_EQ(s.conversion().successor_urn(), "149001");
  EXPECT_EQ(s.episode_ended_by(), v1::EPISODE_END_CONVERTED_TO_ACADEMY);
  EXPECT_EQ(s.removed_on(), "2024-12-01");
  EXPECT_TRUE(s.allowed_next_steps().empty());
}

}  // namespace
}  // namespace scc::projections
