// Semantics of EventLog, against both homes: a real RocksDB in a temporary directory and a real
// PostgreSQL (a schema of its own on the server the test run shares).
#include "storage/event_log.h"

#include <atomic>
#include <filesystem>
#include <limits>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/record.h"
#include "storage/subscription.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using ::testing::HasSubstr;
using testing::LogBackend;
using testing::LogHome;
using testing::MakeEvents;

constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();

// A log of one backend for each test; the test classes say which backend they get.
class LogTest : public ::testing::Test {
 protected:
  virtual LogBackend backend() const = 0;
  void SetUp() override {
    home_ = std::make_unique<LogHome>(backend());
    Reopen();
  }

  void Reopen(EventLogOptions options = {}) {
    log_.reset();
    absl::StatusOr<std::unique_ptr<EventLog>> opened = EventLog::Open(home_->location(), options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    log_ = *std::move(opened);
  }

  AppendResult MustAppend(const std::string& stream, int count,
                          ExpectedVersion expected = ExpectedVersion::Any(),
                          const std::string& request_id = "") {
    absl::StatusOr<AppendResult> r = log_->Append(stream, expected, MakeEvents(count), request_id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AppendResult{};
  }

  void ExpectNothingWritten(uint64_t next_position) {
    EXPECT_EQ(log_->NextPosition(), next_position);
    absl::StatusOr<VerifyReport> report = log_->Verify(0, kAll);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->ok) << report->problem;
  }

  std::unique_ptr<LogHome> home_;
  std::unique_ptr<EventLog> log_;
};

class EventLogTest : public LogTest, public ::testing::WithParamInterface<LogBackend> {
 protected:
  LogBackend backend() const override { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Backends, EventLogTest,
                         ::testing::Values(LogBackend::kRocksDb, LogBackend::kPostgres),
                         testing::LogBackendName());

TEST_P(EventLogTest, AssignsStreamVersionsAndGlobalPositions) {
  AppendResult a = MustAppend("s-a", 3);
  EXPECT_EQ(a.first_version, 0u);
  EXPECT_EQ(a.last_version, 2u);
  EXPECT_EQ(a.first_position, 0u);
  EXPECT_EQ(a.last_position, 2u);
  EXPECT_FALSE(a.replayed);
  AppendResult b = MustAppend("s-b", 2);
  EXPECT_EQ(b.first_version, 0u);
  EXPECT_EQ(b.first_position, 3u);
  AppendResult c = MustAppend("s-a", 1);
  EXPECT_EQ(c.first_version, 3u);
  EXPECT_EQ(c.first_position, 5u);
  EXPECT_EQ(log_->NextPosition(), 6u);
  EXPECT_EQ(*log_->StreamVersion("s-a"), std::optional<uint64_t>(3));
  EXPECT_EQ(*log_->StreamVersion("s-missing"), std::nullopt);
}

TEST_P(EventLogTest, CountsCommittedGroupsAppendsAndEvents) {
  MustAppend("a", 2);
  MustAppend("b", 3);
  const CommitStats stats = log_->Stats();
  EXPECT_EQ(stats.groups, 2u);  // one after the other: a group each
  EXPECT_EQ(stats.appends, 2u);
  EXPECT_EQ(stats.events, 5u);
  EXPECT_EQ(stats.failed_groups, 0u);
  EXPECT_EQ(stats.group_sizes[0], 2u);  // both groups held one append
  // RocksDB's properties; a log in PostgreSQL has none (the database reports on itself).
  EXPECT_EQ(log_->IntProperty("rocksdb.estimate-num-keys").has_value(),
            backend() == LogBackend::kRocksDb);
  EXPECT_FALSE(log_->IntProperty("rocksdb.no-such-property").has_value());
  Reopen();
  EXPECT_EQ(log_->Stats().groups, 0u);  // since this open
}

TEST_P(EventLogTest, ExpectedVersionKinds) {
  EXPECT_TRUE(log_->Append("s", ExpectedVersion::NoStream(), MakeEvents(1), "").ok());
  EXPECT_TRUE(log_->Append("s", ExpectedVersion::Exists(), MakeEvents(1), "").ok());
  EXPECT_TRUE(log_->Append("s", ExpectedVersion::Exact(1), MakeEvents(1), "").ok());
  EXPECT_TRUE(log_->Append("s", ExpectedVersion::Any(), MakeEvents(1), "").ok());
  EXPECT_TRUE(log_->Append("new", ExpectedVersion::Any(), MakeEvents(1), "").ok());
  EXPECT_EQ(log_->NextPosition(), 5u);
}

struct ConflictCase {
  std::string name;
  std::string stream;
  ExpectedVersion expected;
  std::optional<uint64_t> current;
  friend void PrintTo(const ConflictCase& c, std::ostream* os) { *os << c.name; }
};

class ConflictTest : public LogTest,
                     public ::testing::WithParamInterface<std::tuple<LogBackend, ConflictCase>> {
 protected:
  LogBackend backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(ConflictTest, RefusesWithCurrentVersionAndWritesNothing) {
  MustAppend("existing", 3);
  const ConflictCase& c = std::get<1>(GetParam());
  absl::StatusOr<AppendResult> r = log_->Append(c.stream, c.expected, MakeEvents(2), "req");
  ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("wrong expected version"));
  absl::StatusOr<std::optional<uint64_t>> current = ConflictCurrentVersion(r.status());
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(*current, c.current);
  ExpectNothingWritten(3);
  // A refused request_id is not remembered: the corrected retry goes through.
  EXPECT_TRUE(log_->Append(c.stream, ExpectedVersion::Any(), MakeEvents(2), "req").ok());
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, ConflictTest,
    ::testing::Combine(::testing::Values(LogBackend::kRocksDb, LogBackend::kPostgres),
    ::testing::Values(ConflictCase{"NoStreamOnExisting", "existing", ExpectedVersion::NoStream(), 2},
                      ConflictCase{"ExistsOnMissing", "missing", ExpectedVersion::Exists(),
                                   std::nullopt},
                      ConflictCase{"ExactTooLow", "existing", ExpectedVersion::Exact(1), 2},
                      ConflictCase{"ExactTooHigh", "existing", ExpectedVersion::Exact(9), 2},
                      ConflictCase{"ExactOnMissing", "missing", ExpectedVersion::Exact(0),
                                   std::nullopt})),
    [](const auto& info) {
      return std::get<1>(info.param).name +
             testing::LogBackendName::Name(std::get<0>(info.param));
    });

TEST_P(EventLogTest, ConflictCurrentVersionRejectsOtherStatuses) {
  EXPECT_FALSE(ConflictCurrentVersion(absl::AbortedError("plain")).ok());
  EXPECT_FALSE(ConflictCurrentVersion(absl::OkStatus()).ok());
}

TEST_P(EventLogTest, RetryWithSameRequestIdReturnsFirstResultAndWritesNothing) {
  AppendResult first = MustAppend("s", 2, ExpectedVersion::NoStream(), "req-1");
  MustAppend("other", 1);
  // The retry's expected version no longer holds, yet it is answered from the first result.
  absl::StatusOr<AppendResult> retry =
      log_->Append("s", ExpectedVersion::NoStream(), MakeEvents(2), "req-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->first_position, first.first_position);
  EXPECT_EQ(retry->last_version, first.last_version);
  EXPECT_EQ(retry->recorded_at, first.recorded_at);
  ExpectNothingWritten(3);
}

TEST_P(EventLogTest, RetryIsIdempotentAcrossReopen) {
  AppendResult first = MustAppend("s", 2, ExpectedVersion::Any(), "req-1");
  Reopen();
  absl::StatusOr<AppendResult> retry =
      log_->Append("s", ExpectedVersion::Any(), MakeEvents(2), "req-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->first_position, first.first_position);
  ExpectNothingWritten(2);
}

TEST_P(EventLogTest, FindRequestReturnsTheCommittedAppend) {
  AppendResult first = MustAppend("s", 2, ExpectedVersion::Any(), "req-1");
  auto found = log_->FindRequest("req-1");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->stream, "s");
  EXPECT_EQ((*found)->result.last_position, first.last_position);
  EXPECT_TRUE((*found)->result.replayed);
  EXPECT_FALSE(log_->FindRequest("req-unknown")->has_value());
  EXPECT_FALSE(log_->FindRequest("")->has_value());
}

// A caller looked a request id up and found nothing (LookUpRequest's mark); by the time its
// append is prepared, another append of that id may have committed. The log still finds it: in
// memory while it keeps it there, in storage once it has dropped it (kept = 0).
TEST_P(EventLogTest, AnAppendMarkedAbsentStillFindsTheSameRequestCommittedSince) {
  for (const size_t kept : {size_t{0}, EventLogOptions().requests_kept_in_memory}) {
    SCOPED_TRACE(absl::StrCat("kept in memory: ", kept));
    EventLogOptions options;
    options.requests_kept_in_memory = kept;
    Reopen(options);
    auto append_marked = [&](const std::string& stream, int events, const std::string& id,
                             uint64_t mark) {
      absl::Notification done;
      absl::StatusOr<AppendResult> outcome;
      EventLog::AppendRequest request{stream, ExpectedVersion::Any(), MakeEvents(events), id,
                                      [&](absl::StatusOr<AppendResult> r) {
                                        outcome = std::move(r);
                                        done.Notify();
                                      }};
      request.absent_mark = mark;
      std::vector<EventLog::AppendRequest> appends;
      appends.push_back(std::move(request));
      log_->AppendAllAsync(std::move(appends));
      done.WaitForNotification();
      return outcome;
    };
    const std::string id = absl::StrCat("raced-", kept);
    uint64_t mark = 0;
    absl::StatusOr<std::optional<EventLog::PriorAppend>> before = log_->LookUpRequest(id, &mark);
    ASSERT_TRUE(before.ok()) << before.status();
    ASSERT_FALSE(before->has_value());
    if (backend() == LogBackend::kRocksDb) EXPECT_GT(mark, 0u);

    const AppendResult first = MustAppend("s", 2, ExpectedVersion::Any(), id);  // got in first
    MustAppend("t", 1, ExpectedVersion::Any(), absl::StrCat("later-", kept));  // a later group
    absl::StatusOr<AppendResult> same = append_marked("s", 2, id, mark);
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_TRUE(same->replayed);
    EXPECT_EQ(same->first_position, first.first_position);
    EXPECT_TRUE(absl::IsAlreadyExists(append_marked("s", 3, id, mark).status()));

    // A new id, looked up and then appended with its mark, is recorded once.
    const std::string fresh = absl::StrCat("fresh-", kept);
    uint64_t fresh_mark = 0;
    ASSERT_TRUE(log_->LookUpRequest(fresh, &fresh_mark).ok());
    absl::StatusOr<AppendResult> recorded = append_marked("s", 1, fresh, fresh_mark);
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    EXPECT_FALSE(recorded->replayed);
    absl::StatusOr<AppendResult> again = append_marked("s", 1, fresh, fresh_mark);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->first_position, recorded->first_position);
  }
}

TEST_P(EventLogTest, SameRequestIdWithDifferentContentIsRefused) {
  MustAppend("s", 2, ExpectedVersion::Any(), "req-1");
  absl::StatusOr<AppendResult> other_stream =
      log_->Append("t", ExpectedVersion::Any(), MakeEvents(2), "req-1");
  EXPECT_EQ(other_stream.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(other_stream.status().message()), HasSubstr("req-1"));
  absl::StatusOr<AppendResult> other_events =
      log_->Append("s", ExpectedVersion::Any(), MakeEvents(3), "req-1");
  EXPECT_EQ(other_events.status().code(), absl::StatusCode::kAlreadyExists);
  ExpectNothingWritten(2);
}

struct BadAppend {
  std::string name;
  std::string stream;
  std::vector<EventData> events;
  std::string request_id;
  std::string field;  // the error message must name it
  friend void PrintTo(const BadAppend& b, std::ostream* os) { *os << b.name; }
};

class BadArgumentTest : public LogTest,
                        public ::testing::WithParamInterface<std::tuple<LogBackend, BadAppend>> {
 protected:
  LogBackend backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(BadArgumentTest, RefusedWithFieldNameAndNothingWritten) {
  MustAppend("s", 1);
  const BadAppend& b = std::get<1>(GetParam());
  absl::StatusOr<AppendResult> r =
      log_->Append(b.stream, ExpectedVersion::Any(), b.events, b.request_id);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(b.field));
  ExpectNothingWritten(1);
}

std::vector<EventData> EventWithPayload(size_t bytes) {
  return {EventData{"T", std::string(bytes, 'p'), ""}};
}

INSTANTIATE_TEST_SUITE_P(
    Limits, BadArgumentTest,
    ::testing::Combine(::testing::Values(LogBackend::kRocksDb, LogBackend::kPostgres),
    ::testing::Values(
        BadAppend{"EmptyStream", "", MakeEvents(1), "", "stream"},
        BadAppend{"NulInStream", std::string("a\0b", 3), MakeEvents(1), "", "stream"},
        BadAppend{"LongStream", std::string(257, 's'), MakeEvents(1), "", "stream"},
        BadAppend{"EmptyBatch", "s", {}, "", "events"},
        BadAppend{"TooManyEvents", "s", MakeEvents(1001, 1), "", "events"},
        BadAppend{"OversizedEvent", "s", EventWithPayload((1 << 20) + 1), "", "events[0]"},
        BadAppend{"EmptyType", "s", {EventData{"", "d", ""}}, "", "events[0].type"},
        BadAppend{"LongType", "s", {EventData{std::string(300, 't'), "d", ""}}, "",
                  "events[0].type"},
        BadAppend{"LongRequestId", "s", MakeEvents(1), std::string(129, 'r'), "request_id"})),
    [](const auto& info) {
      return std::get<1>(info.param).name +
             testing::LogBackendName::Name(std::get<0>(info.param));
    });

TEST_P(EventLogTest, OversizedAppendIsRefused) {
  std::vector<EventData> events;
  for (int i = 0; i < 9; ++i) events.push_back(EventData{"T", std::string(1 << 20, 'x'), ""});
  // Each event is too big by itself; make them fit individually but not together.
  for (auto& e : events) e.data.resize((1 << 20) - 10);
  absl::StatusOr<AppendResult> r = log_->Append("s", ExpectedVersion::Any(), events, "");
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("in one append"));
  ExpectNothingWritten(0);
}

TEST_P(EventLogTest, ReadsStreamForwardsAndBackwardsInPages) {
  MustAppend("s", 4);
  MustAppend("other", 2);
  MustAppend("s", 3);

  absl::StatusOr<StreamPage> page = log_->ReadStream("s", 0, ReadDirection::kForwards, 5);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 5u);
  for (uint64_t v = 0; v < 5; ++v) EXPECT_EQ(page->events[v].version, v);
  EXPECT_EQ(page->events[4].position, 6u);  // after the two events of "other"
  EXPECT_EQ(page->next_version, std::optional<uint64_t>(5));
  page = log_->ReadStream("s", 5, ReadDirection::kForwards, 5);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->next_version, std::nullopt);

  page = log_->ReadStream("s", kAll, ReadDirection::kBackwards, 4);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->events[0].version, 6u);
  EXPECT_EQ(page->events[3].version, 3u);
  EXPECT_EQ(page->next_version, std::optional<uint64_t>(2));
  page = log_->ReadStream("s", 2, ReadDirection::kBackwards, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->next_version, std::nullopt);

  page = log_->ReadStream("s", 100, ReadDirection::kForwards, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
  EXPECT_EQ(log_->ReadStream("nope", 0, ReadDirection::kForwards, 10).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(log_->ReadStream("s", 0, ReadDirection::kForwards, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(EventLogTest, ReadsGlobalLogInPagesWithContent) {
  MustAppend("a", 3, ExpectedVersion::Any(), "r1");
  MustAppend("b", 2);
  absl::StatusOr<AllPage> page = log_->ReadAll(0, 4);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_FALSE(page->end);
  EXPECT_EQ(page->next_position, 4u);
  const RecordedEvent& e = page->events[1];
  EXPECT_EQ(e.stream, "a");
  EXPECT_EQ(e.version, 1u);
  EXPECT_EQ(e.type, "TestEvent");
  EXPECT_EQ(e.request_id, "r1");
  EXPECT_EQ(e.metadata, "meta-1");
  EXPECT_THAT(e.data, ::testing::StartsWith("event-1:"));
  EXPECT_EQ(e.hash.size(), kHashSize);
  page = log_->ReadAll(4, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 1u);
  EXPECT_TRUE(page->end);
  page = log_->ReadAll(99, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
}

TEST_P(EventLogTest, ScanSeesEveryRecordInPlaceAndStopsOnError) {
  MustAppend("a", 3, ExpectedVersion::Any(), "r1");
  MustAppend("b", 2);
  absl::StatusOr<AllPage> all = log_->ReadAll(0, 100);
  ASSERT_TRUE(all.ok());
  std::vector<RecordedEvent> seen;
  ASSERT_TRUE(log_->Scan(1, 100, [&](const RecordView& v) {
                    seen.push_back(v.Copy());
                    return absl::OkStatus();
                  }).ok());
  ASSERT_EQ(seen.size(), 4u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].position, i + 1);
    EXPECT_EQ(seen[i].data, all->events[i + 1].data);
    EXPECT_EQ(seen[i].hash, all->events[i + 1].hash);
    EXPECT_EQ(seen[i].recorded_at, all->events[i + 1].recorded_at);
  }
  int calls = 0;
  const absl::Status stopped = log_->Scan(0, 100, [&](const RecordView&) {
    return ++calls == 2 ? absl::CancelledError("enough") : absl::OkStatus();
  });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 2);
}

TEST_P(EventLogTest, ReadCountIsCappedByOption) {
  EventLogOptions options;
  options.max_read_count = 3;
  Reopen(options);
  MustAppend("s", 10);
  EXPECT_EQ(log_->ReadAll(0, 100)->events.size(), 3u);
  EXPECT_EQ(log_->ReadStream("s", 0, ReadDirection::kForwards, 100)->events.size(), 3u);
}

TEST_P(EventLogTest, ReopenPreservesEverythingAndContinuesTheChain) {
  MustAppend("s", 3);
  const std::string head = log_->HeadHash();
  Reopen();
  EXPECT_EQ(log_->NextPosition(), 3u);
  EXPECT_EQ(log_->HeadHash(), head);
  AppendResult next = MustAppend("s", 1, ExpectedVersion::Exact(2));
  EXPECT_EQ(next.first_position, 3u);
  EXPECT_EQ(next.first_version, 3u);
  ExpectNothingWritten(4);
}

TEST_P(EventLogTest, RecordedAtNeverGoesBackwards) {
  absl::Time now = absl::FromUnixSeconds(2000000000);
  EventLogOptions options;
  options.clock = [&now] { return now; };
  Reopen(options);
  AppendResult a = MustAppend("s", 1);
  EXPECT_EQ(a.recorded_at, now);
  now -= absl::Hours(1);  // the wall clock steps back
  AppendResult b = MustAppend("s", 1);
  EXPECT_EQ(b.recorded_at, a.recorded_at);
  ExpectNothingWritten(2);
}

TEST_P(EventLogTest, ASecondOpenOfTheSameLogNeverWritesBesideTheFirst) {
  MustAppend("s", 2);
  EventLogOptions named;
  named.node_name = "second-node";
  named.writer_lease_retry = absl::Milliseconds(50);
  absl::StatusOr<std::unique_ptr<EventLog>> second = EventLog::Open(home_->location(), named);
  if (backend() == LogBackend::kRocksDb) {
    // One process per directory.
    EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use"));
    return;
  }
  // On a shared database the second is a follower: it reads, and refuses appends naming the
  // writer, until the writer is gone; then it takes the role and continues the same chain.
  ASSERT_TRUE(second.ok()) << second.status();
  EventLog& follower = **second;
  EXPECT_FALSE(follower.Role().writer);
  absl::StatusOr<AppendResult> refused =
      follower.Append("s", ExpectedVersion::Any(), MakeEvents(1), "from-the-follower");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("holds the writer role"));
  ASSERT_TRUE(follower.WaitForPosition(1, absl::Now() + absl::Seconds(10)).ok());
  absl::StatusOr<StreamPage> read = follower.ReadStream("s", 0, ReadDirection::kForwards, 10);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->events.size(), 2u);

  MustAppend("s", 1);  // the writer goes on; the follower sees it
  EXPECT_TRUE(follower.WaitForPosition(2, absl::Now() + absl::Seconds(10)).ok());
  log_.reset();  // the writer closes: its session, and the lock, go
  ASSERT_TRUE(follower.AwaitWritable(absl::Now() + absl::Seconds(30)).ok())
      << follower.WriteState();
  EXPECT_EQ(follower.Role().holder, "second-node");
  absl::StatusOr<AppendResult> taken_over =
      follower.Append("s", ExpectedVersion::Exact(2), MakeEvents(1), "from-the-follower");
  ASSERT_TRUE(taken_over.ok()) << taken_over.status();
  EXPECT_EQ(taken_over->first_position, 3u);
  absl::StatusOr<VerifyReport> report = follower.Verify(0, kAll);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->checked, 4u);
}

TEST_P(EventLogTest, SubscriptionCatchesUpThenReceivesLiveEvents) {
  MustAppend("s", 3);
  std::unique_ptr<Subscription> sub = log_->Subscribe(1);
  absl::StatusOr<std::vector<RecordedEvent>> got = sub->Next(10, absl::InfiniteFuture());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].position, 1u);
  EXPECT_EQ(sub->position(), 3u);

  // Nothing new: a short deadline returns an empty batch.
  got = sub->Next(10, absl::Now() + absl::Milliseconds(20));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());

  // A live append wakes a blocked Next.
  std::thread writer([this] { MustAppend("t", 2); });
  got = sub->Next(10, absl::InfiniteFuture());
  writer.join();
  ASSERT_TRUE(got.ok());
  ASSERT_FALSE(got->empty());
  EXPECT_EQ((*got)[0].position, 3u);
  EXPECT_EQ((*got)[0].stream, "t");
}

TEST_P(EventLogTest, CancelWakesABlockedSubscription) {
  std::unique_ptr<Subscription> sub = log_->Subscribe(0);
  std::thread canceller([&sub] { sub->Cancel(); });
  absl::StatusOr<std::vector<RecordedEvent>> got = sub->Next(10, absl::InfiniteFuture());
  canceller.join();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(sub->Next(10, absl::InfiniteFuture()).status().code(), absl::StatusCode::kCancelled);
}

TEST_P(EventLogTest, CancelStopsASubscriptionThatHasABacklog) {
  MustAppend("s", 5);
  std::unique_ptr<Subscription> sub = log_->Subscribe(0);
  absl::StatusOr<std::vector<RecordedEvent>> got = sub->Next(2, absl::InfiniteFuture());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  sub->Cancel();
  // Three events are still waiting; a cancelled subscription delivers none of them.
  got = sub->Next(2, absl::InfiniteFuture());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(sub->position(), 2u);
  std::atomic<bool> cancelled{true};
  EXPECT_EQ(log_->WaitForPosition(0, absl::InfiniteFuture(), &cancelled).code(),
            absl::StatusCode::kCancelled);
}

TEST_P(EventLogTest, VerifyOfARangeReportsTheHashOfItsLastRecord) {
  MustAppend("s", 5);
  absl::StatusOr<AllPage> all = log_->ReadAll(0, 10);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->events.size(), 5u);

  absl::StatusOr<VerifyReport> range = log_->Verify(1, 3);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_TRUE(range->ok) << range->problem;
  EXPECT_EQ(range->checked, 2u);
  EXPECT_EQ(range->last_hash, all->events[2].hash);  // position 2, not the head
  EXPECT_NE(range->last_hash, log_->HeadHash());

  absl::StatusOr<VerifyReport> whole = log_->Verify(0, kAll);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->last_hash, log_->HeadHash());

  absl::StatusOr<VerifyReport> empty = log_->Verify(0, 0);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->last_hash, GenesisHash());
}

TEST_P(EventLogTest, BackupAndRestore) {
  MustAppend("s", 3);
  ASSERT_TRUE(log_->Backup(home_->Dir("backup")).ok());
  MustAppend("s", 2);  // after the backup: not in it
  EXPECT_EQ(log_->Backup(home_->Dir("backup")).code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(EventLog::Restore(home_->Dir("backup"), home_->Dir("restored")).ok());
  absl::StatusOr<std::unique_ptr<EventLog>> restored = EventLog::Open(home_->Dir("restored"));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)->NextPosition(), 3u);
  EXPECT_EQ(*(*restored)->StreamVersion("s"), std::optional<uint64_t>(2));
  // The restored log accepts appends with the right versions.
  absl::StatusOr<AppendResult> r =
      (*restored)->Append("s", ExpectedVersion::Exact(2), MakeEvents(1), "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_position, 3u);

  EXPECT_EQ(EventLog::Restore(home_->Dir("backup"), home_->Dir("restored")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(EventLog::Restore(home_->Dir("no-such-backup"), home_->Dir("x")).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(EventLogTest, AppendAsyncReportsArgumentErrorsAtOnce) {
  absl::StatusOr<AppendResult> got = AppendResult{};
  bool called = false;
  log_->AppendAsync("", ExpectedVersion::Any(), MakeEvents(1), "",
                    [&](absl::StatusOr<AppendResult> r) {
                      got = std::move(r);
                      called = true;
                    });
  EXPECT_TRUE(called);  // argument errors are answered on the calling thread
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scc::storage
