// Many threads appending at once, against both homes: ordering, gaplessness and the
// subscription feed. Threads are
// joined and waited on; nothing here sleeps.
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "storage/subscription.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using testing::LogBackend;
using testing::LogHome;
using testing::MakeEvents;

// Against both homes of the log.
class EventLogConcurrencyTest : public ::testing::TestWithParam<LogBackend> {};
INSTANTIATE_TEST_SUITE_P(Backends, EventLogConcurrencyTest,
                         ::testing::Values(LogBackend::kRocksDb, LogBackend::kPostgres),
                         testing::LogBackendName());

struct Acked {
  std::string stream;
  std::string request_id;
  int count;
  AppendResult result;
};

TEST_P(EventLogConcurrencyTest, ManyWritersSharedAndSeparateStreams) {
  LogHome home(GetParam());
  absl::StatusOr<std::unique_ptr<EventLog>> opened = EventLog::Open(home.location());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventLog& log = **opened;

  constexpr int kThreads = 16;
  constexpr int kAppendsPerThread = 60;
  std::vector<std::vector<Acked>> acked(kThreads);
  std::atomic<uint64_t> total_events{0};

  // The subscriber starts before any write and must see every event exactly once, in order.
  std::unique_ptr<Subscription> sub = log.Subscribe(0);
  std::vector<RecordedEvent> seen;
  std::atomic<bool> writers_done{false};
  std::thread subscriber([&] {
    while (!writers_done.load() || seen.size() < total_events.load()) {
      absl::StatusOr<std::vector<RecordedEvent>> batch =
          sub->Next(64, absl::Now() + absl::Milliseconds(50));
      if (!batch.ok()) break;
      for (RecordedEvent& e : *batch) seen.push_back(std::move(e));
    }
  });

  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      const bool own_stream = t % 2 == 0;
      for (int i = 0; i < kAppendsPerThread; ++i) {
        const std::string stream =
            own_stream ? absl::StrCat("own-", t) : absl::StrCat("shared-", i % 4);
        const int count = 1 + (i % 3);
        const std::string request_id = absl::StrCat("t", t, "-", i);
        const ExpectedVersion expected =
            !own_stream ? ExpectedVersion::Any()
            : acked[t].empty() ? ExpectedVersion::NoStream()
                               : ExpectedVersion::Exact(acked[t].back().result.last_version);
        absl::StatusOr<AppendResult> r = log.Append(stream, expected, MakeEvents(count, 64),
                                                    request_id);
        ASSERT_TRUE(r.ok()) << r.status();
        acked[t].push_back(Acked{stream, request_id, count, *r});
        total_events += count;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  writers_done = true;
  subscriber.join();

  const uint64_t n = log.NextPosition();
  ASSERT_EQ(n, total_events.load());

  // Global positions: the acknowledged ranges tile [0, n) exactly.
  std::vector<int> owner(n, 0);
  std::map<std::string, std::set<uint64_t>> versions;
  for (const auto& per_thread : acked) {
    for (const Acked& a : per_thread) {
      ASSERT_EQ(a.result.last_position - a.result.first_position + 1,
                static_cast<uint64_t>(a.count));
      for (uint64_t p = a.result.first_position; p <= a.result.last_position; ++p) ++owner[p];
      for (uint64_t v = a.result.first_version; v <= a.result.last_version; ++v) {
        EXPECT_TRUE(versions[a.stream].insert(v).second) << a.stream << "@" << v << " twice";
      }
      // Every acknowledged append reads back at its position.
      absl::StatusOr<AllPage> page = log.ReadAll(a.result.first_position, a.count);
      ASSERT_TRUE(page.ok()) << page.status();
      ASSERT_EQ(page->events.size(), static_cast<size_t>(a.count));
      for (int k = 0; k < a.count; ++k) {
        EXPECT_EQ(page->events[k].stream, a.stream);
        EXPECT_EQ(page->events[k].version, a.result.first_version + k);
        EXPECT_EQ(page->events[k].request_id, a.request_id);
      }
    }
  }
  for (uint64_t p = 0; p < n; ++p) ASSERT_EQ(owner[p], 1) << "position " << p;
  // Per stream: versions gapless from 0.
  for (const auto& [stream, vs] : versions) {
    EXPECT_EQ(*vs.rbegin() + 1, vs.size()) << stream;
    EXPECT_EQ(*log.StreamVersion(stream), std::optional<uint64_t>(vs.size() - 1));
  }
  // The subscriber saw exactly the committed sequence.
  ASSERT_EQ(seen.size(), n);
  absl::StatusOr<AllPage> all = log.ReadAll(0, n);
  ASSERT_TRUE(all.ok());
  for (uint64_t p = 0; p < n; ++p) {
    EXPECT_EQ(seen[p].position, p);
    EXPECT_EQ(seen[p].hash, all->events[p].hash);
  }
  absl::StatusOr<VerifyReport> report = log.Verify(0, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->checked, n);
}

TEST_P(EventLogConcurrencyTest, RacingExactAppendsWinEachVersionOnce) {
  LogHome home(GetParam());
  absl::StatusOr<std::unique_ptr<EventLog>> opened = EventLog::Open(home.location());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventLog& log = **opened;
  ASSERT_TRUE(log.Append("contended", ExpectedVersion::NoStream(), MakeEvents(1), "").ok());

  constexpr int kThreads = 8;
  constexpr int kWinsWanted = 100;
  absl::Mutex mu;
  std::map<uint64_t, int> winner_of_version;
  std::atomic<int> conflicts{0};
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (wins.load() < kWinsWanted) {
        absl::StatusOr<std::optional<uint64_t>> current = log.StreamVersion("contended");
        ASSERT_TRUE(current.ok() && current->has_value());
        absl::StatusOr<AppendResult> r =
            log.Append("contended", ExpectedVersion::Exact(**current), MakeEvents(1), "");
        if (r.ok()) {
          ++wins;
          absl::MutexLock lock(&mu);
          EXPECT_TRUE(winner_of_version.emplace(r->first_version, t).second);
        } else {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const uint64_t last = **log.StreamVersion("contended");
  EXPECT_EQ(winner_of_version.size(), last);  // versions 1..last, each won exactly once
  EXPECT_EQ(log.NextPosition(), last + 1);
  EXPECT_EQ(winner_of_version.begin()->first, 1u);
  EXPECT_EQ(winner_of_version.rbegin()->first, last);
}

TEST_P(EventLogConcurrencyTest, ConcurrentRetriesOfOneRequestCommitOnce) {
  LogHome home(GetParam());
  absl::StatusOr<std::unique_ptr<EventLog>> opened = EventLog::Open(home.location());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventLog& log = **opened;

  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<AppendResult>> results(kThreads, absl::UnknownError("unset"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      results[t] = log.Append("s", ExpectedVersion::Any(), MakeEvents(3), "the-one-request");
    });
  }
  for (std::thread& t : threads) t.join();
  int originals = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    if (!r->replayed) ++originals;
    EXPECT_EQ(r->first_position, 0u);
    EXPECT_EQ(r->last_position, 2u);
  }
  EXPECT_EQ(originals, 1);
  EXPECT_EQ(log.NextPosition(), 3u);
}

}  // namespace
}  // namespace scc::storage
