// A log written by an earlier release opens, verifies and folds to the states that release
// showed. The fixture (tests/fixtures/log-2026-12-01.tar.gz, unpacked into the build tree by
// CMake) is the event store the 2026-12-01 release wrote while scc-demo-load filled it;
// log-2026-12-01.states.tsv holds what its ListInstitutions answered. A contract change that
// stops old events decoding or folding the same way fails here.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cpp/scc_client.h"
#include "gtest/gtest.h"
#include "scc/v1/projections.pb.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

constexpr uint64_t kFixtureEvents = 995;

// urn -> the row's columns after the urn, tab-separated, as the .tsv has them.
std::map<std::string, std::string> ExpectedStates() {
  std::map<std::string, std::string> states;
  std::ifstream in(FIXTURE_STATES);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> columns = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    if (columns.size() == 2) states[columns[0]] = columns[1];
  }
  return states;
}

std::string Row(const v1::InstitutionStatus& s) {
  return absl::StrJoin({absl::StrCat(s.version()), v1::FlowchartState_Name(s.state()),
                        std::string(s.causing_concern() ? "true" : "false"),
                        s.lead_officer_id().empty() ? std::string("-") : s.lead_officer_id(),
                        absl::StrCat(s.action_plan_version()),
                        s.designated_on().empty() ? std::string("-") : s.designated_on()},
                       "\t");
}

TEST(PreviousReleaseLogTest, OpensVerifiesAndFoldsToTheStatesThatReleaseShowed) {
  const std::map<std::string, std::string> expected = ExpectedStates();
  ASSERT_EQ(expected.size(), 500u) << FIXTURE_STATES;

  storage::testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("data"));
  std::filesystem::copy(FIXTURE_LOG, dir.Sub("data/events"),
                        std::filesystem::copy_options::recursive);
  auto server = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  client::SccClient auditor((*server)->channel(), kAuditorToken);

  v1::VerifyLogResponse verified;
  auto verify = auditor.NewContext();
  ASSERT_TRUE(auditor.audit().VerifyLog(verify.get(), v1::VerifyLogRequest(), &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.next_position(), kFixtureEvents);

  // The read models were never built by this release: they fold the whole log first, and a
  // read that asks for the last position waits until they have.
  std::map<std::string, std::string> actual;
  std::string page_token;
  do {
    v1::ListInstitutionsRequest request;
    request.set_page_size(500);
    request.set_page_token(page_token);
    request.mutable_options()->set_min_position(kFixtureEvents - 1);
    v1::ListInstitutionsResponse page;
    auto ctx = auditor.NewContext();
    const grpc::Status status = auditor.projections().ListInstitutions(ctx.get(), request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::InstitutionStatus& s : page.institutions()) actual[s.urn()] = Row(s);
    page_token = page.next_page_token();
  } while (!page_token.empty());

  EXPECT_EQ(actual.size(), expected.size());
  for (const auto& [urn, row] : expected) {
    const auto it = actual.find(urn);
    ASSERT_NE(it, actual.end()) << urn << " is missing";
    EXPECT_EQ(it->second, row) << urn;
  }
}

}  // namespace
}  // namespace scc::testing
