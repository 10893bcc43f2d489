// Projection benchmark: rebuild throughput (events/s) on generated SCC event logs, and query
// latency (p50/p99: Get, List with filters, as-of Get) in process, at two institution counts.
// Prints a Markdown table and writes JSON and Markdown into --out.
//
// Usage: projection_bench [--out DIR] [--events N] [--institutions 10000,100000] [--queries N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/projections/as_of.h"
#include "services/projections/institution_projection.h"
#include "services/projections/status.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"

namespace scc::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Config {
  std::string out = "bench-results";
  uint64_t events = 1000000;
  std::vector<int> institutions = {10000, 100000};
  int queries = 2000;
  std::string calendar = "deploy/term-calendar.txt";
};

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
};

template <typename Fn>
Latency Time(int n, Fn fn) {
  std::vector<double> us;
  us.reserve(n);
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    fn(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

struct Row {
  int institutions = 0;
  uint64_t events = 0;
  double rebuild_events_per_sec = 0;
  double open_ms = 0;
  Latency get, list, as_of_get;
};

Row Run(const Config& config, int institutions, const projections::TermCalendar& calendar) {
  storage::testing::TempDir dir;
  Row row;
  row.institutions = institutions;
  auto log = Must(storage::EventLog::Open(dir.Sub("events")));
  Generate(*log, institutions, config.events, 3);
  row.events = log->NextPosition();

  auto store = Must(storage::KvStore::Open(dir.Sub("projections")));
  std::fprintf(stderr, "[bench] rebuilding projections from %llu events...\n",
               static_cast<unsigned long long>(row.events));
  const auto start = Clock::now();
  absl::Status s = projections::InstitutionProjection::RebuildOffline(log.get(), store.get(), {},
                                                                      nullptr);
  if (!s.ok()) Die(s.ToString());
  row.rebuild_events_per_sec =
      row.events / std::chrono::duration<double>(Clock::now() - start).count();

  const auto opening = Clock::now();
  auto projection = Must(projections::InstitutionProjection::Open(log.get(), store.get(), {}));
  row.open_ms = std::chrono::duration<double, std::milli>(Clock::now() - opening).count();

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, institutions - 1);
  const absl::CivilDay today(2026, 11, 23);
  const projections::ObligationRules rules;
  row.get = Time(config.queries, [&](int) {
    auto state = projection->Get(absl::StrCat(100000 + pick(rng)));
    if (state == nullptr) Die("institution missing");
    v1::InstitutionStatus status = projections::BuildStatus(*state, today, calendar, rules);
    if (status.urn().empty()) Die("empty status");
  });
  // List: institutions causing concern with a given Lead Officer, first page of 50, as
  // ProjectionService does it.
  row.list = Time(std::max(20, config.queries / 50), [&](int i) {
    const std::string lo = absl::StrCat("lo-", i % 40);
    std::vector<projections::InstitutionProjection::StatePtr> page =
        projection->Select([&lo](const domain::InstitutionState& s) {
          return domain::IsCausingConcern(s.state()) &&
                 s.episode().lead_officer().lead_officer_id() == lo;
        });
    for (size_t k = 0; k < page.size() && k < 50; ++k) {
      projections::BuildStatus(*page[k], today, calendar, rules);
    }
  });
  projections::TimeFilter filter;
  filter.as_of = "2025-06-30";
  row.as_of_get = Time(config.queries / 4, [&](int) {
    auto state = Must(projections::FoldAsOf(*log, absl::StrCat(100000 + pick(rng)), filter));
    projections::BuildStatus(state, today, calendar, rules);
  });
  projection.reset();
  return row;
}

Config ParseFlags(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: projection_bench [--out DIR] [--events N] [--institutions A,B] "
                  "[--queries N] [--calendar FILE]\n");
      std::exit(0);
    }
    if (i + 1 >= argc) Die(absl::StrCat(flag, " needs a value"));
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--out") {
      c.out = value;
    } else if (flag == "--calendar") {
      c.calendar = value;
    } else if (flag == "--events") {
      ok = absl::SimpleAtoi(value, &c.events) && c.events > 0;
    } else if (flag == "--queries") {
      ok = absl::SimpleAtoi(value, &c.queries) && c.queries > 0;
    } else if (flag == "--institutions") {
      c.institutions.clear();
      for (absl::string_view v : absl::StrSplit(value, ',')) {
        int n = 0;
        ok = ok && absl::SimpleAtoi(v, &n) && n > 0;
        c.institutions.push_back(n);
      }
    } else {
      Die(absl::StrCat("unknown flag ", flag));
    }
    if (!ok) Die(absl::StrCat("bad value for ", flag, ": ", value));
  }
  return c;
}

}  // namespace
}  // namespace scc::bench

int main(int argc, char** argv) {
  using namespace scc::bench;  // NOLINT
  const Config config = ParseFlags(argc, argv);
  const auto calendar = Must(scc::projections::TermCalendar::Load(config.calendar));
  std::vector<Row> rows;
  for (int n : config.institutions) rows.push_back(Run(config, n, calendar));

  std::string md = absl::StrFormat(
      "# Projection benchmark\n\n%d cores; %llu generated events per run.\n\n"
      "| institutions | events | rebuild events/s | open ms | Get p50/p99 µs | List p50/p99 µs "
      "| as-of Get p50/p99 µs |\n|---:|---:|---:|---:|---:|---:|---:|\n",
      std::thread::hardware_concurrency(), static_cast<unsigned long long>(config.events));
  std::string json = "{\n  \"runs\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    absl::StrAppendFormat(&md, "| %d | %d | %.0f | %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |\n",
                          r.institutions, r.events, r.rebuild_events_per_sec, r.open_ms,
                          r.get.p50_us, r.get.p99_us, r.list.p50_us, r.list.p99_us,
                          r.as_of_get.p50_us, r.as_of_get.p99_us);
    absl::StrAppendFormat(
        &json,
        "    {\"institutions\": %d, \"events\": %d, \"rebuild_events_per_sec\": %.0f, "
        "\"open_ms\": %.1f, \"get_p50_us\": %.1f, \"get_p99_us\": %.1f, \"list_p50_us\": %.1f, "
        "\"list_p99_us\": %.1f, \"as_of_get_p50_us\": %.1f, \"as_of_get_p99_us\": %.1f}%s\n",
        r.institutions, r.events, r.rebuild_events_per_sec, r.open_ms, r.get.p50_us, r.get.p99_us,
        r.list.p50_us, r.list.p99_us, r.as_of_get.p50_us, r.as_of_get.p99_us,
        i + 1 < rows.size() ? "," : "");
  }
  json += "  ]\n}\n";
  md += "\nGoals: rebuild >= 200k events/s; Get p99 <= 1 ms in process; as-of Get <= 2 ms.\n";
  std::printf("%s", md.c_str());
  std::error_code ec;
  std::filesystem::create_directories(config.out, ec);
  std::ofstream(std::filesystem::path(config.out) / "projections.md") << md;
  std::ofstream(std::filesystem::path(config.out) / "projections.json") << json;
  return 0;
}
