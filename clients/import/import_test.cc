// CSV parsing and the mapping of GIAS and Ofsted rows to commands, with the line numbers and
// reasons reported for rows that cannot be imported.
#include "clients/import/csv.h"
#include "clients/import/gias_rows.h"
#include "clients/import/ofsted_rows.h"
#include "clients/import/rows.h"

#include <sstream>

#include "absl/strings/str_cat.h"

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

// Rows as the GIAS export has them: every field quoted, dd-mm-yyyy dates, codes and names.
constexpr char kGias[] =
    "\"URN\",\"LA (code)\",\"LA (name)\",\"EstablishmentName\",\"TypeOfEstablishment (code)\","
    "\"TypeOfEstablishment (name)\",\"EstablishmentStatus (name)\",\"OpenDate\",\"CloseDate\","
    "\"PhaseOfEducation (name)\",\"StatutoryLowAge\",\"StatutoryHighAge\","
    "\"OfficialSixthForm (name)\",\"ReligiousCharacter (name)\",\"Diocese (name)\","
    "\"NumberOfPupils\",\"Trusts (name)\",\"UKPRN\",\"HeadFirstName\",\"HeadLastName\"\r\n"
    "\"100001\",\"302\",\"Barnet\",\"Hillside Primary\",\"1\",\"Community school\",\"Open\","
    "\"01-09-1975\",\"\",\"Primary\",\"3\",\"11\",\"Does not have a sixth form\","
    "\"Does not apply\",\"Not applicable\",\"412\",\"\",\"10071234\",\"Ann\",\"Lee\"\r\n"
    "\"100002\",\"302\",\"Barnet\",\"Ridge Academy\",\"34\",\"Academy converter\","
    "\"Open, but proposed to close\",\"\",\"\",\"Secondary\",\"11\",\"18\",\"Has a sixth form\","
    "\"Church of England\",\"Diocese of London\",\"1200\",\"Ridge Trust\",\"\",\"\",\"\"\r\n"
    "\"100003\",\"302\",\"Barnet\",\"Old School\",\"1\",\"Community school\",\"Closed\",\"\","
    "\"31-08-2019\",\"Primary\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"12\",\"302\",\"Barnet\",\"Bad Urn School\",\"1\",\"Community school\",\"Open\",\"\",\"\","
    "\"Primary\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100004\",\"302\",\"Barnet\",\"Hogwarts\",\"11\",\"Other independent school\",\"Open\",\"\","
    "\"\",\"Primary\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100005\",\"302\",\"Barnet\",\"Oak Special\",\"44\",\"Academy special converter\",\"Open\","
    "\"\",\"\",\"Not applicable\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100006\",\"302\",\"Barnet\",\"Odd Date\",\"1\",\"Community school\",\"Open\",\"32-13-2001\","
    "\"\",\"Primary\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100007\",\"202\",\"Camden\",\"Camden Row\",\"1\",\"Community school\",\"Open\",\"\",\"\","
    "\"Primary\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100008\",\"302\",\"Barnet\",\"Spring Hill\",\"8\",\"Non-maintained special school\","
    "\"Open\",\"\",\"\",\"Not applicable\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100009\",\"302\",\"Barnet\",\"Mystery\",\"99\",\"Something new\",\"Open\",\"\",\"\","
    "\"Primary\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n"
    "\"100010\",\"302\",\"Barnet\",\"Big Numbers\",\"1\",\"Community school\",\"Open\",\"\",\"\","
    "\"Primary\",\"\",\"\",\"\",\"\",\"\",\"many\",\"\",\"\",\"\",\"\"\r\n";

absl::StatusOr<GiasPlan> Plan(const std::string& text, std::vector<std::string> authorities) {
  std::istringstream in(text);
  CsvReader reader(in);
  return PlanInstitutions(reader, {std::move(authorities)}, kToday);
}

TEST(GiasRowsTest, TheAuthoritysSchoolsAndAcademiesAreRegistered) {
  auto plan = Plan(kGias, {"302"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->rows, 11);
  EXPECT_EQ(plan->other_authorities, 1);
  ASSERT_EQ(plan->establishments.size(), 4u);
  const GiasEstablishment& school = plan->establishments[0];
  EXPECT_EQ(school.urn, "100001");
  EXPECT_EQ(school.opened_on, "1975-09-01");
  EXPECT_EQ(school.details.kind(), v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  EXPECT_EQ(school.details.establishment_type(), v1::ESTABLISHMENT_TYPE_COMMUNITY);
  EXPECT_EQ(school.details.la_code(), "302");
  EXPECT_EQ(school.details.local_authority(), "Barnet");
  EXPECT_EQ(school.details.number_of_pupils(), 412);
  EXPECT_EQ(school.details.statutory_low_age(), 3);
  EXPECT_EQ(school.details.statutory_high_age(), 11);
  EXPECT_EQ(school.details.ukprn(), "10071234");
  EXPECT_EQ(school.details.headteacher_name(), "Ann Lee");
  EXPECT_EQ(school.details.religious_character(), "");  // "Does not apply"
  EXPECT_EQ(school.details.diocese(), "");
  const v1::InstitutionDetails& academy = plan->establishments[1].details;
  EXPECT_EQ(academy.kind(), v1::INSTITUTION_KIND_ACADEMY);
  EXPECT_EQ(academy.phase(), v1::PHASE_SECONDARY_WITH_SIXTH_FORM);
  EXPECT_EQ(academy.trust_name(), "Ridge Trust");
  EXPECT_EQ(academy.religious_character(), "Church of England");
  EXPECT_EQ(academy.diocese(), "Diocese of London");
  EXPECT_EQ(academy.gias_status(), "Open, but proposed to close");
  EXPECT_EQ(academy.gias_type_code(), 34);
  EXPECT_EQ(plan->establishments[1].opened_on, "2000-01-01");
  // Closed: kept to be compared with what the server has, with its closing date.
  EXPECT_TRUE(plan->establishments[2].closed);
  EXPECT_EQ(plan->establishments[2].closed_on, "2019-08-31");
  // An academy special converter is an academy whose phase is special.
  EXPECT_EQ(plan->establishments[3].details.kind(), v1::INSTITUTION_KIND_ACADEMY);
  EXPECT_EQ(plan->establishments[3].details.phase(), v1::PHASE_SPECIAL);
  // The same row always gets the same request id; another row another.
  EXPECT_EQ(Registration(plan->establishments[0]).request_id,
            Registration(Plan(kGias, {"Barnet"})->establishments[0]).request_id);
  EXPECT_NE(Registration(plan->establishments[0]).request_id,
            Registration(plan->establishments[1]).request_id);
}

TEST(GiasRowsTest, TypesOutsideSccAreSkippedWithTheirReasonNotErrors) {
  auto plan = Plan(kGias, {"barnet"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->skipped_types.size(), 2u);
  EXPECT_EQ(plan->skipped_types.at("Other independent school").count, 1);
  EXPECT_THAT(plan->skipped_types.at("Other independent school").reason, HasSubstr("not an academy"));
  EXPECT_THAT(plan->skipped_types.at("Non-maintained special school").reason,
              HasSubstr("not maintained"));
  ASSERT_EQ(plan->skipped.size(), 2u);
  EXPECT_EQ(plan->skipped[0].line, 6);
  EXPECT_THAT(plan->skipped[0].reason, HasSubstr("100004 Hogwarts"));
  ASSERT_EQ(plan->errors.size(), 4u);
  EXPECT_EQ(plan->errors[0].line, 5);
  EXPECT_THAT(plan->errors[0].reason, HasSubstr("URN '12'"));
  EXPECT_EQ(plan->errors[1].line, 8);
  EXPECT_THAT(plan->errors[1].reason, HasSubstr("OpenDate '32-13-2001'"));
  EXPECT_EQ(plan->errors[2].line, 11);
  EXPECT_THAT(plan->errors[2].reason, HasSubstr("TypeOfEstablishment (code) '99'"));
  EXPECT_EQ(plan->errors[3].line, 12);
  EXPECT_THAT(plan->errors[3].reason, HasSubstr("NumberOfPupils 'many'"));
}

TEST(GiasRowsTest, WithoutAFilterEveryAuthorityIsSeen) {
  auto plan = Plan(kGias, {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->other_authorities, 0);
  EXPECT_EQ(plan->authorities.size(), 2u);
  EXPECT_EQ(plan->authorities.at("202"), "Camden");
}

TEST(GiasRowsTest, EveryTypeCodeOfGiasIsKnown) {
  // Codes of TypeOfEstablishment in the GIAS establishment export.
  for (int code : {1,  2,  3,  5,  6,  7,  8,  10, 11, 12, 14, 15, 18, 24, 25, 26, 27, 28, 29, 30, 31,
                   32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 56, 57}) {
    const std::string text = absl::StrCat(
        "URN,EstablishmentName,TypeOfEstablishment (code),EstablishmentStatus (name),"
        "PhaseOfEducation (name)\n100001,A School,",
        code, ",Open,Primary\n");
    auto plan = Plan(text, {});
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_TRUE(plan->errors.empty()) << code << ": " << plan->errors[0].reason;
    EXPECT_EQ(plan->establishments.size() + plan->skipped.size(), 1u) << code;
  }
}

TEST(GiasRowsTest, TheOldNameOnlyExtractStillImports) {
  auto plan = Plan(
      "URN,EstablishmentName,TypeOfEstablishment (name),EstablishmentStatus (name),"
      "PhaseOfEducation (name)\n200106,Brookfield,Community special school,Open,Not applicable\n"
      "200107,The Bridge,Pupil referral unit,Open,Not applicable\n",
      {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->establishments.size(), 2u);
  EXPECT_EQ(plan->establishments[0].details.phase(), v1::PHASE_SPECIAL);
  EXPECT_EQ(plan->establishments[1].details.phase(), v1::PHASE_PUPIL_REFERRAL_UNIT);
}

TEST(GiasRowsTest, SchoolsOpenedBefore1900CountFromThen) {
  auto plan = Plan(
      "URN,EstablishmentName,TypeOfEstablishment (code),PhaseOfEducation (name),OpenDate\n"
      "100050,Camden School for Girls,3,Secondary,01-09-1871\n"
      "100051,Bad Old Date,3,Secondary,31-02-1871\n",
      {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->establishments.size(), 1u);
  EXPECT_EQ(plan->establishments[0].opened_on, "1900-01-01");
  ASSERT_EQ(plan->errors.size(), 1u);
  EXPECT_THAT(plan->errors[0].reason, HasSubstr("OpenDate '31-02-1871'"));
}

TEST(GiasRowsTest, MissingColumnsRefuseTheFile) {
  auto plan = Plan("URN,Name\n100001,x\n", {});
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("EstablishmentName"));
  plan = Plan("URN,EstablishmentName,TypeOfEstablishment (name),EstablishmentStatus (name),"
              "PhaseOfEducation (name)\n",
              {"302"});
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("LA (code) or LA (name)"));
}

TEST(CsvTest, TheReaderStreamsRowsAcrossChunksAndConvertsEachField) {
  std::string text = "\"URN\",\"EstablishmentName\"\r\n";
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&text, "\"", 100000 + i, "\",\"St Mary\x92s ", i, "\"\r\n");
  }
  std::istringstream in(text);
  CsvReader reader(in);
  CsvRow row, last;
  int rows = 0;
  while (reader.Next(&row)) {
    ++rows;
    last = row;
  }
  EXPECT_TRUE(reader.status().ok());
  EXPECT_EQ(rows, 5001);
  EXPECT_EQ(last.line, 5001);
  ASSERT_EQ(last.fields.size(), 2u);
  EXPECT_EQ(last.fields[1], "St Mary\u2019s 4999");
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
