// The read path with the read audit off and on, side by side in one run on this machine: two
// real sccd processes with the same institutions, one started with --read-audit-days 0, each
// read by the same closed-loop load of GetHistory and GetInstitution calls at several
// concurrencies. The cost of recording each view is the difference between the columns.
//
// Prints a Markdown table, writes bench-results/read_audit.{md,json}. `make bench` runs it.
// Usage: read_audit_bench [--out DIR] [--seconds 5] [--institutions 200]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cpp/scc_client.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/bench/load.h"
#include "tests/bench/machine.h"
#include "tests/integration/sccd_process.h"

namespace {

using namespace scc;  // NOLINT
using bench::LoadResult;

struct Options {
  std::string out = "bench-results";
  int seconds = 5;
  int institutions = 200;
};

std::string Urn(int i) { return absl::StrCat(300000 + i); }

// Registers and designates the institutions, each with a few events of history.
void Load(testing::SccdProcess& server, int institutions) {
  client::SccClient hosi(server.channel(), testing::kHosiToken);
  namespace t = domain::testing;
  int request = 0;
  for (int i = 0; i < institutions; ++i) {
    for (const auto& [payload, date] : std::vector<std::pair<v1::EventPayload, const char*>>{
             {t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01"},
             {t::RaiseConcern(), "2024-09-20"},
             {t::Designate(), "2024-10-01"}}) {
      v1::CommandContext context;
      context.set_urn(Urn(i));
      context.set_request_id(absl::StrCat("load-", ++request));
      context.set_effective_date(date);
      context.set_reason("benchmark");
      v1::CommandResult result;
      const grpc::Status s = hosi.Send(context, payload, &result);
      if (!s.ok()) {
        std::fprintf(stderr, "read_audit_bench: loading failed: %s\n", s.error_message().c_str());
        std::exit(1);
      }
    }
  }
}

// `in_flight` workers, each with its own channel, reading institutions in turn.
LoadResult Reads(testing::SccdProcess& server, const std::string& rpc, int in_flight,
                 int institutions, absl::Duration duration) {
  return bench::RunBlocking(in_flight, duration, [&](int w) -> bench::BlockingOperation {
    auto client = std::make_shared<client::SccClient>(
        grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()),
        testing::kAuditorToken);
    return [client, rpc, w, in_flight, institutions](uint64_t seq, std::string* error) -> uint64_t {
      const std::string urn = Urn(static_cast<int>((w + seq * in_flight) % institutions));
      grpc::Status s;
      if (rpc == "GetHistory") {
        v1::GetHistoryRequest request;
        request.set_urn(urn);
        v1::GetHistoryResponse response;
        s = client->audit().GetHistory(client->NewContext().get(), request, &response);
      } else {
        v1::GetInstitutionRequest request;
        request.set_urn(urn);
        v1::InstitutionStatus response;
        s = client->projections().GetInstitution(client->NewContext().get(), request, &response);
      }
      if (!s.ok()) *error = s.error_message();
      return s.ok() ? 1 : 0;
    };
  });
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--out") o.out = argv[i + 1];
    else if (flag == "--seconds" && absl::SimpleAtoi(argv[i + 1], &o.seconds)) continue;
    else if (flag == "--institutions" && absl::SimpleAtoi(argv[i + 1], &o.institutions)) continue;
    else {
      std::fprintf(stderr, "usage: read_audit_bench [--out DIR] [--seconds 5] [--institutions 200]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  storage::testing::TempDir dir;
  auto off = testing::SccdProcess::Start(
      dir.Sub("off"), testing::SccdProcess::Options{.extra_args = {"--read-audit-days", "0"}});
  auto on = testing::SccdProcess::Start(dir.Sub("on"));
  if (!off.ok() || !on.ok()) {
    std::fprintf(stderr, "read_audit_bench: sccd did not start: %s\n",
                 (!off.ok() ? off.status() : on.status()).ToString().c_str());
    return 1;
  }
  Load(**off, options.institutions);
  Load(**on, options.institutions);
  const absl::Duration duration = absl::Seconds(options.seconds);
  std::string md = absl::StrCat(
      "# The read path with the read audit off and on\n\n", bench::Machine(), "\n\n",
      "| read | in flight | audit off: reads/s | p50 ms | p99 ms | audit on: reads/s | p50 ms | "
      "p99 ms | cost (throughput) |\n|---|---|---|---|---|---|---|---|---|\n");
  std::string json = "[\n";
  bool first = true;
  for (const std::string rpc : {"GetInstitution", "GetHistory"}) {
    for (int in_flight : {1, 16, 64}) {
      const LoadResult a = Reads(**off, rpc, in_flight, options.institutions, duration);
      const LoadResult b = Reads(**on, rpc, in_flight, options.institutions, duration);
      const double cost = a.events_per_second() > 0
                              ? 100.0 * (1 - b.events_per_second() / a.events_per_second())
                              : 0;
      absl::StrAppendFormat(&md, "| %s | %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.1f%% |\n",
                            rpc, in_flight, a.events_per_second(), a.p50_ms, a.p99_ms,
                            b.events_per_second(), b.p50_ms, b.p99_ms, cost);
      absl::StrAppendFormat(
          &json,
          "%s  {\"read\": \"%s\", \"in_flight\": %d, \"off_per_s\": %.1f, \"off_p99_ms\": %.3f, "
          "\"on_per_s\": %.1f, \"on_p99_ms\": %.3f, \"failed\": %d}",
          first ? "" : ",\n", rpc, in_flight, a.events_per_second(), a.p99_ms,
          b.events_per_second(), b.p99_ms, a.failed + b.failed);
      first = false;
      std::fprintf(stderr, "[bench] %s x%d: off %.0f/s, on %.0f/s\n", rpc.c_str(), in_flight,
                   a.events_per_second(), b.events_per_second());
    }
  }
  json += "\n]\n";
  std::printf("%s", md.c_str());
  std::filesystem::create_directories(options.out);
  std::ofstream(options.out + "/read_audit.md") << md;
  std::ofstream(options.out + "/read_audit.json") << json;
  return 0;
}
