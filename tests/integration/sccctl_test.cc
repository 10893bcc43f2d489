// sccctl against the real sccd: requests from flags and JSON, readable and JSON output, and an
// exit code per kind of failure.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

using Outcome = CommandOutcome;

class SccctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  Outcome Sccctl(const std::string& args, const std::string& token = kHosiToken,
             const std::string& server = "") {
    return RunCommand(absl::StrCat("SCC_SERVER=", server.empty() ? server_->address() : server,
                                   " SCC_TOKEN=", token, " ", SCCCTL_PATH, " ", args));
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
};

constexpr char kRegister[] =
    R"('{"registered": {"details": {"name": "Hillside Primary", "kind": "INSTITUTION_KIND_MAINTAINED_SCHOOL", "phase": "PHASE_PRIMARY"}}}')";

TEST_F(SccctlTest, CommandsQueriesAndExitCodes) {
  Outcome r = Sccctl(absl::StrCat("register-institution --urn 100001 --effective-date 2024-09-01 "
                              "--reason 'opened' --data ",
                              kRegister));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("recorded 1 event(s) for 100001"));
  EXPECT_THAT(r.out, HasSubstr("state MONITORED"));

  // Refused by the workflow: the rule and the allowed next steps are shown.
  r = Sccctl(R"(designate-school --urn 100001 --effective-date 2024-10-01 --reason "SRG half-termly meeting" --data '{"designation": {"triggers": [{"trigger": "CONCERN_TRIGGER_PUPIL_SAFETY", "evidence": "x"}], "letter_sent_on": "2024-10-02"}}')");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("R-4"));
  EXPECT_THAT(r.out, HasSubstr("RaiseConcern"));

  r = Sccctl("get-institution --urn 100001");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Hillside Primary"));
  EXPECT_THAT(r.out, HasSubstr("MONITORED"));
  r = Sccctl("--json get-workflow-state --urn 100001");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"state\": \"FLOWCHART_STATE_MONITORED\""));
  r = Sccctl("list-institutions --page-size 10");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("100001"));
  EXPECT_THAT(r.out, HasSubstr("1 of 1"));
  r = Sccctl("history 100001");  // the short form
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("institution_registered"));

  EXPECT_EQ(Sccctl("get-institution --urn 100999").code, 4);
  r = Sccctl("verify");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"ok\": true"));
  EXPECT_EQ(Sccctl("get-institution --urn 100001", "wrong-token").code, 5);
  EXPECT_EQ(Sccctl("record-visit --urn 100001", kAuditorToken).code, 5);
  r = Sccctl("record-visit --urn 12");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("field context.urn"));
  EXPECT_EQ(Sccctl("no-such-command").code, 2);
  EXPECT_EQ(Sccctl("get-institution --urn 100001 --data '{not json'").code, 2);
  EXPECT_EQ(Sccctl("--timeout 2 get-institution --urn 100001", kHosiToken, "127.0.0.1:1").code, 6);
}

TEST_F(SccctlTest, ImportsTheSampleFilesOnce) {
  const std::string gias = absl::StrCat(SAMPLES_DIR, "/gias_establishments.csv");
  Outcome r = Sccctl(absl::StrCat("import institutions ", gias));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, ContainsRegex("registered +11\\b"));
  EXPECT_THAT(r.out, ContainsRegex("skipped: closed +1\\b"));
  EXPECT_THAT(r.out, ContainsRegex("errors +0\\b"));
  EXPECT_THAT(r.out, HasSubstr("gias_establishments.csv:13: skipped: 200112 Old Mill Primary School is closed"));
  // Twice: nothing new.
  r = Sccctl(absl::StrCat("import institutions ", gias));
  EXPECT_THAT(r.out, ContainsRegex("registered +0\\b"));
  EXPECT_THAT(r.out, ContainsRegex("unchanged +11\\b"));
  // Windows-1252 names arrive as UTF-8. (Ofsted files: ofsted_import_test.)
  EXPECT_THAT(Sccctl("get-institution --urn 200102").out, HasSubstr("St Mary\u2019s"));
}

// The GIAS links file: a successor that is an academy makes a conversion, another successor a
// closure, a predecessor a link back; the rest is skipped by reason, and a second import
// records nothing.
TEST_F(SccctlTest, ImportsTheGiasLinksAsTheLifeOfEachSchool) {
  ASSERT_EQ(Sccctl(absl::StrCat("import institutions ", SAMPLES_DIR, "/gias_establishments.csv")).code, 0);
  const std::string links = absl::StrCat(SAMPLES_DIR, "/gias_links.csv");
  Outcome r = Sccctl(absl::StrCat("import links ", links));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("7 rows, 4 recorded, 0 unchanged, 3 skipped (2 institution not "
                               "held by this server; 1 not a predecessor or successor link), 0 "
                               "with errors"));
  EXPECT_THAT(r.out, HasSubstr("gias_links.csv:6: skipped: link type 'Sixth Form Centre Link' is "
                               "neither a predecessor nor a successor"));
  EXPECT_THAT(r.out, HasSubstr("gias_links.csv:7: skipped: 200112 is not registered here"));

  r = Sccctl(absl::StrCat("import links ", links));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("7 rows, 0 recorded, 4 unchanged, 3 skipped"));

  // Cedar Infant converted into Orchard Primary Academy, which links back to it.
  r = Sccctl("--json get-institution --urn 200111");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("FLOWCHART_STATE_CLOSED"));
  EXPECT_THAT(r.out, HasSubstr("\"successor_urn\": \"200109\""));
  EXPECT_THAT(r.out, HasSubstr("\"trust_name\": \"Orchard Education Trust\""));
  EXPECT_THAT(r.out, HasSubstr("\"closed_on\": \"2025-09-01\""));
  r = Sccctl("--json get-institution --urn 200109");
  EXPECT_THAT(r.out, HasSubstr("\"predecessor_urn\": \"200111\""));
  // Larkrise Nursery closed into Meadowbank Primary: a closure with its successor.
  r = Sccctl("--json get-institution --urn 200104");
  EXPECT_THAT(r.out, HasSubstr("\"closed_on\": \"2025-08-31\""));
  EXPECT_THAT(r.out, HasSubstr("\"link_type\": \"Successor - amalgamated\""));

  // A closed school takes no further workflow step: the refusal names the closure.
  r = Sccctl(R"(raise-concern --urn 200111 --effective-date 2025-10-01 --reason "Raised after the LNI visit" --data '{"concern": {"triggers": [{"trigger": "CONCERN_TRIGGER_PUPIL_SAFETY", "evidence": "x"}]}}')");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("converted to an academy (URN 200109, Orchard Education Trust) on "
                               "2025-09-01"));
}

TEST_F(SccctlTest, BadLinksRowsAreReportedWithLineNumbers) {
  ASSERT_EQ(Sccctl(absl::StrCat("import institutions ", SAMPLES_DIR, "/gias_establishments.csv")).code, 0);
  const std::string path = dir_.Sub("links.csv");
  FILE* f = fopen(path.c_str(), "w");
  fputs("\"URN\",\"LinkURN\",\"LinkName\",\"LinkType\",\"LinkEstablishedDate\"\n"
        "\"200101\",\"20\",\"Short\",\"Predecessor\",\"01-09-2020\"\n"
        "\"200101\",\"200102\",\"St Mary's\",\"Predecessor\",\"2020/13/45\"\n", f);
  fclose(f);
  Outcome r = Sccctl(absl::StrCat("import links ", path));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("links.csv:2: LinkURN '20' is not 6 or 7 digits"));
  EXPECT_THAT(r.out, HasSubstr("links.csv:3: LinkEstablishedDate '2020/13/45' is not a date"));
  EXPECT_THAT(r.out, HasSubstr("0 recorded, 0 unchanged, 0 skipped, 2 with errors"));

  const std::string headless = dir_.Sub("not-links.csv");
  f = fopen(headless.c_str(), "w");
  fputs("URN,Name\n200101,x\n", f);
  fclose(f);
  r = Sccctl(absl::StrCat("import links ", headless));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("missing column(s) LinkURN, LinkType, LinkEstablishedDate"));
}

TEST_F(SccctlTest, BadRowsAreReportedWithLineNumbers) {
  const std::string path = dir_.Sub("bad.csv");
  FILE* f = fopen(path.c_str(), "w");
  fputs("URN,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name)\n"
        "200201,Good Row School,Community school,Primary\n"
        "2002,Short Urn School,Community school,Primary\n"
        "200203,Hogwarts,Independent school,Primary\n"
        "200204,Hogwarts School,Other independent school,Primary\n", f);
  fclose(f);
  Outcome r = Sccctl(absl::StrCat("import institutions ", path));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("bad.csv:3: URN '2002'"));
  EXPECT_THAT(r.out, HasSubstr("bad.csv:4: TypeOfEstablishment (name) 'Independent school' is not an establishment type of GIAS"));
  // A type outside SCC is skipped, with its reason, not an error.
  EXPECT_THAT(r.out, HasSubstr("bad.csv:5: skipped: 200204 Hogwarts School: Other independent school, not maintained by the authority"));
  EXPECT_THAT(r.out, ContainsRegex("registered +1\\b"));
  EXPECT_THAT(r.out, ContainsRegex("errors +2\\b"));
  EXPECT_EQ(Sccctl("get-institution --urn 200201").code, 0);
  EXPECT_EQ(Sccctl(absl::StrCat("import institutions ", dir_.Sub("missing.csv"))).code, 2);
}

TEST_F(SccctlTest, HelpExplainsTheDomainAndListsEveryRpc) {
  Outcome r = Sccctl("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("MCM = Monitoring and Challenge Meeting"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes"));
  for (const char* rpc : {"register-institution", "designate-school", "remove-from-scc",
                          "issue-warning-notice", "escalate-academy-concern",
                          "remove-setting-from-list", "list-obligations", "search-audit",
                          "verify-log", "watch", "submit-commands"}) {
    EXPECT_THAT(r.out, HasSubstr(rpc));
  }
}

}  // namespace
}  // namespace scc::testing
