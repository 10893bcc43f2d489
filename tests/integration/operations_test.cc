// What an operator does to a running sccd, as docs/operations.md tells it: take an online
// backup through AdminService.BackupLog while the server serves, restore it with
// `scclog restore`, start a server on the restored directory and find the same history and
// the same head hash (also for a backup taken while writers keep writing: a consistent prefix
// holding everything acknowledged before it); and check health with `sccctl health`.
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scc/v1/admin.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;

grpc::Status Backup(SccdProcess& server, const char* token, const std::string& name,
                    v1::BackupLogResponse* response) {
  v1::BackupLogRequest request;
  request.set_name(name);
  return v1::AdminService::NewStub(server.channel())
      ->BackupLog(Authorized(token).get(), request, response);
}

v1::VerifyLogResponse Verify(SccdProcess& server) {
  client::SccClient auditor(server.channel(), kAuditorToken);
  v1::VerifyLogResponse response;
  const grpc::Status s = auditor.audit().VerifyLog(auditor.NewContext().get(), {}, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response;
}

TEST(OperationsTest, OnlineBackupRestoresToTheSameHistory) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  client::SccClient hosi(server.channel(), kHosiToken);
  namespace t = domain::testing;
  int n = 0;
  for (const v1::EventPayload& p : {t::Register(), t::RaiseConcern(), t::Visit()}) {
    v1::CommandContext context;
    context.set_urn("100001");
    context.set_request_id(absl::StrCat("op-", ++n));
    context.set_effective_date("2024-09-25");
    context.set_reason("recorded by the test");
    v1::CommandResult result;
    ASSERT_TRUE(hosi.Send(context, p, &result).ok());
  }

  v1::BackupLogResponse backup;
  grpc::Status status = Backup(server, kHosiToken, "nightly-1", &backup);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(backup.directory(), dir.Sub("data") + "/backups/nightly-1");
  EXPECT_EQ(backup.events_at_least(), 3u);
  EXPECT_TRUE(std::filesystem::exists(backup.directory() + "/CURRENT"));
  const v1::VerifyLogResponse before = Verify(server);

  // Refusals name the field or the reason.
  status = Backup(server, kHosiToken, "nightly-1", &backup);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("already exists"));
  status = Backup(server, kHosiToken, "../../etc", &backup);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("name"));
  EXPECT_EQ(Backup(server, kAuditorToken, "by-auditor", &backup).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Restore as docs/operations.md says, then serve the restored directory.
  const std::string restored = dir.Sub("restored");
  const CommandOutcome restore = RunCommand(absl::StrCat(
      SCCLOG_PATH, " restore ", dir.Sub("data"), "/backups/nightly-1 ", restored, "/events"));
  ASSERT_EQ(restore.code, 0) << restore.out;
  auto second = SccdProcess::Start(restored);
  ASSERT_TRUE(second.ok()) << second.status();
  const v1::VerifyLogResponse after = Verify(**second);
  EXPECT_TRUE(after.ok());
  EXPECT_EQ(after.checked(), 3u);
  EXPECT_EQ(after.head_hash(), before.head_hash());
  client::SccClient reader((*second)->channel(), kReaderToken);
  v1::InstitutionStatus institution;
  v1::GetInstitutionRequest get;
  get.set_urn("100001");
  get.mutable_options()->set_min_position(2);  // the read models are rebuilt on the first start
  status = reader.projections().GetInstitution(reader.NewContext().get(), get, &institution);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(institution.state(), v1::FLOWCHART_STATE_AT_RISK);
}

TEST(OperationsTest, VerifyLogOfARangeAnswersTheHashOfItsLastRecord) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  client::SccClient hosi(server.channel(), kHosiToken);
  namespace t = domain::testing;
  int n = 0;
  for (const v1::EventPayload& p : {t::Register(), t::RaiseConcern(), t::Visit()}) {
    v1::CommandContext context;
    context.set_urn("100001");
    context.set_request_id(absl::StrCat("range-", ++n));
    context.set_effective_date("2024-09-25");
    context.set_reason("recorded by the test");
    v1::CommandResult result;
    ASSERT_TRUE(hosi.Send(context, p, &result).ok());
  }
  client::SccClient auditor(server.channel(), kAuditorToken);
  v1::ReadEventsResponse events;
  ASSERT_TRUE(
      auditor.audit().ReadEvents(auditor.NewContext().get(), {}, &events).ok());
  ASSERT_EQ(events.events_size(), 3);

  v1::VerifyLogRequest range;
  range.set_from_position(0);
  range.set_to_position(2);
  v1::VerifyLogResponse verified;
  grpc::Status s = auditor.audit().VerifyLog(auditor.NewContext().get(), range, &verified);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.checked(), 2u);
  EXPECT_EQ(verified.head_hash(), events.events(1).hash());  // the range's last, not the log's
  EXPECT_NE(verified.head_hash(), events.events(2).hash());
  EXPECT_EQ(Verify(server).head_hash(), events.events(2).hash());
}

TEST(OperationsTest, BackupUnderLoadRestoresToAConsistentPrefix) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  client::SccClient hosi(server.channel(), kHosiToken);
  constexpr int kWriters = 8;
  for (int w = 0; w < kWriters; ++w) {
    v1::CommandContext context;
    context.set_urn(absl::StrCat(100400 + w));
    context.set_request_id(absl::StrCat("register-", w));
    context.set_effective_date("2024-09-25");
    context.set_reason("recorded by the test");
    v1::CommandResult result;
    ASSERT_TRUE(hosi.Send(context, domain::testing::Register(), &result).ok());
  }
  // Writers record visits; the backup is taken once 100 are acknowledged, while they go on.
  absl::Mutex mu;
  std::vector<uint64_t> acknowledged;  // global positions
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      client::SccClient client(server.channel(), kHosiToken);
      for (int i = 0; !stop.load(); ++i) {
        v1::CommandContext context;
        context.set_urn(absl::StrCat(100400 + w));
        context.set_request_id(absl::StrCat("visit-", w, "-", i));
        context.set_effective_date("2024-10-01");
        context.set_reason("recorded by the test");
        v1::CommandResult result;
        if (!client.Send(context, domain::testing::Visit(), &result).ok()) return;
        absl::MutexLock lock(&mu);
        acknowledged.push_back(result.global_position());
      }
    });
  }
  size_t before_backup = 0;
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](std::vector<uint64_t>* a) { return a->size() >= 100; }, &acknowledged));
    before_backup = acknowledged.size();
  }
  v1::BackupLogResponse backup;
  const grpc::Status status = Backup(server, kHosiToken, "under-load", &backup);
  stop = true;
  for (std::thread& t : writers) t.join();
  ASSERT_TRUE(status.ok()) << status.error_message();

  const std::string restored = dir.Sub("restored");
  const CommandOutcome restore = RunCommand(absl::StrCat(
      SCCLOG_PATH, " restore ", backup.directory(), " ", restored, "/events"));
  ASSERT_EQ(restore.code, 0) << restore.out;  // restore verifies every link
  auto second = SccdProcess::Start(restored);
  ASSERT_TRUE(second.ok()) << second.status();
  const v1::VerifyLogResponse verified = Verify(**second);
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_GE(verified.next_position(), backup.events_at_least());
  // Every command acknowledged before the backup was asked for is in it.
  std::vector<uint64_t> early;
  {
    absl::MutexLock lock(&mu);
    early.assign(acknowledged.begin(), acknowledged.begin() + before_backup);
  }
  for (uint64_t position : early) EXPECT_LT(position, verified.next_position());
}

TEST(OperationsTest, SccctlHealthSaysServing) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  CommandOutcome health =
      RunCommand(absl::StrCat(SCCCTL_PATH, " --server ", (*started)->address(), " health"));
  EXPECT_EQ(health.code, 0) << health.out;
  EXPECT_THAT(health.out, HasSubstr("SERVING"));
  const std::string address = (*started)->address();
  started->reset();  // stopped
  health = RunCommand(absl::StrCat(SCCCTL_PATH, " --server ", address, " --timeout 2 health"));
  EXPECT_EQ(health.code, 6) << health.out;
}

}  // namespace
}  // namespace scc::testing
