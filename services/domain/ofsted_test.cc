// The three school frameworks, monitoring inspections and early-years outcomes through
// decide/evolve: every inspection kept in order, the published category acted on, and the
// mapping (defaults and a file) over all of them.
#include "services/domain/ofsted.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"

namespace scc::domain::testing {
namespace {

using ::testing::HasSubstr;

v1::EventPayload Ungraded(v1::OfstedGrade quality, v1::OfstedGrade leadership,
                          v1::SafeguardingOutcome safeguarding, const std::string& inspected,
                          v1::OfstedCategory published = v1::OFSTED_CATEGORY_UNSPECIFIED) {
  v1::EventPayload p;
  auto* o = p.mutable_ofsted_outcome_recorded();
  o->set_inspection_date(inspected);
  o->set_inspection_type("S5 Inspection");
  auto* k = o->mutable_ungraded()->mutable_key_judgements();
  k->set_quality_of_education(quality);
  k->set_behaviour_and_attitudes(v1::OFSTED_GRADE_GOOD);
  k->set_personal_development(v1::OFSTED_GRADE_GOOD);
  k->set_leadership_and_management(leadership);
  k->set_safeguarding(safeguarding);
  o->mutable_ungraded()->set_category(published);
  return p;
}

v1::EventPayload Monitoring(const std::string& inspected) {
  v1::EventPayload p;
  p.mutable_ofsted_outcome_recorded()->set_inspection_date(inspected);
  p.mutable_ofsted_outcome_recorded()->mutable_monitoring()->set_finding(
      "taking effective action");
  return p;
}

Workflow Monitored(v1::InstitutionKind kind = v1::INSTITUTION_KIND_MAINTAINED_SCHOOL) {
  Workflow w;
  w.Must(Register(kind), "2018-09-01");
  return w;
}

TEST(OfstedFrameworksTest, UngradedOverallWithAPublishedCategoryPutsTheSchoolInIt) {
  // 2024/25: no overall grade, inspectors still place a school in special measures.
  Workflow w = Monitored();
  w.Must(Ungraded(v1::OFSTED_GRADE_INADEQUATE, v1::OFSTED_GRADE_INADEQUATE,
                  v1::SAFEGUARDING_OUTCOME_NOT_MET, "2025-03-11",
                  v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2025-04-08");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  EXPECT_EQ(w.state().episode().eligible_for_intervention_on(), "2025-04-08");  // s62
  const OfstedSummary s = Classify(w.state().latest_ofsted());
  EXPECT_EQ(s.framework, OfstedFramework::kUngradedOverall);
  EXPECT_TRUE(s.ri_or_worse);
  EXPECT_FALSE(s.category_disagreement);
  EXPECT_THAT(s.label, HasSubstr("No overall grade"));
  // The Lead Officer writes the Statement of Action.
  w.Must(AssignLeadOfficer(), "2025-04-09");
  w.Must(StatementOfAction(), "2025-04-15");
}

TEST(OfstedFrameworksTest, UngradedOverallRecordsNeedTheKeyJudgements) {
  Workflow w = Monitored();
  v1::EventPayload p = Ungraded(v1::OFSTED_GRADE_GOOD, v1::OFSTED_GRADE_GOOD,
                                v1::SAFEGUARDING_OUTCOME_MET, "2025-03-11");
  p.mutable_ofsted_outcome_recorded()->mutable_ungraded()->mutable_key_judgements()
      ->clear_leadership_and_management();
  auto refused = w.Run(p, "2025-04-08");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("ungraded.key_judgements.leadership_and_management"));
}

TEST(OfstedFrameworksTest, ThePublishedCategoryWinsOverTheDerivedOne) {
  // A report card with an urgent-improvement area would derive "requires significant
  // improvement"; Ofsted published none: the school is not in a category, and the
  // disagreement is visible.
  Workflow w = Monitored();
  v1::EventPayload card = ReportCardOutcome(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                                            v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                                            v1::SAFEGUARDING_OUTCOME_MET, "2026-01-27");
  card.mutable_ofsted_outcome_recorded()->mutable_report_card()->set_category(
      v1::OFSTED_CATEGORY_NONE);
  w.Must(card, "2026-02-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_MONITORED);
  const OfstedSummary s = Classify(w.state().latest_ofsted());
  EXPECT_EQ(s.category, v1::OFSTED_CATEGORY_NONE);
  EXPECT_EQ(s.derived_category, v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT);
  EXPECT_TRUE(s.category_disagreement);

  // Published special measures where the grades alone would say significant improvement.
  Workflow v = Monitored();
  card.mutable_ofsted_outcome_recorded()->mutable_report_card()->set_category(
      v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
  v.Must(card, "2026-02-20");
  EXPECT_EQ(v.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  EXPECT_EQ(Classify(v.state().latest_ofsted()).category, v1::OFSTED_CATEGORY_SPECIAL_MEASURES);

  // Without a published category (older records): the derived one is the fallback.
  Workflow u = Monitored();
  card.mutable_ofsted_outcome_recorded()->mutable_report_card()->clear_category();
  u.Must(card, "2026-02-20");
  EXPECT_EQ(u.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  EXPECT_THAT(Classify(u.state().latest_ofsted()).label, HasSubstr("derived"));
}

TEST(OfstedFrameworksTest, EveryInspectionIsKeptInInspectionDateOrderOnce) {
  Workflow w = Monitored();
  w.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2021-10-05"), "2021-11-02");
  w.Must(ReportCardOutcome(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                           v1::REPORT_CARD_GRADE_EXPECTED_STANDARD, v1::SAFEGUARDING_OUTCOME_MET,
                           "2026-02-04"),
         "2026-02-27");
  // A backfill of the 2024/25 inspection lands between the two.
  w.Must(Ungraded(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, v1::OFSTED_GRADE_GOOD,
                  v1::SAFEGUARDING_OUTCOME_MET, "2025-02-04"),
         "2026-03-01");
  // The same inspection again (a corrected import): it replaces its entry.
  w.Must(Ungraded(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT,
                  v1::SAFEGUARDING_OUTCOME_MET, "2025-02-04"),
         "2026-03-02");
  const auto& history = w.state().ofsted_history();
  ASSERT_EQ(history.size(), 3);
  EXPECT_EQ(history[0].inspection_date(), "2021-10-05");
  EXPECT_EQ(history[1].inspection_date(), "2025-02-04");
  EXPECT_EQ(history[1].ungraded().key_judgements().leadership_and_management(),
            v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT);
  EXPECT_EQ(history[2].inspection_date(), "2026-02-04");
  EXPECT_EQ(w.state().latest_ofsted().inspection_date(), "2026-02-04");
}

TEST(OfstedFrameworksTest, AMonitoringInspectionIsKeptButCarriesNoGrade) {
  Workflow w = Monitored();
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-01-20", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2025-02-01");
  w.Must(Monitoring("2025-06-10"), "2025-06-20");
  EXPECT_EQ(w.state().ofsted_history_size(), 2);
  // Still in special measures: a monitoring visit does not end the category or lift
  // the R-15 block.
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_OFSTED_CATEGORY);
  EXPECT_EQ(w.state().latest_ofsted().inspection_date(), "2025-01-20");
  const OfstedSummary s = Classify(w.state().ofsted_history(1));
  EXPECT_FALSE(s.graded);
  EXPECT_FALSE(s.ri_or_worse);
  EXPECT_FALSE(s.good_or_better);
  EXPECT_EQ(s.label, "Monitoring inspection (no grade): taking effective action");
}

TEST(OfstedFrameworksTest, TwoInspectionsBelowGoodAndStuckSchools) {
  const OfstedMapping defaults;
  // Graded RI, then 2024/25 with quality of education RI: both below Good, and stuck (the
  // DfE treats an RI key judgement for quality of education or leadership as a headline RI).
  Workflow w = Monitored();
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2022-11-15"), "2022-12-12");
  w.Must(Ungraded(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, v1::OFSTED_GRADE_GOOD,
                  v1::SAFEGUARDING_OUTCOME_MET, "2025-02-04"),
         "2025-03-10");
  OfstedHistoryFlags flags = HistoryFlags(w.state().ofsted_history(), defaults);
  EXPECT_TRUE(flags.not_making_necessary_improvements);
  EXPECT_TRUE(flags.stuck);
  // A monitoring inspection in between does not count as an inspection below Good.
  w.Must(Monitoring("2025-06-10"), "2025-06-20");
  EXPECT_TRUE(HistoryFlags(w.state().ofsted_history(), defaults).stuck);

  // Report cards: stuck needs leadership and governance "needs attention"; another area
  // needing attention is below Good but not stuck.
  Workflow v = Monitored();
  v.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2023-03-01"), "2023-03-28");
  v.Must(ReportCardOutcome(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                           v1::REPORT_CARD_GRADE_NEEDS_ATTENTION, v1::SAFEGUARDING_OUTCOME_MET,
                           "2026-01-20"),
         "2026-02-13");
  flags = HistoryFlags(v.state().ofsted_history(), defaults);
  EXPECT_TRUE(flags.not_making_necessary_improvements);
  EXPECT_FALSE(flags.stuck);
  v.Must(ReportCardOutcome(v1::REPORT_CARD_GRADE_NEEDS_ATTENTION,
                           v1::REPORT_CARD_GRADE_EXPECTED_STANDARD, v1::SAFEGUARDING_OUTCOME_MET,
                           "2026-06-20"),
         "2026-07-13");
  EXPECT_TRUE(HistoryFlags(v.state().ofsted_history(), defaults).stuck);

  // Good before: neither.
  Workflow u = Monitored();
  u.Must(Ofsted(v1::OFSTED_GRADE_GOOD, "2021-06-22"), "2021-07-20");
  u.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-06-22"), "2024-07-20");
  flags = HistoryFlags(u.state().ofsted_history(), defaults);
  EXPECT_FALSE(flags.not_making_necessary_improvements);
  EXPECT_FALSE(flags.stuck);
}

TEST(OfstedFrameworksTest, RemovalWaitsForALaterGoodJudgementInAnyFramework) {
  // R-15 reads the one mapping: an ungraded-overall inspection with every key judgement Good
  // lets the school be removed.
  Workflow w = Monitored();
  w.Must(RaiseConcern(), "2024-09-20");
  w.Must(Designate(), "2024-10-01");
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-06-01"), "2024-10-02");
  auto refused = w.Run(Removal(), "2026-06-15");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("R-15"));
  w.Must(Ungraded(v1::OFSTED_GRADE_GOOD, v1::OFSTED_GRADE_GOOD, v1::SAFEGUARDING_OUTCOME_MET,
                  "2025-05-01"),
         "2026-06-16");
  w.Must(Removal(), "2026-06-20");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_REMOVED);
}

TEST(OfstedFrameworksTest, EarlyYearsReportCardsAndChildminders) {
  Workflow w = Monitored(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING);
  v1::EventPayload card;
  auto* o = card.mutable_ofsted_outcome_recorded();
  o->set_inspection_date("2026-01-13");
  o->mutable_report_card()->set_safeguarding(v1::SAFEGUARDING_OUTCOME_MET);
  auto* area = o->mutable_report_card()->add_areas();
  area->set_area(v1::EVALUATION_AREA_CHILDRENS_WELFARE_AND_WELLBEING);
  area->set_grade(v1::REPORT_CARD_GRADE_NEEDS_ATTENTION);
  area->set_graded_on("2026-01-13");
  w.Must(card, "2026-02-09");
  EXPECT_TRUE(Classify(w.state().latest_ofsted()).ri_or_worse);
  // A setting is not a school: no Ofsted category state, the R-21 flag is the status's.
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_MONITORED);

  v1::EventPayload met;
  met.mutable_ofsted_outcome_recorded()->set_inspection_date("2026-05-01");
  met.mutable_ofsted_outcome_recorded()->set_registration(v1::REGISTRATION_OUTCOME_MET);
  w.Must(met, "2026-05-20");
  EXPECT_TRUE(Classify(w.state().latest_ofsted()).good_or_better);
  EXPECT_EQ(w.state().ofsted_history_size(), 2);
}

TEST(RiseTest, RiseInvolvementIsRecordedForSchoolsAndAcademiesNotSettings) {
  Workflow school = Monitored();
  school.Must(Rise(), "2025-07-01");
  EXPECT_EQ(school.state().rise().kind(), v1::RISE_INVOLVEMENT_KIND_TARGETED_INTERVENTION);
  EXPECT_EQ(school.state().rise_recorded_on(), "2025-07-01");
  Workflow academy = Monitored(v1::INSTITUTION_KIND_ACADEMY);
  academy.Must(Rise(), "2025-07-01");
  Workflow setting = Monitored(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING);
  auto refused = setting.Run(Rise(), "2025-07-01");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("R-21"));
  v1::EventPayload no_kind;
  no_kind.mutable_rise_involvement_recorded()->set_adviser("someone");
  EXPECT_EQ(school.Run(no_kind, "2025-07-02").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OfstedMappingTest, DefaultsAndAFileThatMovesTheLine) {
  v1::OfstedOutcomeRecorded attention =
      ReportCardOutcome(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                        v1::REPORT_CARD_GRADE_NEEDS_ATTENTION, v1::SAFEGUARDING_OUTCOME_MET,
                        "2026-01-01")
          .ofsted_outcome_recorded();
  EXPECT_TRUE(Classify(attention, OfstedMapping()).ri_or_worse);
  auto strict = ParseOfstedMapping(
      "# Only urgent improvement counts as RI-or-worse; Good-or-better needs strong standard.\n"
      "report_card.ri_or_worse_from = urgent improvement\n"
      "report_card.good_or_better_up_to = strong standard\n"
      "graded.ri_or_worse_from = 3\n");
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_FALSE(Classify(attention, *strict).ri_or_worse);
  EXPECT_FALSE(Classify(attention, *strict).good_or_better);
  v1::OfstedOutcomeRecorded expected =
      ReportCardOutcome(v1::REPORT_CARD_GRADE_EXPECTED_STANDARD,
                        v1::REPORT_CARD_GRADE_EXPECTED_STANDARD, v1::SAFEGUARDING_OUTCOME_MET,
                        "2026-01-01")
          .ofsted_outcome_recorded();
  EXPECT_TRUE(Classify(expected, OfstedMapping()).good_or_better);
  EXPECT_FALSE(Classify(expected, *strict).good_or_better);
}

TEST(OfstedMappingTest, ABadFileNamesTheLine) {
  auto unknown = ParseOfstedMapping("\ngraded.ri_or_worse = 3\n");
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("line 2: unknown setting"));
  auto grade = ParseOfstedMapping("report_card.ri_or_worse_from = poor\n");
  EXPECT_THAT(std::string(grade.status().message()), HasSubstr("'poor' is not a grade"));
  auto overlap = ParseOfstedMapping("graded.good_or_better_up_to = requires improvement\n");
  EXPECT_THAT(std::string(overlap.status().message()), HasSubstr("graded"));
  auto shape = ParseOfstedMapping("graded.ri_or_worse_from 3\n");
  EXPECT_THAT(std::string(shape.status().message()), HasSubstr("line 1: expected"));
}

TEST(OfstedNamesTest, RenamedWhatTheLawRenamed) {
  EXPECT_EQ(CategoryName(v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES),
            "requires significant improvement (formerly serious weaknesses)");
  // The old enum name still reads; it is the same value as the new one.
  v1::OfstedCategory c;
  ASSERT_TRUE(v1::OfstedCategory_Parse("OFSTED_CATEGORY_SERIOUS_WEAKNESSES", &c));
  EXPECT_EQ(c, v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT);
  v1::EscalationBody b;
  ASSERT_TRUE(v1::EscalationBody_Parse("ESCALATION_BODY_ESFA", &b));
  EXPECT_EQ(b, v1::ESCALATION_BODY_DFE_REGIONS_GROUP);
}

}  // namespace
}  // namespace scc::domain::testing
