#include "tests/bench/load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace scc::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Worker {
  std::vector<double> latencies_ms;
  uint64_t operations = 0, events = 0, failed = 0;
  std::string first_error;
  Clock::time_point started;

  void Finish(uint64_t recorded, const std::string& error) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    ++operations;
    if (error.empty()) {
      events += recorded;
      latencies_ms.push_back(ms);
    } else {
      ++failed;
      if (first_error.empty()) first_error = error;
    }
  }
};

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))];
}

LoadResult Merge(int in_flight, const std::vector<std::unique_ptr<Worker>>& workers,
                 double seconds) {
  LoadResult result;
  result.in_flight = in_flight;
  result.seconds = seconds;
  std::vector<double> all;
  for (const auto& w : workers) {
    result.operations += w->operations;
    result.events += w->events;
    result.failed += w->failed;
    if (result.first_error.empty()) result.first_error = w->first_error;
    all.insert(all.end(), w->latencies_ms.begin(), w->latencies_ms.end());
  }
  std::sort(all.begin(), all.end());
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  result.p999_ms = Percentile(all, 0.999);
  return result;
}

std::vector<std::unique_ptr<Worker>> Workers(int n) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>());
  return workers;
}

}  // namespace

LoadResult RunAsync(int in_flight, absl::Duration duration, const AsyncOperation& operation) {
  std::vector<std::unique_ptr<Worker>> workers = Workers(in_flight);
  const Clock::time_point begin = Clock::now();
  const Clock::time_point end = begin + absl::ToChronoNanoseconds(duration);
  absl::Mutex mu;
  int running = in_flight;
  Clock::time_point last_done = begin;

  // Each worker is a chain: an operation's completion records it and starts the next, until the
  // time is up.
  std::function<void(int, uint64_t)> start = [&](int w, uint64_t seq) {
    workers[w]->started = Clock::now();
    operation(w, seq, [&, w, seq](uint64_t events, const std::string& error) {
      workers[w]->Finish(events, error);
      if (Clock::now() < end) return start(w, seq + 1);
      absl::MutexLock lock(&mu);
      last_done = std::max(last_done, Clock::now());
      --running;
    });
  };
  for (int w = 0; w < in_flight; ++w) start(w, 0);
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(+[](int* n) { return *n == 0; }, &running));
  }
  return Merge(in_flight, workers, std::chrono::duration<double>(last_done - begin).count());
}

LoadResult RunBlocking(int in_flight, absl::Duration duration,
                       const std::function<BlockingOperation(int worker)>& make_worker) {
  std::vector<std::unique_ptr<Worker>> workers = Workers(in_flight);
  absl::Mutex mu;
  int ready = 0;
  bool go = false;
  Clock::time_point end;  // set, with `go`, once every worker is ready
  std::vector<std::thread> threads;
  for (int w = 0; w < in_flight; ++w) {
    threads.emplace_back([&, w] {
      BlockingOperation operation = make_worker(w);
      {
        absl::MutexLock lock(&mu);
        ++ready;
        mu.Await(absl::Condition(&go));
      }
      Worker& worker = *workers[w];
      for (uint64_t seq = 0; Clock::now() < end; ++seq) {
        worker.started = Clock::now();
        std::string error;
        const uint64_t events = operation(seq, &error);
        worker.Finish(events, error);
      }
    });
  }
  Clock::time_point begin;
  {
    absl::MutexLock lock(&mu);
    auto all_ready = [&]() { return ready == in_flight; };
    mu.Await(absl::Condition(&all_ready));
    begin = Clock::now();
    end = begin + absl::ToChronoNanoseconds(duration);
    go = true;
  }
  for (std::thread& t : threads) t.join();
  return Merge(in_flight, workers,
               std::chrono::duration<double>(Clock::now() - begin).count());
}

}  // namespace scc::bench
