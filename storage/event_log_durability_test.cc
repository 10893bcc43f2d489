// Durability against a machine crash: a fault-injecting file system drops every byte that was
// not synced, as a power cut would. Everything acknowledged must survive it; a failing disk must
// give clear errors to writers while reads keep working.
#include <limits>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/fault_injection_fs.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using testing::FaultInjectionFs;
using testing::MakeEvents;
using testing::TempDir;
using testing::WritersUntilRefused;

// The injector really loses unsynced writes: an unsynced RocksDB write disappears, a synced one
// stays. Without this the test below would prove nothing.
TEST(FaultInjectionFsTest, LosesExactlyTheUnsyncedWrites) {
  TempDir dir;
  FaultInjectionFs fs;
  std::unique_ptr<rocksdb::Env> env = fs.NewEnv();
  rocksdb::Options options;
  options.create_if_missing = true;
  options.env = env.get();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.Sub("db"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    ASSERT_TRUE(db->Put(synced, "kept", "1").ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "lost", "2").ok());
    fs.SetActive(false);  // the power goes
    db->Close().PermitUncheckedError();
  }
  ASSERT_TRUE(fs.DropUnsyncedData().ok());
  fs.SetActive(true);
  rocksdb::DB* raw = nullptr;
  options.env = rocksdb::Env::Default();
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.Sub("db"), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), "kept", &value).ok());
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), "lost", &value).IsNotFound());
}

TEST(EventLogDurabilityTest, AcknowledgedAppendsSurvivePowerLoss) {
  TempDir dir;
  const std::string path = dir.Sub("log");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 rng(seed);
  std::vector<std::pair<std::string, AppendResult>> acked;  // request_id, result: all rounds

  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    FaultInjectionFs fs;
    std::unique_ptr<rocksdb::Env> env = fs.NewEnv();
    EventLogOptions options;
    options.env = env.get();
    auto log = EventLog::Open(path, options);
    ASSERT_TRUE(log.ok()) << log.status();

    WritersUntilRefused writers(**log, absl::StrCat("r", round, "-"));
    // Cut the power once a random number of appends were acknowledged.
    writers.AwaitAcknowledged(std::uniform_int_distribution<size_t>(1, 150)(rng));
    fs.SetActive(false);
    writers.Join();
    acked.insert(acked.end(), writers.acked().begin(), writers.acked().end());

    // Writers were told plainly; reads still work on the failing disk.
    ASSERT_EQ(writers.refused().size(), 8u);
    for (const auto& f : writers.refused()) {
      EXPECT_TRUE(absl::IsUnavailable(f.status)) << f.status;
    }
    auto page = (*log)->ReadAll(0, 10);
    EXPECT_TRUE(page.ok()) << page.status();
    auto refused = (*log)->Append("after", ExpectedVersion::Any(), MakeEvents(1), "");
    EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();

    log->reset();
    ASSERT_TRUE(fs.DropUnsyncedData().ok());

    // Reopen on the real file system: every acknowledged append is there, whole and in place.
    auto reopened = EventLog::Open(path);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    auto report = (*reopened)->Verify(0, std::numeric_limits<uint64_t>::max());
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << report->problem;
    for (const auto& [id, result] : acked) {
      auto events = (*reopened)->ReadAll(result.first_position, 2);
      ASSERT_TRUE(events.ok()) << events.status();
      ASSERT_EQ(events->events.size(), 2u) << id << " lost";
      EXPECT_EQ(events->events[0].request_id, id);
      EXPECT_EQ(events->events[1].request_id, id);
    }
  }
  std::printf("%d power cuts, %zu acknowledged appends checked\n", kRounds, acked.size());
}

TEST(EventLogDurabilityTest, WritingResumesOnceTheDiskWorksAgain) {
  TempDir dir;
  const std::string path = dir.Sub("log");
  FaultInjectionFs fs;
  std::unique_ptr<rocksdb::Env> env = fs.NewEnv();
  EventLogOptions options;
  options.env = env.get();
  auto log = EventLog::Open(path, options);
  ASSERT_TRUE(log.ok()) << log.status();

  // Writers until the disk fails under them; each remembers the request it was refused.
  WritersUntilRefused writers(**log, "w-");
  writers.AwaitAcknowledged(50);
  fs.SetActive(false);
  writers.Join();
  std::vector<std::pair<std::string, AppendResult>> acked = writers.acked();
  for (const auto& f : writers.refused()) EXPECT_TRUE(absl::IsUnavailable(f.status)) << f.status;
  // Still failing: refused, reads go on.
  EXPECT_TRUE(absl::IsUnavailable(
      (*log)->Append("later", ExpectedVersion::Any(), MakeEvents(1), "").status()));
  EXPECT_TRUE((*log)->ReadAll(0, 10).ok());

  // The disk works again: the log resumes (or reopens) its database and the next append goes
  // through, without the log being closed.
  fs.SetActive(true);
  auto resumed = (*log)->Append("later", ExpectedVersion::Any(), MakeEvents(1), "resumed");
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  // The refused appends were not acknowledged: a retry records each once (or finds it, if its
  // batch did reach the log before the fault).
  for (const auto& f : writers.refused()) {
    auto retried = (*log)->Append(f.stream, ExpectedVersion::Any(), MakeEvents(2), f.request_id);
    ASSERT_TRUE(retried.ok()) << f.request_id << ": " << retried.status();
    acked.emplace_back(f.request_id, *retried);
  }
  auto report = (*log)->Verify(0, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  log->reset();

  auto reopened = EventLog::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  for (const auto& [id, result] : acked) {
    auto events = (*reopened)->ReadAll(result.first_position, 2);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_EQ(events->events.size(), 2u) << id << " lost";
    EXPECT_EQ(events->events[0].request_id, id);
  }
  EXPECT_EQ((*reopened)->NextPosition(), 2 * acked.size() + 1);
}

}  // namespace
}  // namespace scc::storage
