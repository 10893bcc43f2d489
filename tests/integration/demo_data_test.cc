// The demo authority that `make run` loads: the loader (a client of the public API) fills a real
// sccd once, every flowchart state is represented, and a second load records nothing.
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gtest/gtest.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

uint64_t EventCount(const client::SccClient& auditor) {
  v1::VerifyLogResponse response;
  auto ctx = auditor.NewContext();
  EXPECT_TRUE(auditor.audit().VerifyLog(ctx.get(), v1::VerifyLogRequest(), &response).ok());
  EXPECT_TRUE(response.ok()) << response.problem();
  return response.next_position();
}

int RunLoader(const std::string& address) {
  const std::string command =
      absl::StrCat(DEMO_LOADER_PATH, " --server ", address, " --hosi-token ", kHosiToken,
                   " --lead-officer-token ", kLeadOfficerToken, " --srg-token ", kSrgToken,
                   " --early-years-token ", kEarlyYearsToken, " 2>/dev/null");
  return std::system(command.c_str());
}

TEST(DemoDataTest, LoadsEveryFlowchartStateOnce) {
  storage::testing::TempDir dir;
  auto server = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_EQ(RunLoader((*server)->address()), 0) << (*server)->Log();
  client::SccClient auditor((*server)->channel(), kAuditorToken);
  const uint64_t events = EventCount(auditor);
  EXPECT_GT(events, 900u);

  const std::pair<const char*, v1::FlowchartState> expected[] = {
      {"100101", v1::FLOWCHART_STATE_AT_RISK},
      {"100102", v1::FLOWCHART_STATE_DESIGNATED},
      {"100103", v1::FLOWCHART_STATE_LO_ASSIGNED},
      {"100104", v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE},
      {"100105", v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE},
      {"100106", v1::FLOWCHART_STATE_WARNING_NOTICE},
      {"100107", v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION},
      {"100108", v1::FLOWCHART_STATE_INTERVENTION},
      {"100109", v1::FLOWCHART_STATE_REMOVED},
      {"100110", v1::FLOWCHART_STATE_MONITORED},
      {"100111", v1::FLOWCHART_STATE_OFSTED_CATEGORY},
      {"100112", v1::FLOWCHART_STATE_OFSTED_CATEGORY},
      {"100150", v1::FLOWCHART_STATE_MONITORED},
      {"140101", v1::FLOWCHART_STATE_ESCALATED},
      {"140102", v1::FLOWCHART_STATE_TRUST_INFORMED},
      {"EY400006", v1::FLOWCHART_STATE_CAUSING_CONCERN},
      {"EY400019", v1::FLOWCHART_STATE_SUPPORT_ACTIVE},
      {"EY400032", v1::FLOWCHART_STATE_REMOVED},
      {"EY400370", v1::FLOWCHART_STATE_MONITORED},
  };
  for (const auto& [urn, state] : expected) {
    v1::GetWorkflowStateRequest request;
    request.set_urn(urn);
    v1::WorkflowState response;
    auto ctx = auditor.NewContext();
    grpc::Status status = auditor.audit().GetWorkflowState(ctx.get(), request, &response);
    ASSERT_TRUE(status.ok()) << urn << ": " << status.error_message();
    EXPECT_EQ(v1::FlowchartState_Name(response.state()), v1::FlowchartState_Name(state)) << urn;
  }

  // The read models see the same authority: 13 institutions causing concern, with obligations.
  v1::ListInstitutionsRequest list;
  list.set_causing_concern(true);
  list.mutable_options()->set_min_position(events - 1);
  v1::ListInstitutionsResponse page;
  auto ctx = auditor.NewContext();
  ASSERT_TRUE(auditor.projections().ListInstitutions(ctx.get(), list, &page).ok());
  EXPECT_EQ(page.total(), 13u);
  v1::ListObligationsRequest obligations;
  obligations.set_overdue_only(true);
  v1::ListObligationsResponse overdue;
  auto ctx2 = auditor.NewContext();
  ASSERT_TRUE(auditor.projections().ListObligations(ctx2.get(), obligations, &overdue).ok());
  EXPECT_GT(overdue.total(), 0u);

  // Loading again finds everything recorded and writes nothing.
  ASSERT_EQ(RunLoader((*server)->address()), 0);
  EXPECT_EQ(EventCount(auditor), events);
}

}  // namespace
}  // namespace scc::testing
