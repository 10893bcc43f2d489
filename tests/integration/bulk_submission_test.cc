// BulkService.SubmitCommands on the real sccd: each command of a call gets exactly what its own
// RPC would give it — rules, field checks, authorization by kind and institution, idempotency —
// commands for one institution are decided in order, and the answer comes once all are durable.
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;
namespace t = domain::testing;

v1::BulkCommand Command(const std::string& urn, const std::string& request_id,
                        const v1::EventPayload& payload, const std::string& date) {
  v1::BulkCommand c;
  c.mutable_context()->set_urn(urn);
  c.mutable_context()->set_request_id(request_id);
  c.mutable_context()->set_effective_date(date);
  c.mutable_context()->set_reason("bulk test");
  *c.mutable_payload() = payload;
  return c;
}

// The designation cycle of one school, in order, as one run of commands.
std::vector<v1::BulkCommand> Cycle(const std::string& urn, const std::string& prefix) {
  return {Command(urn, prefix + "-1", t::Register(), "2024-09-01"),
          Command(urn, prefix + "-2", t::RaiseConcern(), "2024-09-20"),
          Command(urn, prefix + "-3", t::Designate(), "2024-10-01"),
          Command(urn, prefix + "-4", t::AssignLeadOfficer(), "2024-10-05"),
          Command(urn, prefix + "-5", t::AgreePlan(), "2024-10-20")};
}

class BulkSubmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    stub_ = v1::BulkService::NewStub(server_->channel());
  }

  grpc::Status Submit(const std::vector<v1::BulkCommand>& commands,
                      v1::SubmitCommandsResponse* response, const char* token = kHosiToken) {
    v1::SubmitCommandsRequest request;
    for (const v1::BulkCommand& c : commands) *request.add_commands() = c;
    return stub_->SubmitCommands(Authorized(token).get(), request, response);
  }

  uint64_t LogEvents() {
    v1::VerifyLogRequest request;
    v1::VerifyLogResponse response;
    EXPECT_TRUE(v1::AuditService::NewStub(server_->channel())
                    ->VerifyLog(Authorized(kAuditorToken).get(), request, &response)
                    .ok());
    EXPECT_TRUE(response.ok()) << response.problem();
    return response.checked();
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  std::unique_ptr<v1::BulkService::Stub> stub_;
};

TEST_F(BulkSubmissionTest, CommandsForOneSchoolAreDecidedInOrder) {
  // Two schools' cycles interleaved in one call.
  std::vector<v1::BulkCommand> a = Cycle("100001", "a"), b = Cycle("100002", "b"), both;
  for (size_t i = 0; i < a.size(); ++i) {
    both.push_back(a[i]);
    both.push_back(b[i]);
  }
  v1::SubmitCommandsResponse response;
  ASSERT_TRUE(Submit(both, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 10);
  EXPECT_EQ(response.recorded(), 10u);
  EXPECT_EQ(response.failed(), 0u);
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(i);
    const v1::CommandOutcome& o = response.outcomes(i);
    ASSERT_TRUE(o.has_result()) << o.error().message();
    EXPECT_EQ(o.result().urn(), i % 2 == 0 ? "100001" : "100002");
    EXPECT_EQ(o.result().version(), static_cast<uint64_t>(i / 2));
    EXPECT_FALSE(o.result().replayed());
  }
  EXPECT_EQ(response.outcomes(8).result().state(), v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);
  EXPECT_EQ(LogEvents(), 10u);
}

TEST_F(BulkSubmissionTest, EachCommandIsRefusedOnItsOwnWithItsRpcsError) {
  std::vector<v1::BulkCommand> commands = Cycle("100001", "ok");
  // removal while RI or worse; an unregistered school; a malformed date; a Lead Officer
  // writing for a school they do not lead is checked per command too (below).
  commands.push_back(Command("100001", "ofsted", t::Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT,
                                                           "2024-11-01"),
                             "2024-11-10"));
  commands.push_back(Command("100001", "remove", t::Removal(), "2026-06-12"));
  commands.push_back(Command("199999", "unknown", t::Visit(), "2024-12-01"));
  commands.push_back(Command("100001", "bad-date", t::Visit(), "1 December"));
  commands.push_back(Command("100001", "visit", t::Visit(), "2026-06-15"));
  v1::SubmitCommandsResponse response;
  ASSERT_TRUE(Submit(commands, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 10);
  EXPECT_EQ(response.recorded(), 7u);
  EXPECT_EQ(response.failed(), 3u);

  const google::rpc::Status& r15 = response.outcomes(6).error();
  EXPECT_EQ(r15.code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(r15.message(), HasSubstr("R-15"));
  bool named_rule = false;
  for (const auto& any : r15.details()) {
    google::rpc::PreconditionFailure failure;
    if (any.UnpackTo(&failure)) named_rule = failure.violations(0).type() == "R-15";
  }
  EXPECT_TRUE(named_rule);
  EXPECT_EQ(response.outcomes(7).error().code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(response.outcomes(8).error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(response.outcomes(8).error().message(), HasSubstr("effective_date"));
  // The refusals in between did not stop the school's next command.
  EXPECT_EQ(response.outcomes(9).result().version(), 6u) << response.outcomes(9).error().message();
  EXPECT_EQ(LogEvents(), 7u);
}

TEST_F(BulkSubmissionTest, ASecondSubmissionOfTheSameCallRecordsNothing) {
  std::vector<v1::BulkCommand> commands = Cycle("100001", "x");
  v1::SubmitCommandsResponse first, second;
  ASSERT_TRUE(Submit(commands, &first).ok());
  ASSERT_TRUE(Submit(commands, &second).ok());
  ASSERT_EQ(second.outcomes_size(), 5);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(second.outcomes(i).has_result()) << second.outcomes(i).error().message();
    EXPECT_TRUE(second.outcomes(i).result().replayed());
    EXPECT_EQ(second.outcomes(i).result().global_position(),
              first.outcomes(i).result().global_position());
  }
  // A request id reused for a different command is refused, as by the command's own RPC.
  v1::SubmitCommandsResponse reused;
  ASSERT_TRUE(Submit({Command("100001", "x-1", t::Visit(), "2024-12-01")}, &reused).ok());
  EXPECT_EQ(reused.outcomes(0).error().code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(LogEvents(), 5u);
}

TEST_F(BulkSubmissionTest, AuthorizationIsPerCommandKindAndInstitution) {
  v1::SubmitCommandsResponse setup;
  ASSERT_TRUE(Submit(Cycle("100001", "s"), &setup).ok());
  ASSERT_EQ(setup.recorded(), 5u);
  // lo-ann leads 100001 (assigned above); she may not designate, nor record for 100002.
  v1::SubmitCommandsResponse other;
  ASSERT_TRUE(Submit({Command("100002", "r2", t::Register(), "2024-09-01")}, &other).ok());
  v1::SubmitCommandsResponse response;
  ASSERT_TRUE(Submit({Command("100001", "lo-visit", t::Visit(), "2024-12-01"),
                      Command("100001", "lo-designate", t::Designate(), "2024-12-01"),
                      Command("100002", "lo-other", t::Visit(), "2024-12-01")},
                     &response, kLeadOfficerToken)
                  .ok());
  ASSERT_EQ(response.outcomes_size(), 3);
  EXPECT_TRUE(response.outcomes(0).has_result()) << response.outcomes(0).error().message();
  EXPECT_EQ(response.outcomes(1).error().code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(response.outcomes(1).error().message(), HasSubstr("may not call DesignateSchool"));
  EXPECT_EQ(response.outcomes(2).error().code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(response.outcomes(2).error().message(), HasSubstr("does not lead 100002"));
  // Roles that record nothing may not call it at all.
  v1::SubmitCommandsResponse denied;
  EXPECT_EQ(Submit({}, &denied, kAuditorToken).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit({}, &denied, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(BulkSubmissionTest, TooManyCommandsIsRefusedAsAWhole) {
  std::vector<v1::BulkCommand> commands;
  for (int i = 0; i < 1001; ++i) {
    commands.push_back(Command(absl::StrCat(200000 + i), absl::StrCat("r", i), t::Register(),
                               "2024-09-01"));
  }
  v1::SubmitCommandsResponse response;
  const grpc::Status status = Submit(commands, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("1001 commands; at most 1000"));
  EXPECT_EQ(LogEvents(), 0u);
}

TEST_F(BulkSubmissionTest, ConcurrentCallsOnTheSameSchoolsLoseNothing) {
  std::vector<v1::BulkCommand> setup;
  for (int s = 0; s < 20; ++s) setup.push_back(Command(absl::StrCat(300000 + s), absl::StrCat("reg-", s), t::Register(), "2024-09-01"));
  v1::SubmitCommandsResponse registered;
  ASSERT_TRUE(Submit(setup, &registered).ok());
  ASSERT_EQ(registered.recorded(), 20u);
  // Four callers each record 10 visits at each of the same 20 schools, at once.
  std::vector<std::thread> callers;
  std::vector<v1::SubmitCommandsResponse> responses(4);
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      std::vector<v1::BulkCommand> visits;
      for (int k = 0; k < 10; ++k) {
        for (int s = 0; s < 20; ++s) {
          visits.push_back(Command(absl::StrCat(300000 + s), absl::StrCat("v-", c, "-", k, "-", s),
                                   t::Visit(), "2024-12-01"));
        }
      }
      EXPECT_TRUE(Submit(visits, &responses[c]).ok());
    });
  }
  for (std::thread& t : callers) t.join();
  for (const v1::SubmitCommandsResponse& r : responses) {
    EXPECT_EQ(r.recorded(), 200u);
    EXPECT_EQ(r.failed(), 0u);
  }
  EXPECT_EQ(LogEvents(), 20u + 800u);
}

}  // namespace
}  // namespace scc::testing
