// Closed-loop load for the side-by-side benchmark: `in_flight` operations are kept running for
// a fixed time; each completion starts the next. Latencies are kept per worker (no lock on the
// hot path) and merged at the end. Operations may be asynchronous (gRPC callbacks) or blocking
// (one thread per operation in flight: libpq, hiredis, RocksDB).
#ifndef SCC_TESTS_BENCH_LOAD_H_
#define SCC_TESTS_BENCH_LOAD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace scc::bench {

// What one cell of the table measured. `events` counts the events an operation durably
// recorded (a bulk call records many).
struct LoadResult {
  std::string system;
  std::string mode;  // "unary" or "bulk"
  int in_flight = 0;
  uint64_t operations = 0;
  uint64_t events = 0;
  uint64_t failed = 0;
  std::string first_error;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;
  // The server's CPU time (user + system, all threads) per event over the cell; 0 when not
  // measured (the peers: their CPU is in other processes or in the client).
  double server_cpu_us_per_event = 0;

  double events_per_second() const { return seconds > 0 ? events / seconds : 0; }
};

// Calls `done(events, error)` exactly once per operation, from any thread; `error` empty on
// success.
using Done = std::function<void(uint64_t events, const std::string& error)>;
// Starts operation number `seq` of worker `worker` (0 <= worker < in_flight).
using AsyncOperation = std::function<void(int worker, uint64_t seq, Done done)>;
// Runs one blocking operation; returns the events it recorded, or sets `error`.
using BlockingOperation = std::function<uint64_t(uint64_t seq, std::string* error)>;

// Keeps `in_flight` asynchronous operations running for `duration` and waits for the last.
LoadResult RunAsync(int in_flight, absl::Duration duration, const AsyncOperation& operation);

// One thread per operation in flight; `make_worker(w)` runs on worker w's thread and returns its
// operation (so a worker may own a connection).
LoadResult RunBlocking(int in_flight, absl::Duration duration,
                       const std::function<BlockingOperation(int worker)>& make_worker);

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_LOAD_H_
