// Soak: the real sccd under steady load for a few minutes, reporting per window the durable
// commands per second, latency percentiles, the server's resident memory and the events in its
// log, so a leak or a slow-down over time shows. Prints a Markdown table and writes JSON and
// Markdown into --out. Not part of the test suite (it runs minutes): `make soak`.
//
// The load is spread over --institutions schools (default 1,000), as an authority's would be:
// a school's state holds its visits, so piling thousands of visits on a handful of schools
// measures copying those states, not the server.
//
// Usage: soak_bench [--out DIR] [--seconds 180] [--window 10] [--clients 16] [--institutions N]
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/scc_client.h"
#include "scc/v1/admin.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/integration/sccd_process.h"

namespace {

using namespace scc;  // NOLINT
using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = "bench-results";
  int seconds = 180, window = 10, clients = 16, institutions = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    int* target = flag == "--seconds" ? &seconds
                  : flag == "--window" ? &window
                  : flag == "--clients" ? &clients
                  : flag == "--institutions" ? &institutions
                                        : nullptr;
    if (flag == "--out") {
      out = value;
    } else if (target == nullptr || !absl::SimpleAtoi(value, target) || *target <= 0) {
      bench::Die("usage: soak_bench [--out DIR] [--seconds N] [--window N] [--clients N] "
                 "[--institutions N]");
    }
  }
  storage::testing::TempDir dir;
  auto server = bench::Must(testing::SccdProcess::Start(dir.Sub("data")));
  client::SccClient hosi(server->channel(), testing::kHosiToken);
  for (int n = 0; n < institutions; ++n) {
    v1::CommandContext context;
    context.set_urn(absl::StrCat(200000 + n));
    context.set_request_id(absl::StrCat("register-", n));
    context.set_effective_date("2024-09-01");
    context.set_reason("recorded by the test");
    v1::CommandResult result;
    if (!hosi.Send(context, domain::testing::Register(), &result).ok()) bench::Die("register");
  }

  absl::Mutex mu;
  std::vector<double> latencies_ms;  // this window's
  uint64_t failures = 0;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      client::SccClient client(server->channel(), testing::kHosiToken);
      for (uint64_t i = 0; !stop.load(); ++i) {
        v1::CommandContext context;
        context.set_urn(absl::StrCat(200000 + (c + i * clients) % institutions));
        context.set_request_id(absl::StrCat("soak-", c, "-", i));
        context.set_effective_date("2024-10-01");
        context.set_reason("recorded by the test");
        v1::CommandResult result;
        const auto start = Clock::now();
        const bool ok = client.Send(context, domain::testing::Visit(), &result).ok();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        absl::MutexLock lock(&mu);
        if (ok) {
          latencies_ms.push_back(ms);
        } else {
          ++failures;
        }
      }
    });
  }

  std::string md = absl::StrFormat(
      "# Soak\n\n%d clients recording visits (durable commands through gRPC) at %d schools for "
      "%d s, in %d s windows, on this machine (2 cores).\n\n| window end s | commands/s | p50 ms | p99 ms | "
      "p999 ms | sccd RSS MB | events in log | failed |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      clients, institutions, seconds, window);
  std::string json = "{\n  \"windows\": [\n";
  const auto begin = Clock::now();
  for (int end = window; end <= seconds; end += window) {
    std::this_thread::sleep_until(begin + std::chrono::seconds(end));  // the sampling clock
    std::vector<double> sample;
    uint64_t failed = 0;
    {
      absl::MutexLock lock(&mu);
      sample.swap(latencies_ms);
      std::swap(failed, failures);
    }
    const double rate = static_cast<double>(sample.size()) / window;
    const double p50 = Percentile(sample, 0.50), p99 = Percentile(sample, 0.99),
                 p999 = Percentile(sample, 0.999);
    const double rss_mb = testing::ProcessStatusKb(server->pid(), "VmRSS") / 1024.0;
    v1::ServerStatus status;
    if (!v1::AdminService::NewStub(server->channel())
             ->GetServerStatus(testing::Authorized(testing::kAuditorToken).get(), {}, &status)
             .ok()) {
      bench::Die("GetServerStatus failed");
    }
    const std::string row = absl::StrFormat(
        "| %d | %.0f | %.2f | %.2f | %.2f | %.1f | %d | %d |\n", end, rate, p50, p99, p999,
        rss_mb, status.next_position(), failed);
    std::fprintf(stderr, "[soak] %3d s: %.0f commands/s, p99 %.2f ms, RSS %.1f MB\n", end, rate,
                 p99, rss_mb);
    md += row;
    absl::StrAppendFormat(&json,
                          "    {\"end_s\": %d, \"commands_per_s\": %.1f, \"p50_ms\": %.3f, "
                          "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"rss_mb\": %.1f, \"events\": %d, "
                          "\"failed\": %d}%s\n",
                          end, rate, p50, p99, p999, rss_mb, status.next_position(), failed,
                          end + window <= seconds ? "," : "");
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  if (server->Terminate() != 0) bench::Die("sccd did not stop cleanly");
  json += "  ]\n}\n";
  std::printf("%s", md.c_str());
  std::filesystem::create_directories(out);
  std::ofstream(out + "/soak.md") << md;
  std::ofstream(out + "/soak.json") << json;
  return 0;
}
