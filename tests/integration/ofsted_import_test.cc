// `sccctl import ofsted` against the real sccd: Ofsted's MI in each framework's shape (graded,
// 2024/25 with no overall grade, report cards, early-years providers), every inspection a file
// lists kept, a second import recording nothing, a changed file recording only the change; and
// the flags GetInstitution derives from the history, with the mapping file sccd reads.
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Sample(const std::string& name) { return absl::StrCat(SAMPLES_DIR, "/", name); }

// The inspections in GetInstitution's JSON: one "framework" each.
int Inspections(const std::string& json) {
  int count = 0;
  for (size_t at = json.find("\"framework\":"); at != std::string::npos;
       at = json.find("\"framework\":", at + 1)) {
    ++count;
  }
  return count;
}

class OfstedImportTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    auto started = SccdProcess::Start(dir_.Sub("data"), std::move(args));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  CommandOutcome Sccctl(const std::string& args) {
    return RunCommand(absl::StrCat("SCC_SERVER=", server_->address(), " SCC_TOKEN=", kHosiToken,
                                   " ", SCCCTL_PATH, " ", args));
  }

  std::string Institution(const std::string& urn) {
    return Sccctl(absl::StrCat("--json get-institution --urn ", urn)).out;
  }

  void RegisterSettings() {
    for (const char* urn : {"EY501001", "EY501002", "EY501003", "EY501004"}) {
      const CommandOutcome r = Sccctl(absl::StrCat(
          "register-institution --urn ", urn, " --effective-date 2020-01-06 --data "
          R"('{"registered": {"details": {"name": "Setting )", urn,
          R"(", "kind": "INSTITUTION_KIND_EARLY_YEARS_SETTING", "phase": "PHASE_EARLY_YEARS"}}}')"));
      ASSERT_EQ(r.code, 0) << r.out;
    }
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
};

TEST_F(OfstedImportTest, EveryFrameworkImportedOnceThenOnlyTheChanges) {
  Start();
  ASSERT_EQ(Sccctl(absl::StrCat("import institutions ", Sample("gias_establishments.csv"))).code,
            0);
  RegisterSettings();

  // Graded (to August 2024): latest and previous inspection of each row; a school never
  // inspected is skipped with its reason.
  CommandOutcome r = Sccctl(absl::StrCat("import ofsted ", Sample("ofsted_graded_2024.csv")));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("9 rows, 11 recorded, 0 already recorded, 1 skipped"));
  EXPECT_THAT(r.out, HasSubstr("ofsted_graded_2024.csv:9: skipped: 200110: no inspection listed"));
  EXPECT_THAT(r.out, HasSubstr("no inspection listed"));
  EXPECT_THAT(r.out, HasSubstr("unchanged (already recorded)"));
  // 2024/25, no overall grade: the previous inspections are already there.
  r = Sccctl(absl::StrCat("import ofsted ", Sample("ofsted_ungraded_2025.csv")));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("4 rows, 3 recorded, 5 already recorded, 0 skipped, 0 with errors"));
  // Report cards with the latest inspection under the previous framework.
  r = Sccctl(absl::StrCat("import ofsted ", Sample("ofsted_report_cards.csv")));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("6 rows, 5 recorded, 6 already recorded, 0 skipped, 0 with errors"));
  r = Sccctl(absl::StrCat("import ofsted ", Sample("ofsted_early_years.csv")));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("4 rows, 4 recorded"));

  // Twice: nothing new.
  for (const char* file : {"ofsted_graded_2024.csv", "ofsted_ungraded_2025.csv",
                           "ofsted_report_cards.csv", "ofsted_early_years.csv"}) {
    r = Sccctl(absl::StrCat("import ofsted ", Sample(file)));
    EXPECT_THAT(r.out, HasSubstr(" 0 recorded, ")) << file << "\n" << r.out;
  }

  // Special measures published in 2024/25 (no overall grade), again on the report card.
  std::string cedar = Institution("200111");
  EXPECT_THAT(cedar, HasSubstr("FLOWCHART_STATE_OFSTED_CATEGORY"));
  EXPECT_THAT(cedar, HasSubstr("\"framework\": \"no overall grade (2024/25)\""));
  EXPECT_THAT(cedar, HasSubstr("\"framework\": \"report card\""));
  // RI, then RI in quality of education and leadership in 2024/25: stuck, and below Good twice.
  const std::string trinity = Institution("200103");
  EXPECT_THAT(trinity, HasSubstr("\"stuck\": true"));
  EXPECT_THAT(trinity, HasSubstr("\"not_making_necessary_improvements\": true"));
  // Meadowbank's two inspections, each listed by two files, are kept once each.
  const std::string meadowbank = Institution("200101");
  EXPECT_THAT(meadowbank, HasSubstr("2014-02-11"));
  EXPECT_THAT(meadowbank, HasSubstr("2019-03-12"));
  EXPECT_EQ(Inspections(meadowbank), 2) << meadowbank;
  // An academy placed in a category (R-20); a published category that the grades contradict.
  EXPECT_THAT(Institution("200108"), HasSubstr("\"academy_serious_concern\": true"));
  EXPECT_THAT(Institution("200106"), HasSubstr("\"category_disagreement\": true"));
  // A setting graded RI is causing concern by definition (R-21).
  EXPECT_THAT(Institution("EY501001"), HasSubstr("\"setting_causing_concern\": true"));
  EXPECT_THAT(Institution("EY501004"), HasSubstr("Not met (with actions)"));

  // Kingsgate's report card changes: leadership and governance now needs attention. Only that
  // inspection is recorded again; it replaces its entry, and the school is now stuck.
  const std::string kingsgate_before = Institution("200105");
  EXPECT_THAT(kingsgate_before, Not(HasSubstr("\"stuck\": true")));
  std::ifstream in(Sample("ofsted_report_cards.csv"));
  std::stringstream text;
  text << in.rdbuf();
  std::string changed = text.str();
  const std::string row_start = "200105,";
  const size_t at = changed.find(row_start);
  ASSERT_NE(at, std::string::npos);
  const size_t end = changed.find('\n', at);
  std::string row = changed.substr(at, end - at);
  const std::string old_tail = "Expected standard,20/01/2026,S5 Inspection";
  ASSERT_NE(row.find(old_tail), std::string::npos) << row;
  row.replace(row.find(old_tail), old_tail.size(), "Needs attention,20/01/2026,S5 Inspection");
  changed.replace(at, end - at, row);
  const std::string path = dir_.Sub("changed.csv");
  std::ofstream(path, std::ios::binary) << changed;
  r = Sccctl(absl::StrCat("import ofsted ", path));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("6 rows, 1 recorded, 10 already recorded"));
  const std::string kingsgate = Institution("200105");
  EXPECT_THAT(kingsgate, HasSubstr("\"stuck\": true"));
  EXPECT_EQ(Inspections(kingsgate), 3) << kingsgate;  // 2019, 2023, the report card
}

// Ofsted publishes one national file: the rows of schools this authority does not hold are
// skipped and counted, not errors, and the import succeeds.
TEST_F(OfstedImportTest, OtherAuthoritiesRowsInTheNationalFileAreSkipped) {
  Start();
  ASSERT_EQ(Sccctl(absl::StrCat("import institutions ", Sample("gias_establishments.csv"))).code,
            0);
  std::ifstream in(Sample("ofsted_graded_2024.csv"));
  std::stringstream text;
  text << in.rdbuf();
  std::string national = text.str();
  const size_t first_row = national.find('\n') + 1;
  const std::string row = national.substr(first_row, national.find('\n', first_row) - first_row);
  national += absl::StrCat("999901", row.substr(row.find(',')), "\n", "999902",
                           row.substr(row.find(',')), "\n");
  const std::string path = dir_.Sub("national.csv");
  std::ofstream(path, std::ios::binary) << national;
  const CommandOutcome r = Sccctl(absl::StrCat("import ofsted ", path));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("0 with errors"));
  EXPECT_THAT(r.out, HasSubstr("not registered here"));
  EXPECT_THAT(r.out, Not(HasSubstr("999901 is not registered")));
}

TEST_F(OfstedImportTest, TheMappingFileMovesWhereRiOrWorseBegins) {
  const std::string mapping = dir_.Sub("ofsted-mapping.txt");
  std::ofstream(mapping) << "# Needs attention alone is not RI-or-worse here.\n"
                            "report_card.ri_or_worse_from = urgent improvement\n";
  Start({"--ofsted-mapping", mapping});
  ASSERT_EQ(Sccctl(absl::StrCat("import institutions ", Sample("gias_establishments.csv"))).code,
            0);
  ASSERT_EQ(Sccctl(absl::StrCat("import ofsted ", Sample("ofsted_report_cards.csv"))).code, 0);
  // Kingsgate: needs attention in two areas; RI before. Not below Good twice under this file.
  const std::string kingsgate = Institution("200105");
  EXPECT_THAT(kingsgate, Not(HasSubstr("\"not_making_necessary_improvements\": true")));
}

TEST_F(OfstedImportTest, ABadMappingFileIsAClearStartupError) {
  const std::string mapping = dir_.Sub("bad-mapping.txt");
  std::ofstream(mapping) << "graded.ri_or_worse_from = poor\n";
  const CommandOutcome run = RunCommand(absl::StrCat(
      SCCD_BIN, " --listen 127.0.0.1:0 --data ", dir_.Sub("data"), " --ofsted-mapping ", mapping));
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("--ofsted-mapping"));
  EXPECT_THAT(run.out, HasSubstr("line 1: graded.ri_or_worse_from: 'poor' is not a grade"));
}

}  // namespace
}  // namespace scc::testing
