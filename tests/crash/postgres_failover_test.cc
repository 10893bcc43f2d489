// sccd over PostgreSQL when things die. (1) The database fails over: a primary with a
// synchronous standby on loopback, sccd writing through a multi-host URI; the primary is
// SIGKILLed mid-load and the standby promoted. Every acknowledged command must be in the log,
// the chain must verify, and sccd must resume writing on the new primary by itself. (2) The
// writer sccd dies: a second sccd following the same database takes the writer role and goes on.
// Each prints how long writing stopped: the last acknowledgement before the kill to the first
// after it.
#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "scc/v1/admin.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;
using ::testing::HasSubstr;

constexpr int kSchools = 4;
constexpr int kClients = 6;

std::string Urn(int school) { return absl::StrCat(100400 + school); }

grpc::Status Send(const std::shared_ptr<grpc::Channel>& channel, const std::string& urn,
                  const std::string& request_id, const v1::EventPayload& payload,
                  v1::CommandResult* result) {
  return RecordCommand(channel, kHosiToken, urn, payload, "2024-10-01", request_id, "", false,
                       result);
}

v1::EventLogHome LogHomeOf(const SccdProcess& server) {
  std::string bytes;
  v1::ServerStatus status;
  if (CallByPath(server.channel(), "/scc.v1.AdminService/GetServerStatus",
                 v1::GetServerStatusRequest().SerializeAsString(), kHosiToken, &bytes)
          .ok()) {
    status.ParseFromString(bytes);
  }
  return status.log_home();
}

// Waits (explicitly, on the server's own answer) until `server` holds the writer role.
bool AwaitWriter(const SccdProcess& server, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (LogHomeOf(server).writer()) return true;
    absl::SleepFor(absl::Milliseconds(50));  // polling a remote status: no event to wait on
  }
  return false;
}

// Clients sending Visits with fresh request ids until stopped, recording what was acknowledged
// and when. A call that fails is in doubt and not retried here.
class Load {
 public:
  explicit Load(std::function<std::shared_ptr<grpc::Channel>()> channel)
      : channel_(std::move(channel)) {
    for (int c = 0; c < kClients; ++c) {
      threads_.emplace_back([this, c] {
        for (int i = 0; !stop_.load(); ++i) {
          const std::string id = absl::StrCat("load-", c, "-", i);
          const std::string urn = Urn(c % kSchools);
          {
            absl::MutexLock lock(&mu_);
            sent_[id] = urn;
          }
          v1::CommandResult result;
          const absl::Time sent_at = absl::Now();
          const grpc::Status s = Send(channel_(), urn, id, domain::testing::Visit(), &result);
          const absl::Time now = absl::Now();
          absl::MutexLock lock(&mu_);
          if (s.ok()) {
            acked_[id] = result.global_position();
            acked_at_.push_back({sent_at, now});
          } else {
            failures_.push_back(s.error_message());
          }
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  // Blocks until `count` commands were acknowledged since the start.
  void AwaitAcknowledged(size_t count) {
    absl::MutexLock lock(&mu_);
    struct Args {
      Load* load;
      size_t count;
    } args{this, count};
    mu_.Await(absl::Condition(
        +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->load->acked_at_.size() >= a->count; },
        &args));
  }
  size_t acknowledged() {
    absl::MutexLock lock(&mu_);
    return acked_at_.size();
  }
  // How long writing stopped: the last acknowledgement before `kill_started` to the first of a
  // command sent after `kill_done` (which only a writer that took over can acknowledge).
  absl::Duration GapAround(absl::Time kill_started, absl::Time kill_done) {
    absl::MutexLock lock(&mu_);
    absl::Time before = absl::InfinitePast(), after = absl::InfiniteFuture();
    for (const Acknowledged& a : acked_at_) {
      if (a.at <= kill_started) before = std::max(before, a.at);
      if (a.sent_at > kill_done) after = std::min(after, a.at);
    }
    return after - before;
  }
  // REQUIRES: Stop() returned.
  const std::map<std::string, uint64_t>& acked() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return acked_;
  }
  const std::map<std::string, std::string>& sent() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return sent_;
  }
  const std::vector<std::string>& failures() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return failures_;
  }

 private:
  std::function<std::shared_ptr<grpc::Channel>()> channel_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::map<std::string, std::string> sent_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> acked_ ABSL_GUARDED_BY(mu_);
  struct Acknowledged {
    absl::Time sent_at;
    absl::Time at;
  };
  std::vector<Acknowledged> acked_at_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// Every acknowledged command is in the log where it was acknowledged (a retry is answered from
// it), every command sent is there at most once, and the chain verifies.
void CheckNothingAcknowledgedLost(const SccdProcess& writer, const Load& load) {
  for (const auto& [id, position] : load.acked()) {
    v1::CommandResult again;
    const grpc::Status s =
        Send(writer.channel(), load.sent().at(id), id, domain::testing::Visit(), &again);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
    ASSERT_TRUE(again.replayed()) << id << " was acknowledged but is not in the log";
    EXPECT_EQ(again.global_position(), position) << id;
  }
  absl::StatusOr<std::map<std::string, int>> in_log = RequestIdsInLog(writer.channel());
  ASSERT_TRUE(in_log.ok()) << in_log.status();
  const std::map<std::string, int>& seen = *in_log;
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
  SccClient auditor(writer.channel(), kAuditorToken);
  v1::VerifyLogResponse verified;
  ASSERT_TRUE(auditor.audit().VerifyLog(auditor.NewContext().get(), {}, &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.checked(), seen.size());
}

void RegisterSchools(const SccdProcess& server) {
  for (int s = 0; s < kSchools; ++s) {
    v1::CommandResult result;
    const grpc::Status sent =
        Send(server.channel(), Urn(s), absl::StrCat("register-", s), domain::testing::Register(),
             &result);
    ASSERT_TRUE(sent.ok()) << sent.error_message();
  }
}

TEST(PostgresFailoverTest, ThePrimaryDiesTheStandbyIsPromotedAndNothingAcknowledgedIsLost) {
  storage::testing::TempDir dir;
  auto primary = storage::testing::PostgresServer::Start(dir.Sub("primary"), "standby1");
  ASSERT_TRUE(primary.ok()) << primary.status();
  auto standby = (*primary)->StartStandby(dir.Sub("standby"), "standby1");
  ASSERT_TRUE(standby.ok()) << standby.status();
  // libpq's multi-host form: whichever of the two takes writes.
  const std::string primary_host = (*primary)->uri().substr(std::string("postgresql://scc@").size());
  const std::string standby_host = (*standby)->uri().substr(std::string("postgresql://scc@").size());
  const std::string uri = absl::StrCat(
      "postgresql://scc@", primary_host.substr(0, primary_host.find('/')), ",",
      standby_host.substr(0, standby_host.find('/')),
      "/scc?target_session_attrs=read-write&connect_timeout=2");

  auto server = SccdProcess::Start(dir.Sub("data"), {"--log", uri, "--node-name", "sccd-1"});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(AwaitWriter(**server, absl::Seconds(30)));
  ASSERT_NO_FATAL_FAILURE(RegisterSchools(**server));

  Load load([&server] { return (*server)->channel(); });
  load.AwaitAcknowledged(80);
  const absl::Time killing = absl::Now();
  ASSERT_TRUE((*primary)->Kill().ok());
  const absl::Time killed = absl::Now();
  ASSERT_TRUE((*standby)->Promote().ok());
  // sccd finds the new primary by itself: acknowledgements resume without anyone touching it.
  load.AwaitAcknowledged(load.acknowledged() + 80);
  load.Stop();
  const absl::Duration gap = load.GapAround(killing, killed);
  std::printf("database failover: %zu commands acknowledged, %zu refused while it failed over; "
              "writing stopped for %.0f ms (last acknowledgement before the kill to the first "
              "after)\n",
              load.acked().size(), load.failures().size(), absl::ToDoubleMilliseconds(gap));
  RecordProperty("failover_ms", static_cast<int>(absl::ToInt64Milliseconds(gap)));
  for (const std::string& failure : load.failures()) {
    EXPECT_THAT(failure, HasSubstr("PostgreSQL database")) << "a refusal should name the database";
  }
  ASSERT_NO_FATAL_FAILURE(CheckNothingAcknowledgedLost(**server, load));
}

TEST(PostgresFailoverTest, TheWriterSccdDiesAndTheOtherTakesOver) {
  const std::string log = storage::testing::PostgresServer::Shared().NewLogLocation();
  storage::testing::TempDir dir;
  auto first = SccdProcess::Start(dir.Sub("a"), {"--log", log, "--node-name", "sccd-a"});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(AwaitWriter(**first, absl::Seconds(30)));
  auto second = SccdProcess::Start(dir.Sub("b"), {"--log", log, "--node-name", "sccd-b"});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(LogHomeOf(**second).writer());
  EXPECT_EQ(LogHomeOf(**second).writer_node(), "sccd-a");
  ASSERT_NO_FATAL_FAILURE(RegisterSchools(**first));

  // The follower serves reads from its own read models, following the writer's log ...
  v1::CommandResult designated;
  ASSERT_TRUE(Send((*first)->channel(), Urn(0), "concern-0", domain::testing::RaiseConcern(),
                   &designated)
                  .ok());
  SccClient reader((*second)->channel(), kAuditorToken);
  v1::GetInstitutionRequest get;
  get.set_urn(Urn(0));
  get.mutable_options()->set_min_position(designated.global_position());
  v1::InstitutionStatus status;
  const grpc::Status read = reader.projections().GetInstitution(reader.NewContext().get(), get, &status);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(status.urn(), Urn(0));
  // ... says so to an operator and to a readiness probe ...
  httplib::Client metrics(absl::StrCat("http://", (*second)->metrics_address()));
  auto scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_THAT(scraped->body, HasSubstr("\nscc_log_writer 0\n"));
  EXPECT_THAT(scraped->body, HasSubstr("scc_log_writes_refused{reason=\"not_writer\"} 1"));
  auto ready = metrics.Get("/healthz/writer");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, HasSubstr("the writer is sccd-a"));
  // ... and refuses commands, naming the writer.
  const grpc::Status refused =
      Send((*second)->channel(), Urn(1), "to-the-follower", domain::testing::Visit(), nullptr);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(), HasSubstr("sccd-a holds the writer role"));

  // Load goes to whichever node writes; the writer is SIGKILLed.
  std::atomic<bool> first_alive{true};
  Load load([&] { return first_alive.load() ? (*first)->channel() : (*second)->channel(); });
  load.AwaitAcknowledged(60);
  const absl::Time killing = absl::Now();
  first_alive = false;
  (*first)->Kill();
  const absl::Time killed = absl::Now();
  load.AwaitAcknowledged(load.acknowledged() + 60);
  load.Stop();
  const absl::Duration gap = load.GapAround(killing, killed);
  std::printf("writer failover: %zu commands acknowledged; writing stopped for %.0f ms\n",
              load.acked().size(), absl::ToDoubleMilliseconds(gap));
  RecordProperty("takeover_ms", static_cast<int>(absl::ToInt64Milliseconds(gap)));
  EXPECT_TRUE(LogHomeOf(**second).writer());
  EXPECT_EQ(LogHomeOf(**second).writer_node(), "sccd-b");
  ASSERT_NO_FATAL_FAILURE(CheckNothingAcknowledgedLost(**second, load));
}

}  // namespace
}  // namespace scc::testing
