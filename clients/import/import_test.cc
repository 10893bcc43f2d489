// CSV parsing and the mapping of GIAS and Ofsted rows to commands, with the line numbers and
// reasons reported for rows that cannot be imported.
#include "clients/import/csv.h"
#include "clients/import/ofsted_rows.h"
#include "clients/import/rows.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scc::import {
namespace {

using ::testing::HasSubstr;

const absl::CivilDay kToday(2026, 11, 23);

TEST(CsvTest, QuotesNewlinesCrlfAndBom) {
  auto t = ParseCsv("\xEF\xBB\xBF" "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",z\n\n3,,\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0].fields[1], "x, y");
  EXPECT_EQ(t->rows[0].fields[2], "say \"hi\"");
  EXPECT_EQ(t->rows[1].line, 3);
  EXPECT_EQ(t->rows[1].fields[1], "two\nlines");
  EXPECT_EQ(t->rows[2].line, 6);  // after the embedded newline and a blank line
  EXPECT_EQ(t->Column("B"), 1);
  EXPECT_EQ(t->Column("nope"), -1);
  auto open = ParseCsv("a\n\"unclosed\n");
  EXPECT_THAT(std::string(open.status().message()), HasSubstr("line 2"));
}

// Old Mac exports end lines with a lone CR; the fuzzer reached it first (seed lone_cr.csv).
TEST(CsvTest, LoneCarriageReturnsEndLines) {
  auto t = ParseCsv("URN,Name\r100001,Hill\r100002,\"Vale\rSchool\"\r");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields[0], "100001");
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].fields[1], "Vale\rSchool");
  EXPECT_EQ(t->rows[1].line, 3);
}

TEST(CsvTest, Windows1252BecomesUtf8) {
  EXPECT_EQ(ToUtf8("St Mary\x92s"), "St Mary\u2019s");
  EXPECT_EQ(ToUtf8("caf\xE9"), "caf\u00e9");
  EXPECT_EQ(ToUtf8("already \u00e9"), "already \u00e9");
}

TEST(RowsTest, DatesInTheFormatsTheExportsUse) {
  EXPECT_EQ(NormaliseDate("31/01/2025"), "2025-01-31");
  EXPECT_EQ(NormaliseDate("31-01-2025"), "2025-01-31");
  EXPECT_EQ(NormaliseDate("2025-01-31"), "2025-01-31");
  EXPECT_EQ(NormaliseDate("31/02/2025"), "");
  EXPECT_EQ(NormaliseDate("Jan 2025"), "");
}

constexpr char kGias[] =
    "URN,EstablishmentName,TypeOfEstablishment (name),EstablishmentStatus (name),"
    "PhaseOfEducation (name),OfficialSixthForm (name),OpenDate,Trusts (name)\n"
    "100001,Hillside Primary,Community school,Open,Primary,Does not have a sixth form,01-09-1975,\n"
    "100002,Ridge Academy,Academy converter,Open,Secondary,Has a sixth form,,Ridge Trust\n"
    "100003,Old School,Community school,Closed,Primary,,,\n"
    "12,Bad Urn School,Community school,Open,Primary,,,\n"
    "100004,Mystery,Independent school,Open,Primary,,,\n"
    "100005,Oak Special,Community special school,Open,Not applicable,,,\n"
    "100006,Odd Date,Community school,Open,Primary,,32-13-2001,\n";

TEST(RowsTest, GiasRowsBecomeRegistrationsOrReportedProblems) {
  auto table = ParseCsv(kGias);
  ASSERT_TRUE(table.ok());
  auto plan = PlanInstitutions(*table, kToday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->commands.size(), 3u);
  const auto& school = plan->commands[0].payload.institution_registered().details();
  EXPECT_EQ(plan->commands[0].urn, "100001");
  EXPECT_EQ(plan->commands[0].effective_date, "1975-09-01");
  EXPECT_EQ(school.kind(), v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  EXPECT_EQ(school.establishment_type(), v1::ESTABLISHMENT_TYPE_COMMUNITY);
  const auto& academy = plan->commands[1].payload.institution_registered().details();
  EXPECT_EQ(academy.kind(), v1::INSTITUTION_KIND_ACADEMY);
  EXPECT_EQ(academy.phase(), v1::PHASE_SECONDARY_WITH_SIXTH_FORM);
  EXPECT_EQ(academy.trust_name(), "Ridge Trust");
  EXPECT_EQ(plan->commands[2].payload.institution_registered().details().phase(),
            v1::PHASE_SPECIAL);
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].line, 4);
  ASSERT_EQ(plan->errors.size(), 3u);
  EXPECT_EQ(plan->errors[0].line, 5);
  EXPECT_THAT(plan->errors[0].reason, HasSubstr("URN '12'"));
  EXPECT_EQ(plan->errors[1].line, 6);
  EXPECT_THAT(plan->errors[1].reason, HasSubstr("Independent school"));
  EXPECT_EQ(plan->errors[2].line, 8);
  EXPECT_THAT(plan->errors[2].reason, HasSubstr("OpenDate"));
  // The same row always gets the same request id; a changed row a new one.
  auto again = PlanInstitutions(*table, kToday);
  EXPECT_EQ(again->commands[0].request_id, plan->commands[0].request_id);
  EXPECT_NE(plan->commands[0].request_id, plan->commands[1].request_id);
}

TEST(RowsTest, MissingColumnsRefuseTheFile) {
  auto table = ParseCsv("URN,Name\n100001,x\n");
  ASSERT_TRUE(table.ok());
  auto plan = PlanInstitutions(*table, kToday);
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("EstablishmentName"));
}

constexpr char kOfsted[] =
    "URN,Inspection start date,Publication date,Inspection type,Category of concern,"
    "Safeguarding standards,Inclusion,Curriculum and teaching,Leadership and governance,"
    "Overall effectiveness\n"
    "100001,03/02/2026,20/02/2026,report card,,Met,Expected standard,Needs attention,Expected standard,\n"
    "100002,10/01/2023,,graded,Special Measures,,,,,4\n"
    "100003,10/01/2023,,graded,,,,,,9\n"
    "100004,10/01/2099,,graded,,,,,,2\n"
    "100005,10/01/2024,,report card,,Maybe,Expected standard,,,\n";

TEST(RowsTest, OfstedRowsInBothSchemes) {
  auto table = ParseCsv(kOfsted);
  ASSERT_TRUE(table.ok());
  auto plan = PlanOfsted(*table, kToday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->commands.size(), 2u);
  const auto& card = plan->commands[0].payload.ofsted_outcome_recorded();
  EXPECT_EQ(card.inspection_date(), "2026-02-03");
  EXPECT_EQ(plan->commands[0].effective_date, "2026-02-20");
  ASSERT_TRUE(card.has_report_card());
  EXPECT_EQ(card.report_card().areas_size(), 3);
  EXPECT_EQ(card.report_card().safeguarding(), v1::SAFEGUARDING_OUTCOME_MET);
  // The file has the column and it is empty: Ofsted published no category.
  EXPECT_EQ(card.report_card().category(), v1::OFSTED_CATEGORY_NONE);
  const auto& legacy = plan->commands[1].payload.ofsted_outcome_recorded().legacy();
  EXPECT_EQ(legacy.overall(), v1::OFSTED_GRADE_INADEQUATE);
  EXPECT_EQ(legacy.category(), v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
  ASSERT_EQ(plan->skipped.size(), 1u);  // 9: no judgement
  EXPECT_EQ(plan->skipped[0].kind, "no judgement");
  ASSERT_EQ(plan->errors.size(), 2u);
  EXPECT_EQ(plan->errors[0].line, 5);
  EXPECT_THAT(plan->errors[0].reason, HasSubstr("future"));
  EXPECT_EQ(plan->errors[1].line, 6);
  EXPECT_THAT(plan->errors[1].reason, HasSubstr("Safeguarding standards"));
}

// The 2024/25 shape: no overall grade, key judgements, the published category, and the
// previous inspection on the same row.
constexpr char kUngraded[] =
    "URN,Inspection type,Inspection start date,Publication date,Overall effectiveness,"
    "Category of concern,Quality of education,Behaviour and attitudes,Personal development,"
    "Effectiveness of leadership and management,Safeguarding is effective?,"
    "Sixth form provision (where applicable),Previous inspection start date,"
    "Previous overall effectiveness,Previous category of concern\n"
    "100011,S5 Inspection,11/03/2025,08/04/2025,Not judged,Special Measures,4,3,3,4,No,9,"
    "05/10/2021,2,\n"
    "100012,S5 Inspection,04/02/2025,10/03/2025,Not judged,,3,2,2,3,Yes,2,,,\n"
    "100013,S5 Inspection,04/02/2025,10/03/2025,Not judged,,3,2,Poor,3,Yes,2,,,\n"
    "100014,S5 Inspection,04/02/2025,10/03/2025,Not judged,,,,,,,,,,\n";

TEST(RowsTest, UngradedOverallRowsAreRecordedWithTheirCategoryAndThePreviousInspection) {
  auto table = ParseCsv(kUngraded);
  ASSERT_TRUE(table.ok());
  auto plan = PlanOfsted(*table, kToday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->commands.size(), 3u);
  const auto& sm = plan->commands[0].payload.ofsted_outcome_recorded();
  ASSERT_TRUE(sm.has_ungraded());
  EXPECT_EQ(sm.ungraded().category(), v1::OFSTED_CATEGORY_SPECIAL_MEASURES);
  EXPECT_EQ(sm.ungraded().key_judgements().leadership_and_management(),
            v1::OFSTED_GRADE_INADEQUATE);
  EXPECT_EQ(sm.ungraded().key_judgements().safeguarding(), v1::SAFEGUARDING_OUTCOME_NOT_MET);
  EXPECT_EQ(sm.ungraded().key_judgements().sixth_form(), v1::OFSTED_GRADE_UNSPECIFIED);
  const auto& previous = plan->commands[1].payload.ofsted_outcome_recorded();
  EXPECT_EQ(plan->commands[1].urn, "100011");
  EXPECT_EQ(previous.inspection_date(), "2021-10-05");
  EXPECT_EQ(previous.legacy().overall(), v1::OFSTED_GRADE_GOOD);
  EXPECT_EQ(plan->commands[2].payload.ofsted_outcome_recorded().ungraded().category(),
            v1::OFSTED_CATEGORY_NONE);
  ASSERT_EQ(plan->errors.size(), 1u);
  EXPECT_EQ(plan->errors[0].line, 4);
  EXPECT_THAT(plan->errors[0].reason, HasSubstr("Personal development 'Poor'"));
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].line, 5);
}

TEST(RowsTest, ReportCardAreasKeepTheirDatesAndTheLatestOeifInspection) {
  auto table = ParseCsv(
      "URN,Inspection start date,Publication date,Category of concern,Safeguarding standards,"
      "Leadership and governance,Leadership and governance - date of grade,"
      "Latest OEIF inspection start date,Latest OEIF overall effectiveness\n"
      "100021,09/03/2026,01/04/2026,Requires significant improvement,Not met,Needs attention,"
      "10/03/2026,01/03/2023,3\n"
      "100022,,,,,,,01/03/2023,3\n");
  ASSERT_TRUE(table.ok());
  auto plan = PlanOfsted(*table, kToday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->commands.size(), 3u) << (plan->errors.empty() ? "" : plan->errors[0].reason);
  const auto& card = plan->commands[0].payload.ofsted_outcome_recorded().report_card();
  EXPECT_EQ(card.category(), v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT);
  EXPECT_EQ(card.areas(0).graded_on(), "2026-03-10");
  EXPECT_EQ(plan->commands[1].payload.ofsted_outcome_recorded().legacy().overall(),
            v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT);
  EXPECT_EQ(plan->commands[2].urn, "100022");
}

TEST(RowsTest, EarlyYearsProvidersAndChildminders) {
  auto table = ParseCsv(
      "Provider URN,Inspection date,Publication date,Overall effectiveness\n"
      "EY501002,12/09/2023,03/10/2023,Met\n"
      "EY501004,03/06/2025,24/06/2025,Not met (with enforcement)\n"
      "EY501001,14/05/2024,12/06/2024,Requires improvement\n");
  ASSERT_TRUE(table.ok());
  auto plan = PlanOfsted(*table, kToday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->commands.size(), 3u);
  EXPECT_EQ(plan->commands[0].payload.ofsted_outcome_recorded().registration(),
            v1::REGISTRATION_OUTCOME_MET);
  EXPECT_EQ(plan->commands[1].payload.ofsted_outcome_recorded().registration(),
            v1::REGISTRATION_OUTCOME_NOT_MET_WITH_ENFORCEMENT);
  EXPECT_EQ(plan->commands[2].payload.ofsted_outcome_recorded().legacy().overall(),
            v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT);
}

}  // namespace
}  // namespace scc::import
