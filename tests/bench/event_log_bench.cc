// Event log benchmark: durable appends/s and latency at several writer counts, side by side with
// raw RocksDB WriteBatch (sync=true) at the same concurrency in the same run, plus bytes on disk
// per event. Then the same log in PostgreSQL beside raw PostgreSQL (one INSERT with the version
// check per transaction), each on a server of its own started for the cell, fsync on. Prints a
// Markdown table and writes JSON and Markdown into --out.
//
// Usage: event_log_bench [--out DIR] [--seconds S] [--writers 1,16,64,256] [--payload BYTES]
//          [--no-raw] [--no-postgres]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/event_log.h"
#include "storage/record.h"
#include "storage/test_util.h"
#include "tests/bench/compacted.h"
#include "tests/bench/machine.h"
#include "tests/bench/peers.h"

namespace scc::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Config {
  std::string out = "bench-results";
  double seconds = 3;
  std::vector<int> writers = {1, 16, 64, 256};
  size_t payload = 300;
  bool raw = true;  // also measure raw RocksDB (--no-raw skips it, e.g. when profiling)
  bool postgres = true;  // also the log on PostgreSQL and raw PostgreSQL (--no-postgres)
};

constexpr char kRawSystem[] = "raw RocksDB WriteBatch sync";
constexpr char kLog[] = "scc event log";
constexpr char kPostgresLog[] = "scc event log on PostgreSQL";
constexpr char kRawPostgres[] = "raw PostgreSQL, an INSERT a transaction";

struct Cell {
  std::string system;
  int writers = 0;
  uint64_t ops = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// A payload that looks like an event body (field names, ids, dates), not random noise.
std::string Payload(size_t bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < bytes) {
    absl::StrAppend(&s, "{\"urn\":", 100000 + rng() % 900000, ",\"effective_date\":\"20",
                    20 + rng() % 10, "-0", 1 + rng() % 9, "-1", rng() % 10,
                    "\",\"actor\":\"officer-", rng() % 500, "\",\"note\":\"progress reviewed\"}");
  }
  s.resize(bytes);
  return s;
}

// Runs `op` on `writers` threads for `seconds`; op(thread, i) performs one durable append.
template <typename Op>
Cell Measure(const std::string& system, int writers, double seconds, Op op) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(writers);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const auto before = Clock::now();
        op(t, i);
        latencies[t].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - before).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the measured window
  stop = true;
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Cell cell{system, writers, all.size(), elapsed, all.size() / elapsed, 0, 0};
  if (!all.empty()) {
    cell.p50_us = all[all.size() / 2];
    cell.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return cell;
}

void Die(const std::string& what) {
  std::fprintf(stderr, "event_log_bench: %s\n", what.c_str());
  std::exit(1);
}

// The event log at `location` (a directory or a PostgreSQL URI), named `system` in the table.
Cell BenchEventLog(const Config& config, int writers, const std::string& system,
                   const std::string& location) {
  auto log = storage::EventLog::Open(location);
  if (!log.ok()) Die(log.status().ToString());
  if (absl::Status writable = (*log)->AwaitWritable(absl::Now() + absl::Seconds(30));
      !writable.ok()) {
    Die(writable.ToString());
  }
  const std::string payload = Payload(config.payload, writers);
  return Measure(system, writers, config.seconds, [&](int t, uint64_t i) {
    // Exact expected version and a request_id: the checks a real command pays for.
    const auto expected = i == 0 ? storage::ExpectedVersion::NoStream()
                                 : storage::ExpectedVersion::Exact(i - 1);
    auto r = (*log)->Append(absl::StrCat("institutions/", 100000 + t), expected,
                            {storage::EventData{"VisitRecorded", payload, ""}},
                            absl::StrCat("req-", t, "-", i));
    if (!r.ok()) Die(r.status().ToString());
  });
}

Cell BenchRawPostgres(const Config& config, int writers) {
  storage::testing::TempDir dir;
  auto peer = StartPostgres(dir.Sub("raw-postgres"), config.payload, writers);
  if (!peer.ok()) Die(peer.status().ToString());
  std::vector<std::unique_ptr<Appender>> appenders;
  for (int t = 0; t < writers; ++t) {
    auto appender = (*peer)->Connect(t);
    if (!appender.ok()) Die(appender.status().ToString());
    appenders.push_back(*std::move(appender));
  }
  return Measure(kRawPostgres, writers, config.seconds, [&](int t, uint64_t i) {
    auto r = appenders[t]->Append(i, 1);
    if (!r.ok()) Die(r.status().ToString());
  });
}

Cell BenchRawRocksDb(const Config& config, int writers) {
  storage::testing::TempDir dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir.Sub("raw"), &raw);
  if (!s.ok()) Die(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string payload = Payload(config.payload, writers);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  Cell cell = Measure(kRawSystem, writers, config.seconds,
                      [&](int t, uint64_t i) {
                        // The same two writes an append needs: the event and its index entry.
                        rocksdb::WriteBatch batch;
                        const std::string key = absl::StrCat("e/", t, "/", i);
                        batch.Put(key, payload);
                        batch.Put(absl::StrCat("i/", t, "/", i), key);
                        rocksdb::Status w = db->Write(sync, &batch);
                        if (!w.ok()) Die(w.ToString());
                      });
  return cell;
}

// Appends `events` events, then compacts every column family and counts SST bytes per event.
double BytesPerEvent(const Config& config, uint64_t events) {
  storage::testing::TempDir dir;
  const std::string path = dir.Sub("log");
  {
    auto log = storage::EventLog::Open(path);
    if (!log.ok()) Die(log.status().ToString());
    constexpr int kPerAppend = 100;
    for (uint64_t i = 0; i < events / kPerAppend; ++i) {
      std::vector<storage::EventData> batch;
      for (int k = 0; k < kPerAppend; ++k) {
        batch.push_back({"VisitRecorded", Payload(config.payload, i * kPerAppend + k), ""});
      }
      auto r = (*log)->Append(absl::StrCat("institutions/", 100000 + i % 1000),
                              storage::ExpectedVersion::Any(), std::move(batch),
                              absl::StrCat("bulk-", i));
      if (!r.ok()) Die(r.status().ToString());
    }
  }
  absl::StatusOr<uint64_t> bytes = CompactedLogBytes(path);
  if (!bytes.ok()) Die(bytes.status().ToString());
  return static_cast<double>(*bytes) / static_cast<double>(events);
}

Config ParseFlags(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-raw") {
      c.raw = false;
      continue;
    }
    if (flag == "--no-postgres") {
      c.postgres = false;
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      std::printf(
          "usage: event_log_bench [--out DIR] [--seconds S] [--writers 1,16,64,256] "
          "[--payload BYTES] [--no-raw] [--no-postgres]\n"
          "Durable appends/s and latency of the event log beside raw RocksDB sync WriteBatch.\n");
      std::exit(0);
    }
    if (i + 1 >= argc) Die(absl::StrCat(flag, " needs a value (see --help)"));
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--out") {
      c.out = value;
    } else if (flag == "--seconds") {
      ok = absl::SimpleAtod(value, &c.seconds) && c.seconds > 0;
    } else if (flag == "--payload") {
      ok = absl::SimpleAtoi(value, &c.payload) && c.payload > 0;
    } else if (flag == "--writers") {
      c.writers.clear();
      for (absl::string_view w : absl::StrSplit(value, ',')) {
        int n = 0;
        ok = ok && absl::SimpleAtoi(w, &n) && n > 0;
        c.writers.push_back(n);
      }
    } else {
      Die(absl::StrCat("unknown flag ", flag, " (see --help)"));
    }
    if (!ok) Die(absl::StrCat("bad value for ", flag, ": ", value));
  }
  return c;
}

int Main(int argc, char** argv) {
  const Config config = ParseFlags(argc, argv);
  std::vector<Cell> cells;
  for (int w : config.writers) {
    std::fprintf(stderr, "[bench] %d writer(s): event log...\n", w);
    {
      storage::testing::TempDir dir;
      cells.push_back(BenchEventLog(config, w, kLog, dir.Sub("log")));
    }
    if (config.raw) {
      std::fprintf(stderr, "[bench] %d writer(s): raw RocksDB...\n", w);
      cells.push_back(BenchRawRocksDb(config, w));
    }
  }
  for (int w : config.postgres ? config.writers : std::vector<int>{}) {
    std::fprintf(stderr, "[bench] %d writer(s): event log on PostgreSQL...\n", w);
    {
      storage::testing::TempDir dir;
      auto server = storage::testing::PostgresServer::Start(dir.Sub("postgres"));
      if (!server.ok()) Die(server.status().ToString());
      cells.push_back(BenchEventLog(config, w, kPostgresLog, (*server)->uri()));
    }
    std::fprintf(stderr, "[bench] %d writer(s): raw PostgreSQL...\n", w);
    cells.push_back(BenchRawPostgres(config, w));
  }
  std::fprintf(stderr, "[bench] bytes on disk per event...\n");
  constexpr uint64_t kDiskEvents = 200000;
  const double bytes_per_event = BytesPerEvent(config, kDiskEvents);

  const std::string machine = Machine();
  std::string md = absl::StrCat("# Event log benchmark\n\n", machine, "; ",
                                absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::Now(),
                                                 absl::UTCTimeZone()),
                                "; payload ", config.payload, " B, sync on, ", config.seconds,
                                " s per cell.\n\n",
                                "| system | writers | appends/s | p50 µs | p99 µs | vs raw |\n",
                                "|---|---:|---:|---:|---:|---:|\n");
  std::string json = absl::StrCat("{\n  \"machine\": \"", machine, "\",\n  \"payload_bytes\": ",
                                  config.payload, ",\n  \"seconds_per_cell\": ", config.seconds,
                                  ",\n  \"cells\": [\n");
  auto find = [&cells](const std::string& system, int writers) -> const Cell* {
    for (const Cell& c : cells) {
      if (c.system == system && c.writers == writers) return &c;
    }
    return nullptr;
  };
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& c = cells[i];
    const Cell* raw =
        find(c.system == kPostgresLog || c.system == kRawPostgres ? kRawPostgres : kRawSystem,
             c.writers);
    absl::StrAppendFormat(&md, "| %s | %d | %.0f | %.0f | %.0f | %s |\n", c.system, c.writers,
                          c.ops_per_sec, c.p50_us, c.p99_us,
                          raw ? absl::StrFormat("%.2f×", c.ops_per_sec / raw->ops_per_sec)
                              : std::string("—"));
    absl::StrAppendFormat(&json,
                          "    {\"system\": \"%s\", \"writers\": %d, \"ops\": %d, "
                          "\"ops_per_sec\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}%s\n",
                          c.system, c.writers, c.ops, c.ops_per_sec, c.p50_us, c.p99_us,
                          i + 1 < cells.size() ? "," : "");
  }
  std::string goals;
  const Cell* single = find(kLog, 1);
  const Cell* at64 = find(kLog, 64);
  const Cell* raw64 = find(kRawSystem, 64);
  if (at64 && raw64) {
    absl::StrAppendFormat(&goals, "- 64 writers vs raw RocksDB group commit: %.2f× (goal ≥ 0.9×)\n",
                          at64->ops_per_sec / raw64->ops_per_sec);
  }
  if (at64 && single) {
    absl::StrAppendFormat(&goals, "- 64 writers vs 1 writer: %.1f× (goal ≥ 8×)\n",
                          at64->ops_per_sec / single->ops_per_sec);
  }
  const Cell* pg64 = find(kPostgresLog, 64);
  const Cell* raw_pg64 = find(kRawPostgres, 64);
  if (pg64 && raw_pg64) {
    absl::StrAppendFormat(&goals,
                          "- on PostgreSQL, 64 writers vs raw PostgreSQL (an INSERT a "
                          "transaction): %.2f× (goal ≥ 1×: group commit shares transactions)\n",
                          pg64->ops_per_sec / raw_pg64->ops_per_sec);
  }
  absl::StrAppendFormat(&md, "\nBytes on disk per event (%d events, after compaction): %.0f\n\n%s\n",
                        kDiskEvents, bytes_per_event, goals);
  absl::StrAppendFormat(&json, "  ],\n  \"bytes_per_event\": %.1f\n}\n", bytes_per_event);

  std::printf("%s", md.c_str());
  std::error_code ec;
  fs::create_directories(config.out, ec);
  std::ofstream(fs::path(config.out) / "event_log.md") << md;
  std::ofstream(fs::path(config.out) / "event_log.json") << json;
  std::fprintf(stderr, "[bench] wrote %s/event_log.md and event_log.json\n", config.out.c_str());
  return 0;
}

}  // namespace
}  // namespace scc::bench

int main(int argc, char** argv) { return scc::bench::Main(argc, argv); }
