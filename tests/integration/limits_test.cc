// The limits the real sccd puts on every client (SECURITY.md): message size, per-field and
// page-size limits of queries, a server-side bound on long calls, and concurrent streams per
// connection. Each is reached on purpose and must give a clear status, never a crash or an
// unbounded wait.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/reports.grpc.pb.h"
#include "storage/event_log.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<SccdProcess> Start(const std::string& data, std::vector<std::string> args) {
  auto started = SccdProcess::Start(data, std::move(args));
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

// A data directory holding a log of `events` generated events (1,000 schools).
void GenerateLog(const std::string& data, uint64_t events) {
  auto log = storage::EventLog::Open(data + "/events");
  ASSERT_TRUE(log.ok()) << log.status();
  bench::Generate(**log, 1000, events, 3);
}

grpc::Status Verify(SccdProcess& server, uint64_t from, v1::VerifyLogResponse* response) {
  v1::VerifyLogRequest request;
  request.set_from_position(from);
  auto context = Authorized(kAuditorToken);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return v1::AuditService::NewStub(server.channel())->VerifyLog(context.get(), request, response);
}

TEST(LimitsTest, LongCallsStopAtTheServersLimitAndSayWhereToGoOn) {
  storage::testing::TempDir dir;
  constexpr uint64_t kEvents = 70000;  // more than one verification piece (65,536)
  GenerateLog(dir.Sub("data"), kEvents);

  // The client allows a minute; the server allows a millisecond.
  auto server = Start(dir.Sub("data"), {"--long-call-seconds", "0.001"});
  ASSERT_NE(server, nullptr);
  v1::VerifyLogResponse response;
  grpc::Status status = Verify(*server, 0, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("call again with from_position=65536"));
  status = Verify(*server, 65536, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.checked(), kEvents - 65536);

  v1::GenerateTermReportRequest report;
  report.set_term("2024-autumn");
  v1::ReportFile file;
  status = v1::ReportService::NewStub(server->channel())
               ->GenerateTermReport(Authorized(kHosiToken).get(), report, &file);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("not ready within the time allowed"));

  v1::ListInstitutionsRequest as_of;
  as_of.mutable_options()->set_as_of("2024-12-31");
  v1::ListInstitutionsResponse institutions;
  status = v1::ProjectionService::NewStub(server->channel())
               ->ListInstitutions(Authorized(kHosiToken).get(), as_of, &institutions);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  // The term snapshot this date is read from is built on the first read; the build goes on.
  EXPECT_THAT(status.error_message(), HasSubstr("is being built"));
  EXPECT_THAT(status.error_message(), HasSubstr("ask again shortly"));

  // With the default limit the same calls finish.
  server.reset();
  server = Start(dir.Sub("data"), {});
  ASSERT_NE(server, nullptr);
  status = Verify(*server, 0, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.checked(), kEvents);
  EXPECT_TRUE(response.ok());
  status = v1::ProjectionService::NewStub(server->channel())
               ->ListInstitutions(Authorized(kHosiToken).get(), as_of, &institutions);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(institutions.total(), 1000u);

  // Page sizes past the limit are cut to it.
  v1::ReadEventsRequest read;
  read.set_page_size(4000000000u);
  v1::ReadEventsResponse page;
  ASSERT_TRUE(v1::AuditService::NewStub(server->channel())
                  ->ReadEvents(Authorized(kAuditorToken).get(), read, &page)
                  .ok());
  EXPECT_EQ(page.events_size(), 1000);
  EXPECT_EQ(page.next_position(), 1000u);
}

TEST(LimitsTest, OversizedRequestsAndFieldsAreRefusedByName) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"), {"--max-message-bytes", "65536"});
  ASSERT_NE(server, nullptr);
  auto audit = v1::AuditService::NewStub(server->channel());

  v1::GetHistoryRequest history;
  history.set_urn(std::string(100000, '1'));  // larger than the message limit
  v1::GetHistoryResponse events;
  grpc::Status status = audit->GetHistory(Authorized(kHosiToken).get(), history, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();

  history.set_urn(std::string(300, '1'));  // fits the message, not the field
  status = audit->GetHistory(Authorized(kHosiToken).get(), history, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("urn: is 300 characters; the limit is 256"));

  v1::ListInstitutionsRequest list;
  for (int i = 0; i < 1001; ++i) list.add_kinds(v1::INSTITUTION_KIND_ACADEMY);
  v1::ListInstitutionsResponse institutions;
  status = v1::ProjectionService::NewStub(server->channel())
               ->ListInstitutions(Authorized(kHosiToken).get(), list, &institutions);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("kinds: has 1001 entries; the limit is 1000"));

  v1::WatchRequest watch;
  watch.set_heartbeat_seconds(86400);
  auto context = Authorized(kAuditorToken);
  auto stream = audit->Watch(context.get(), watch);
  v1::WatchResponse item;
  EXPECT_FALSE(stream->Read(&item));
  status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("heartbeat_seconds"));

  // The server is still well.
  v1::ServerStatus server_status;
  ASSERT_TRUE(v1::AdminService::NewStub(server->channel())
                  ->GetServerStatus(Authorized(kAuditorToken).get(), {}, &server_status)
                  .ok());
  EXPECT_EQ(server_status.limits().max_message_bytes(), 65536u);
  EXPECT_EQ(server_status.limits().max_page_size(), 1000u);
}

// A channel of its own: a new connection, not one shared with other channels.
std::shared_ptr<grpc::Channel> NewConnection(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

uint32_t OpenWatches(const std::string& address) {
  v1::ServerStatus status;
  const grpc::Status s = v1::AdminService::NewStub(NewConnection(address))
                             ->GetServerStatus(Authorized(kAuditorToken).get(), {}, &status);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return status.open_watches();
}

// Watch streams on one connection, each read on its own thread (a stream waiting for a slot
// blocks the thread that opens it), counting the messages each has received.
class Watchers {
 public:
  Watchers(std::shared_ptr<grpc::Channel> connection, int count)
      : audit_(v1::AuditService::NewStub(connection)), received_(count, 0) {
    for (int i = 0; i < count; ++i) {
      contexts_.push_back(Authorized(kAuditorToken));
      contexts_.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    }
    for (int i = 0; i < count; ++i) threads_.emplace_back([this, i] { Read(i); });
  }
  ~Watchers() {
    for (auto& context : contexts_) context->TryCancel();
    for (std::thread& t : threads_) t.join();
  }

  void Cancel(int i) { contexts_[i]->TryCancel(); }
  // Waits (at most 30 s) until `streams` streams have received `messages` messages or more;
  // returns the received counts then.
  std::vector<int> AwaitServed(int streams, int messages) {
    absl::MutexLock lock(&mu_);
    auto served = [&] {
      mu_.AssertHeld();
      return std::count_if(received_.begin(), received_.end(),
                           [&](int n) { return n >= messages; }) >= streams;
    };
    mu_.AwaitWithTimeout(absl::Condition(&served), absl::Seconds(30));
    return received_;
  }

 private:
  void Read(int i) {
    v1::WatchRequest request;
    request.set_heartbeat_seconds(1);
    auto reader = audit_->Watch(contexts_[i].get(), request);
    v1::WatchResponse item;
    while (reader->Read(&item)) {
      absl::MutexLock lock(&mu_);
      ++received_[i];
    }
    reader->Finish().IgnoreError();
  }

  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::vector<int> received_ ABSL_GUARDED_BY(mu_);
};

TEST(LimitsTest, ConcurrentStreamsPerConnectionAreBoundedAndTheRestWait) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"), {"--max-streams-per-connection", "2"});
  ASSERT_NE(server, nullptr);
  // One client connection opens four Watch streams: two are served (two heartbeats each)
  // while the other two wait, and the server holds only two.
  Watchers watchers(NewConnection(server->address()), 4);
  std::vector<int> received = watchers.AwaitServed(2, 2);
  std::vector<int> served, waiting;
  for (int i = 0; i < 4; ++i) (received[i] >= 2 ? served : waiting).push_back(i);
  ASSERT_EQ(served.size(), 2u);
  for (int i : waiting) EXPECT_EQ(received[i], 0) << "stream " << i;
  EXPECT_EQ(OpenWatches(server->address()), 2u);
  // When one ends, a waiting one gets its turn.
  watchers.Cancel(served[0]);
  received = watchers.AwaitServed(3, 1);
  EXPECT_GE(received[waiting[0]] + received[waiting[1]], 1);
}

}  // namespace
}  // namespace scc::testing
