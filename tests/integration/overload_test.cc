// Far more concurrent work than two cores can serve: 64 clients ask for the termly report over
// a 70,000-event log with a deadline too short for most of them, while others record commands.
// The server must answer every call (OK, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED "server busy",
// never crash or hang), keep its memory bounded, and serve normally again as soon as the load
// stops and the calls its clients abandoned have drained (each stops at its deadline).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cpp/scc_client.h"
#include "httplib.h"
#include "gtest/gtest.h"
#include "scc/v1/reports.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/event_log.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

grpc::Status Report(const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds budget) {
  v1::GenerateTermReportRequest request;
  request.set_term("2024-autumn");
  v1::ReportFile file;
  auto context = Authorized(kHosiToken);
  context->set_deadline(std::chrono::system_clock::now() + budget);
  return v1::ReportService::NewStub(channel)->GenerateTermReport(context.get(), request, &file);
}

// True once the server's metrics say no long call runs or waits for a thread.
bool NoLongCalls(const SccdProcess& server) {
  httplib::Client http(absl::StrCat("http://", server.metrics_address()));
  auto scraped = http.Get("/metrics");
  return scraped && absl::StrContains(scraped->body, "\nscc_long_calls 0\n");
}

TEST(OverloadTest, TenTimesTooMuchWorkGetsDeadlinesNotCrashesAndRecovers) {
  storage::testing::TempDir dir;
  {
    auto log = storage::EventLog::Open(dir.Sub("data") + "/events");
    ASSERT_TRUE(log.ok()) << log.status();
    bench::Generate(**log, 1000, 70000, 3);
  }
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  // One report alone, for scale.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(Report(server.channel(), std::chrono::seconds(60)).ok());
  const auto alone = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0);
  const uint64_t rss_before = ProcessStatusKb(server.pid(), "VmRSS");

  // 64 report clients with a deadline of twice one report's time: on two cores at most a few
  // can finish. 8 more clients record commands meanwhile.
  constexpr int kReporters = 64, kWriters = 8, kRounds = 3;
  std::atomic<int> ok{0}, deadline{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kReporters; ++c) {
    clients.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        const grpc::Status s = Report(server.channel(), 2 * alone + std::chrono::milliseconds(50));
        if (s.ok()) {
          ++ok;
        } else if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
          ++deadline;
        } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                   s.error_message().find("server busy, retry") != std::string::npos) {
          ++busy;  // the long-call queue, or this caller's share of it, is full
        } else {
          ++other;
          ADD_FAILURE() << s.error_code() << " " << s.error_message();
        }
      }
    });
  }
  std::atomic<int> recorded{0};
  for (int c = 0; c < kWriters; ++c) {
    clients.emplace_back([&, c] {
      client::SccClient hosi(server.channel(), kHosiToken);
      for (int i = 0; i < 20; ++i) {
        v1::CommandContext context;
        context.set_urn(absl::StrCat(100000 + c));
        context.set_request_id(absl::StrCat("overload-", c, "-", i));
        context.set_effective_date("2025-01-10");
        context.set_reason("recorded by the test");
        v1::CommandResult result;
        const grpc::Status s = hosi.Send(context, domain::testing::Visit(), &result);
        if (s.ok()) ++recorded;
        EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
            << s.error_message();
      }
    });
  }
  for (std::thread& t : clients) t.join();
  const uint64_t peak = ProcessStatusKb(server.pid(), "VmHWM");
  EXPECT_GT(peak, 0u);
  std::printf("one report alone %lld ms; under load %d ok, %d past their deadline, %d refused "
              "busy; %d commands recorded; RSS %llu kB before, peak %llu kB\n",
              static_cast<long long>(alone.count()), ok.load(), deadline.load(), busy.load(),
              recorded.load(),
              static_cast<unsigned long long>(rss_before), static_cast<unsigned long long>(peak));
  EXPECT_EQ(ok + deadline + busy + other, kReporters * kRounds);
  EXPECT_GT(deadline + busy, 0) << "the load was not an overload";
  EXPECT_LT(peak, 1024u * 1024u) << "peak memory over 1 GiB";

  // The load is gone. Reports its clients gave up on stop at their deadlines and the queued ones
  // are dropped unstarted; once the long-call queue is empty, everything works at once.
  const absl::Time drained_by = absl::Now() + absl::Seconds(60);
  while (!NoLongCalls(server) && absl::Now() < drained_by) std::this_thread::yield();
  ASSERT_TRUE(NoLongCalls(server)) << "long calls still running a minute after the load";
  EXPECT_TRUE(Report(server.channel(), std::chrono::seconds(60)).ok());
  client::SccClient hosi(server.channel(), kHosiToken);
  v1::CommandContext context;
  context.set_urn("100001");
  context.set_request_id("after-the-storm");
  context.set_effective_date("2025-01-11");
  context.set_reason("recorded by the test");
  v1::CommandResult result;
  EXPECT_TRUE(hosi.Send(context, domain::testing::Visit(), &result).ok());
}

}  // namespace
}  // namespace scc::testing
