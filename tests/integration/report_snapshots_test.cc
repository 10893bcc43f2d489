// The termly report and the term snapshots in the real sccd: which reports ask for snapshots,
// and a server stopped while they are built.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/reports.grpc.pb.h"
#include "storage/event_log.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;

// `events` for 500 institutions from 2024-09-02, about six months of them, served by sccd
// pretending today is `today`.
std::unique_ptr<SccdProcess> StartOnGeneratedLog(const storage::testing::TempDir& dir,
                                                 int events, const std::string& today) {
  {
    auto log = storage::EventLog::Open(dir.Sub("data") + "/events");
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return nullptr;
    bench::Generate(**log, 500, events, std::max(1, 180 * 500 / events));
  }
  auto started =
      SccdProcess::Start(dir.Sub("data"), SccdProcess::Options{.extra_args = {"--today", today}});
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

grpc::Status Report(SccdProcess& server, const std::string& term) {
  v1::GenerateTermReportRequest request;
  request.set_term(term);
  v1::ReportFile file;
  auto context = Authorized(kHosiToken);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return v1::ReportService::NewStub(server.channel())->GenerateTermReport(context.get(), request,
                                                                          &file);
}

v1::ProjectionStatus Status(SccdProcess& server) {
  v1::ProjectionStatus status;
  auto context = Authorized(kHosiToken);
  EXPECT_TRUE(v1::ProjectionService::NewStub(server.channel())
                  ->GetProjectionStatus(context.get(), {}, &status)
                  .ok());
  return status;
}

// Waits (polling the status) until the snapshots of `boundaries` are held.
void AwaitHeld(SccdProcess& server, const std::vector<std::string>& boundaries) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (true) {
    const v1::ProjectionStatus status = Status(server);
    const std::vector<std::string> held(status.snapshot_boundaries().begin(),
                                        status.snapshot_boundaries().end());
    if (::testing::Value(held, IsSupersetOf(boundaries))) return;
    ASSERT_LT(absl::Now(), deadline) << "still held: " << status.ShortDebugString();
    absl::SleepFor(absl::Milliseconds(20));
  }
}

// A report of the current or the last term asks for its snapshots and is then answered from
// them; one of an earlier term does not, so the snapshot recent as-of reads start from stays.
TEST(ReportSnapshotsTest, OnlyReportsOfRecentTermsAskForSnapshots) {
  storage::testing::TempDir dir;
  auto server = StartOnGeneratedLog(dir, 30000, "2025-03-10");  // the 2024/25 spring term
  ASSERT_NE(server, nullptr);
  AwaitHeld(*server, {"2025-02-23"});  // the current half term's, built at start-up

  ASSERT_TRUE(Report(*server, "2024-spring").ok());  // two terms back: scanned, nothing asked
  // An as-of read waits for its own snapshot, which is built after anything asked before it.
  v1::ListInstitutionsRequest as_of;
  as_of.mutable_options()->set_as_of("2025-01-20");
  v1::ListInstitutionsResponse page;
  auto context = Authorized(kHosiToken);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  ASSERT_TRUE(v1::ProjectionService::NewStub(server->channel())
                  ->ListInstitutions(context.get(), as_of, &page)
                  .ok());
  EXPECT_THAT(Status(*server).snapshot_boundaries(), Contains("2025-02-23"));

  ASSERT_TRUE(Report(*server, "2024-autumn").ok());  // the last term: asks for both halves
  AwaitHeld(*server, {"2024-09-03", "2024-11-03"});
  const uint64_t reads = Status(*server).snapshot_reads();
  ASSERT_TRUE(Report(*server, "2024-autumn").ok());
  EXPECT_EQ(Status(*server).snapshot_reads(), reads + 1);
}

// Builds a report asked for still read the log when the server is told to stop: it stops them
// before it closes the log.
TEST(ReportSnapshotsTest, StoppingWhileAReportsSnapshotsAreBuiltStopsCleanly) {
  storage::testing::TempDir dir;
  // Enough events that the builds outlast the reports.
  auto server = StartOnGeneratedLog(dir, 120000, "2025-03-10");
  ASSERT_NE(server, nullptr);
  for (const char* term : {"2024-autumn", "2025-spring"}) {  // the last and the current: 4 builds
    ASSERT_TRUE(Report(*server, term).ok()) << term;
  }
  server.reset();  // SIGTERM at once; the exit status and the sanitizers say how it stopped
}

}  // namespace
}  // namespace scc::testing
