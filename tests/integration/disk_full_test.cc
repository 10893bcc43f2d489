// A full data volume under the real sccd: its --data directory on a small tmpfs the test
// mounts. The server starts on the small volume, commands fill it, and then: every command is
// refused with RESOURCE_EXHAUSTED saying the volume is full, the process does not abort, reads
// (GetInstitution, GetHistory) are answered, GetServerStatus, the metrics and `sccctl health`
// show the free space and the refusal; once space is freed writing resumes by itself, every
// acknowledged command is in the history exactly once and the chain verifies.
#include <signal.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "scc/v1/admin.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kVolumeBytes = 48 << 20;
constexpr int kWriters = 4;

v1::ServerStatus Status(SccdProcess& server) {
  v1::ServerStatus status;
  const grpc::Status s = v1::AdminService::NewStub(server.channel())
                             ->GetServerStatus(Authorized(kHosiToken).get(), {}, &status);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return status;
}

std::string Metrics(SccdProcess& server) {
  httplib::Client http(absl::StrCat("http://", server.metrics_address()));
  auto scraped = http.Get("/metrics");
  return scraped ? scraped->body : "";
}

v1::CommandContext Context(const std::string& urn, const std::string& request_id) {
  v1::CommandContext context;
  context.set_urn(urn);
  context.set_request_id(request_id);
  context.set_effective_date("2024-09-25");
  context.set_reason("recorded by the test");
  return context;
}

// The visits in `urn`'s history.
size_t VisitsInHistory(const client::SccClient& client, const std::string& urn) {
  size_t visits = 0;
  v1::GetHistoryRequest request;
  request.set_urn(urn);
  request.set_page_size(1000);
  for (;;) {
    v1::GetHistoryResponse page;
    const grpc::Status s = client.audit().GetHistory(client.NewContext().get(), request, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) return visits;
    for (const v1::Event& e : page.events()) visits += e.payload().has_visit_recorded() ? 1 : 0;
    if (page.next_page_token().empty()) return visits;
    request.set_page_token(page.next_page_token());
  }
}

// A visit whose note the headteacher agreed on the day: the state stays the same size however
// many are recorded (an unagreed note is kept in the state until the head responds, R-1), so
// the volume fills with the log's records alone, as the test means.
v1::EventPayload AgreedVisit() {
  v1::EventPayload p = domain::testing::Visit();
  p.mutable_visit_recorded()->set_note_status(v1::NOTE_OF_VISIT_STATUS_AGREED);
  return p;
}

TEST(DiskFullTest, FullVolumeRefusesCommandsServesReadsAndResumesByItself) {
  storage::testing::SmallVolume volume(kVolumeBytes);
  ASSERT_TRUE(volume.mounted())
      << "this test needs to mount a tmpfs (run as root); the storage test "
         "EventLogDiskFullTest covers the disk-full path with injected ENOSPC instead";
  auto started = SccdProcess::Start(volume.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;

  // Started on the small volume, and an empty server takes little of it.
  v1::ServerStatus status = Status(server);
  std::printf("empty server: %llu of %llu bytes free\n",
              static_cast<unsigned long long>(status.data_volume().free_bytes()),
              static_cast<unsigned long long>(status.data_volume().size_bytes()));
  EXPECT_EQ(status.data_volume().size_bytes(), kVolumeBytes);
  EXPECT_GT(status.data_volume().free_bytes(), kVolumeBytes - (8 << 20));
  EXPECT_FALSE(status.data_volume().writes_refused());

  namespace t = domain::testing;
  client::SccClient hosi(server.channel(), kHosiToken);
  for (int w = 0; w < kWriters; ++w) {
    v1::CommandResult result;
    const grpc::Status s =
        hosi.Send(Context(absl::StrCat("10000", w), absl::StrCat("reg-", w)), t::Register(), &result);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Leave 3 MiB; writers record visits until the volume is full under them.
  ASSERT_TRUE(volume.Fill(3 << 20).ok());
  std::vector<int> acked(kWriters, 0);
  std::vector<grpc::Status> refused(kWriters);
  {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        client::SccClient client(server.channel(), kHosiToken);
        for (;;) {
          v1::CommandResult result;
          const grpc::Status s = client.Send(
              Context(absl::StrCat("10000", w), absl::StrCat("visit-", w, "-", acked[w])),
              AgreedVisit(), &result);
          if (!s.ok()) {
            refused[w] = s;
            return;
          }
          ++acked[w];
        }
      });
    }
    for (std::thread& t : writers) t.join();
  }
  int total = 0;
  for (int w = 0; w < kWriters; ++w) {
    total += acked[w];
    EXPECT_EQ(refused[w].error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused[w].error_message();
    EXPECT_THAT(refused[w].error_message(), HasSubstr("data volume is full"));
  }
  std::printf("%d visits acknowledged before the volume was full\n", total);
  ASSERT_TRUE(volume.Fill(0).ok());  // what RocksDB gave back from the failed writes, too

  // Still full: refused again; the process lives and answers reads.
  v1::CommandResult result;
  grpc::Status s = hosi.Send(Context("100000", "visit-0-again"), AgreedVisit(), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(::kill(server.pid(), 0), 0) << "sccd is gone:\n" << server.Log();
  v1::GetInstitutionRequest get;
  get.set_urn("100000");
  v1::InstitutionStatus institution;
  s = hosi.projections().GetInstitution(hosi.NewContext().get(), get, &institution);
  EXPECT_TRUE(s.ok()) << s.error_message();
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(VisitsInHistory(hosi, absl::StrCat("10000", w)), static_cast<size_t>(acked[w]));
  }

  // The operator sees it: status, metrics, `sccctl health`.
  status = Status(server);
  EXPECT_TRUE(status.data_volume().writes_refused());
  EXPECT_EQ(status.data_volume().writes_refused_reason(), "data volume full");
  EXPECT_THAT(status.data_volume().last_write_error(), HasSubstr("data volume is full"));
  // Nearly nothing free (the read models' store and the read audit's may each have given back a
  // write-ahead log file of a few hundred KB when they reopened after a failed write).
  EXPECT_LT(status.data_volume().free_bytes(), status.data_volume().size_bytes() / 5);
  const std::string metrics = Metrics(server);
  EXPECT_THAT(metrics, HasSubstr("scc_log_writes_refused{reason=\"volume_full\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("scc_data_volume_free_bytes "));
  EXPECT_THAT(metrics, HasSubstr("scc_data_volume_size_bytes "));
  const CommandOutcome health = RunCommand(absl::StrCat(SCCCTL_PATH, " --server ",
                                                        server.address(), " --token ",
                                                        kHosiToken, " health"));
  EXPECT_EQ(health.code, 0) << health.out;
  EXPECT_THAT(health.out, HasSubstr("degraded: data volume full, writes refused"));
  EXPECT_THAT(health.out, HasSubstr("MiB free of 48.0 MiB"));

  // Space returns: writing resumes by itself (the status clears without a command asking).
  ASSERT_TRUE(volume.Free().ok());
  const absl::Time freed = absl::Now();
  while (Status(server).data_volume().writes_refused() &&
         absl::Now() < freed + absl::Seconds(20)) {
    std::this_thread::yield();
  }
  std::printf("writes taken again %.2f s after the space was freed\n",
              absl::ToDoubleSeconds(absl::Now() - freed));
  ASSERT_FALSE(Status(server).data_volume().writes_refused());
  EXPECT_THAT(Metrics(server), HasSubstr("scc_log_writes_refused{reason=\"volume_full\"} 0\n"));

  // Each refused command, retried with its request id, is recorded exactly once.
  for (int w = 0; w < kWriters; ++w) {
    s = hosi.Send(Context(absl::StrCat("10000", w), absl::StrCat("visit-", w, "-", acked[w])),
                  AgreedVisit(), &result);
    ASSERT_TRUE(s.ok()) << s.error_message();
    s = hosi.Send(Context(absl::StrCat("10000", w), absl::StrCat("visit-", w, "-", acked[w])),
                  AgreedVisit(), &result);
    ASSERT_TRUE(s.ok()) << s.error_message();  // a retry: answered from the first result
    ++acked[w];
  }
  // The command refused while the volume stayed full, too (if its batch did reach the log
  // before the error, the retry finds it).
  s = hosi.Send(Context("100000", "visit-0-again"), AgreedVisit(), &result);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ++acked[0];
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(VisitsInHistory(hosi, absl::StrCat("10000", w)), static_cast<size_t>(acked[w]));
  }
  client::SccClient auditor(server.channel(), kAuditorToken);
  v1::VerifyLogResponse verified;
  s = auditor.audit().VerifyLog(auditor.NewContext().get(), {}, &verified);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(verified.ok()) << verified.problem();
  // And the server stops cleanly on SIGTERM (SccdProcess's destructor checks).
  EXPECT_THAT(server.Log(), ::testing::Not(HasSubstr("Assertion")));
}

}  // namespace
}  // namespace scc::testing
