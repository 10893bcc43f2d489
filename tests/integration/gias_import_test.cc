// `sccctl import institutions` against the real sccd with the national GIAS export's shape
// (clients/samples/edubasealldata_sample*.csv: the whole header, every field quoted,
// Windows-1252, several authorities, every type group, closed rows): the authority's schools
// registered once, other types skipped with their reason, a second import recording nothing,
// and a changed file recording only the changes.
#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class GiasImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  CommandOutcome Sccctl(const std::string& args, const std::string& token = kServiceToken) {
    return RunCommand(absl::StrCat("SCC_SERVER=", server_->address(), " SCC_TOKEN=", token, " ",
                                   SCCCTL_PATH, " ", args));
  }

  CommandOutcome Import(const std::string& sample, const std::string& la = "--la 302") {
    return Sccctl(absl::StrCat("import institutions ", SAMPLES_DIR, "/", sample, " ", la));
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
};

// A line of the summary table: its words, then the count.
std::string Count(const std::string& what, int n) {
  return absl::StrCat("  ", what, " +", n, "\\b");
}

TEST_F(GiasImportTest, TheNationalFileImportsTheAuthoritysSchoolsOnce) {
  CommandOutcome r = Import("edubasealldata_sample.csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("edubasealldata_sample.csv: 31 rows"));
  EXPECT_THAT(r.out, ContainsRegex(Count("registered", 15)));
  EXPECT_THAT(r.out, ContainsRegex(Count("unchanged", 0)));
  EXPECT_THAT(r.out, ContainsRegex(Count("skipped: other local authorities", 7)));
  EXPECT_THAT(r.out, ContainsRegex(Count("skipped: closed", 1)));
  EXPECT_THAT(r.out, ContainsRegex(Count("skipped: Other independent school", 1)));
  EXPECT_THAT(r.out, ContainsRegex(Count("skipped: Non-maintained special school", 1)));
  EXPECT_THAT(r.out, ContainsRegex(Count("skipped: Further education", 1)));
  EXPECT_THAT(r.out, ContainsRegex(Count("skipped: Online provider", 1)));
  EXPECT_THAT(r.out, ContainsRegex(Count("errors", 0)));
  EXPECT_THAT(r.out, HasSubstr("edubasealldata_sample.csv:17: skipped: 101307 Old Farm Primary School is closed on 2019-08-31"));
  EXPECT_THAT(r.out, HasSubstr("edubasealldata_sample.csv:20: skipped: 101310 Spring Hill Non-Maintained Special School: Non-maintained special school, run by a charity"));
  // Other authorities' schools and the types outside SCC are not registered.
  EXPECT_EQ(Sccctl("get-institution --urn 100000").code, 4);
  EXPECT_EQ(Sccctl("get-institution --urn 101310").code, 4);
  EXPECT_EQ(Sccctl("get-institution --urn 130200").code, 4);
  // Windows-1252 arrives as UTF-8; a church school keeps its religious character and diocese.
  r = Sccctl("--json get-institution --urn 101301");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("St Mary\u2019s Catholic Primary School"));
  EXPECT_THAT(r.out, HasSubstr("\"religious_character\": \"Roman Catholic\""));
  EXPECT_THAT(r.out, HasSubstr("\"diocese\": \"Archdiocese of Westminster\""));
  EXPECT_THAT(r.out, HasSubstr("\"number_of_pupils\": 236"));
  EXPECT_THAT(r.out, HasSubstr("\"la_code\": \"302\""));
  r = Sccctl("--json get-institution --urn 142003");
  EXPECT_THAT(r.out, HasSubstr("Caf\u00e9 Academy Free School"));
  EXPECT_THAT(r.out, HasSubstr("INSTITUTION_KIND_ACADEMY"));
  EXPECT_THAT(Sccctl("--json get-institution --urn 101305").out, HasSubstr("PHASE_SPECIAL"));

  // The same file again records nothing.
  r = Import("edubasealldata_sample.csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, ContainsRegex(Count("registered", 0)));
  EXPECT_THAT(r.out, ContainsRegex(Count("updated", 0)));
  EXPECT_THAT(r.out, ContainsRegex(Count("unchanged", 15)));

  // What GIAS does not hold is kept through an update: the officer's named LNI.
  client::SccClient hosi(server_->channel(), kHosiToken);
  v1::GetInstitutionRequest get;
  get.set_urn("101300");
  v1::InstitutionStatus northway;
  ASSERT_TRUE(hosi.projections().GetInstitution(hosi.NewContext().get(), get, &northway).ok());
  v1::CommandContext context;
  context.set_urn("101300");
  context.set_request_id("lni-named");
  context.set_reason("LNI named");
  v1::EventPayload lni;
  *lni.mutable_institution_updated()->mutable_details() = northway.details();
  lni.mutable_institution_updated()->mutable_details()->set_learning_network_inspector("lo-ann");
  v1::CommandResult result;
  ASSERT_TRUE(hosi.Send(context, lni, &result).ok());

  // A changed file: two new heads, a new name, a new trust, a proposed closure, a closure and
  // a new school: only those are recorded.
  r = Import("edubasealldata_sample_changed.csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, ContainsRegex(Count("registered", 1)));
  EXPECT_THAT(r.out, ContainsRegex(Count("updated", 5) + "  \\(head 2, name 1, status 1, trust 1\\)"));
  EXPECT_THAT(r.out, ContainsRegex(Count("unchanged", 9)));
  EXPECT_THAT(r.out, ContainsRegex(Count("closed in GIAS: record the closure", 1)));
  EXPECT_THAT(r.out, HasSubstr("edubasealldata_sample_changed.csv:6: 101304 Brookfield Nursery School "
                               "closed in GIAS on 2026-08-31: record the closure"));
  r = Sccctl("--json get-institution --urn 101300");
  EXPECT_THAT(r.out, HasSubstr("Amelia Brooks"));
  EXPECT_THAT(r.out, HasSubstr("\"learning_network_inspector\": \"lo-ann\""));
  EXPECT_THAT(Sccctl("--json get-institution --urn 101302").out,
              HasSubstr("Christ Church CofE Primary School and Nursery"));
  EXPECT_THAT(Sccctl("--json get-institution --urn 101306").out,
              HasSubstr("Open, but proposed to close"));
  EXPECT_EQ(Sccctl("get-institution --urn 101311").code, 0);

  // And the changed file again: nothing.
  r = Import("edubasealldata_sample_changed.csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, ContainsRegex(Count("registered", 0)));
  EXPECT_THAT(r.out, ContainsRegex(Count("updated", 0)));
  EXPECT_THAT(r.out, Not(HasSubstr("(head")));
}

TEST_F(GiasImportTest, AFileOfSeveralAuthoritiesNeedsTheFilter) {
  CommandOutcome r = Import("edubasealldata_sample.csv", "");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("the file holds establishments of 4 local authorities"));
  EXPECT_THAT(r.out, HasSubstr("--la"));
  EXPECT_EQ(Sccctl("get-institution --urn 101300").code, 4);  // nothing written
  // By name, any case, works as the code does.
  r = Import("edubasealldata_sample.csv", "--la barnet");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, ContainsRegex(Count("registered", 15)));
}

}  // namespace
}  // namespace scc::testing
