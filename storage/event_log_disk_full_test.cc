// A full disk under a running log: on a small real file system (a tmpfs the test mounts; where
// mounting is refused, ENOSPC injected at every write stage) writers fill the volume. Every
// acknowledged append must stay readable, the rest are refused with RESOURCE_EXHAUSTED, reads go
// on, and once space returns the log writes again by itself, with no abort and nothing twice.
#include <limits>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using testing::MakeEvents;
using testing::SmallVolume;
using testing::WritersUntilRefused;

constexpr uint64_t kVolumeBytes = 32 << 20;
constexpr int kWriters = 8;

using Refused = WritersUntilRefused::Refused;

// `kWriters` writers append 2 KiB at a time until the volume is full and every one is refused
// (with injected ENOSPC the volume "fills" once 50 appends are in); what each got is returned.
void FillUnderWriters(EventLog& log, SmallVolume& volume,
                      std::vector<std::pair<std::string, AppendResult>>& acked,
                      std::vector<Refused>& refused) {
  WritersUntilRefused writers(log, "w", kWriters, 1024);
  writers.AwaitAcknowledged(50);
  if (!volume.mounted()) {
    ASSERT_TRUE(volume.Fill(0).ok());
  }
  writers.Join();
  acked = writers.acked();
  refused = writers.refused();
}

// Every acknowledged append is in `log` exactly where it was acknowledged, and the log holds
// nothing else: 2 events per append, the chain verifies.
void ExpectExactly(const EventLog& log,
                   const std::vector<std::pair<std::string, AppendResult>>& acked) {
  auto report = log.Verify(0, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  for (const auto& [id, result] : acked) {
    auto events = log.ReadAll(result.first_position, 2);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_EQ(events->events.size(), 2u) << id << " lost";
    EXPECT_EQ(events->events[0].request_id, id);
    EXPECT_EQ(events->events[1].request_id, id);
  }
  EXPECT_EQ(log.NextPosition(), 2 * acked.size());
}

// On a tmpfs, on a loop-mounted ext4 image, and with ENOSPC injected at every write stage (what
// the other two fall back to where mounting is refused, run here too so the fallback is known
// to work).
class EventLogDiskFullTest : public ::testing::TestWithParam<SmallVolume::Kind> {};

TEST_P(EventLogDiskFullTest, FullVolumeRefusesWritesKeepsReadsAndResumesByItself) {
  SmallVolume volume(kVolumeBytes, GetParam());
  const uint64_t free_before = volume.FreeBytes();
  std::printf("volume: %s, %llu bytes free before the log\n",
              volume.mounted() ? "mounted" : "ENOSPC injection",
              static_cast<unsigned long long>(free_before));
  EventLogOptions options;
  options.env = volume.env();
  auto log = EventLog::Open(volume.Sub("events"), options);
  ASSERT_TRUE(log.ok()) << log.status();
  const uint64_t free_after_open = volume.FreeBytes();
  std::printf("%llu bytes free after opening the log\n",
              static_cast<unsigned long long>(free_after_open));
  auto space = (*log)->Space();
  ASSERT_TRUE(space.ok()) << space.status();
  if (volume.mounted()) {
    // What the empty log takes of the volume stays small.
    EXPECT_GT(free_after_open, free_before - (4 << 20));
    EXPECT_LE(space->total_bytes, kVolumeBytes);
    EXPECT_GT(space->total_bytes, kVolumeBytes / 2);  // less the file system's own metadata
  }
  EXPECT_TRUE((*log)->WriteState().ok());

  // Leave 3 MiB, then let the writers fill it (the fallback fills it after 50 appends).
  if (volume.mounted()) {
    ASSERT_TRUE(volume.Fill(3 << 20).ok());
  }
  std::vector<std::pair<std::string, AppendResult>> acked;
  std::vector<Refused> refused;
  FillUnderWriters(**log, volume, acked, refused);
  std::printf("%zu appends acknowledged before the volume was full, %llu bytes free\n",
              acked.size(), static_cast<unsigned long long>(volume.FreeBytes()));
  ASSERT_EQ(refused.size(), static_cast<size_t>(kWriters));
  for (const Refused& r : refused) {
    EXPECT_TRUE(absl::IsResourceExhausted(r.status)) << r.status;
    EXPECT_TRUE(absl::StrContains(r.status.message(), "data volume is full")) << r.status;
  }

  // Still full (RocksDB gives back what the failed writes had reserved: take that too):
  // refused, said so, and every read is answered.
  if (volume.mounted()) {
    ASSERT_TRUE(volume.Fill(0).ok());
  }
  // An append that expects the stream's acknowledged version gets the full volume too, not a
  // version conflict with the failed appends.
  uint64_t s0_version = 0;
  for (const auto& [id, result] : acked) {
    if (absl::StartsWith(id, "w0-")) s0_version = std::max(s0_version, result.last_version);
  }
  auto again =
      (*log)->Append("s0", ExpectedVersion::Exact(s0_version), MakeEvents(2, 1024), "again");
  EXPECT_TRUE(absl::IsResourceExhausted(again.status())) << again.status();
  EXPECT_TRUE(absl::IsResourceExhausted((*log)->WriteState())) << (*log)->WriteState();
  auto page = (*log)->ReadAll(0, 100);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->events.size(), std::min<size_t>(100, 2 * acked.size()));
  auto stream = (*log)->ReadStream("s0", 0, ReadDirection::kForwards, 10);
  EXPECT_TRUE(stream.ok()) << stream.status();
  auto found = (*log)->FindRequest(acked.front().first);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->has_value());
  space = (*log)->Space();
  ASSERT_TRUE(space.ok()) << space.status();
  if (volume.mounted()) {
    // Nearly nothing (RocksDB may have deleted an obsolete write-ahead log file meanwhile).
    EXPECT_LT(space->free_bytes, kVolumeBytes / 10);
  }

  // Space returns: the log notices by itself, without an append asking it to.
  ASSERT_TRUE(volume.Free().ok());
  const absl::Time freed = absl::Now();
  const absl::Status writable = (*log)->AwaitWritable(freed + absl::Seconds(20));
  ASSERT_TRUE(writable.ok()) << writable;
  std::printf("writable again %.2f s after the space was freed\n",
              absl::ToDoubleSeconds(absl::Now() - freed));

  // The refused appends were never acknowledged: a retry records each exactly once.
  for (const Refused& r : refused) {
    auto retried = (*log)->Append(r.stream, ExpectedVersion::Any(), MakeEvents(2, 1024),
                                  r.request_id);
    ASSERT_TRUE(retried.ok()) << r.request_id << ": " << retried.status();
    acked.emplace_back(r.request_id, *retried);
  }
  // Whether a refused batch had reached the write-ahead log before the error is unknown; where
  // RocksDB cannot resume and the log reopens the database, such a batch is found by its
  // request id, like this one.
  auto landed = (*log)->FindRequest("again");
  ASSERT_TRUE(landed.ok()) << landed.status();
  if (landed->has_value()) acked.emplace_back("again", (*landed)->result);
  ExpectExactly(**log, acked);
  log->reset();

  // And all of it is durable: reopened, the log holds exactly the acknowledged appends.
  auto reopened = EventLog::Open(volume.Sub("events"), options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ExpectExactly(**reopened, acked);
}

// Closed while the volume is full (a server stopped or restarted then): no abort, and
// everything acknowledged is there once it opens again.
TEST_P(EventLogDiskFullTest, ClosingOnAFullVolumeLosesNothing) {
  SmallVolume volume(kVolumeBytes, GetParam());
  EventLogOptions options;
  options.env = volume.env();
  std::vector<std::pair<std::string, AppendResult>> acked;
  std::vector<Refused> refused;
  {
    auto log = EventLog::Open(volume.Sub("events"), options);
    ASSERT_TRUE(log.ok()) << log.status();
    if (volume.mounted()) {
      ASSERT_TRUE(volume.Fill(3 << 20).ok());
    }
    FillUnderWriters(**log, volume, acked, refused);
    for (const Refused& r : refused) {
      EXPECT_TRUE(absl::IsResourceExhausted(r.status)) << r.status;
    }
    if (volume.mounted()) {
      ASSERT_TRUE(volume.Fill(0).ok());
    }
  }
  // Opening on the full volume either serves what is there or says the volume is full.
  {
    auto log = EventLog::Open(volume.Sub("events"), options);
    std::printf("opening on the full volume: %s\n",
                log.ok() ? "opened" : log.status().ToString().c_str());
    if (log.ok()) {
      auto page = (*log)->ReadAll(0, 10);
      EXPECT_TRUE(page.ok()) << page.status();
    } else {
      EXPECT_TRUE(absl::IsResourceExhausted(log.status())) << log.status();
    }
  }
  ASSERT_TRUE(volume.Free().ok());
  auto log = EventLog::Open(volume.Sub("events"), options);
  ASSERT_TRUE(log.ok()) << log.status();
  // A refused batch that had reached the write-ahead log before the error is found by its
  // request id (docs/reliability.md); it is never half there.
  for (const Refused& r : refused) {
    auto landed = (*log)->FindRequest(r.request_id);
    ASSERT_TRUE(landed.ok()) << landed.status();
    if (landed->has_value()) acked.emplace_back(r.request_id, (*landed)->result);
  }
  ExpectExactly(**log, acked);
}

INSTANTIATE_TEST_SUITE_P(Volumes, EventLogDiskFullTest,
                         ::testing::Values(SmallVolume::Kind::kTmpfs,
                                           SmallVolume::Kind::kExt4Image,
                                           SmallVolume::Kind::kInjectedNoSpace),
                         [](const auto& info) -> std::string {
                           switch (info.param) {
                             case SmallVolume::Kind::kTmpfs: return "Tmpfs";
                             case SmallVolume::Kind::kExt4Image: return "Ext4Image";
                             case SmallVolume::Kind::kInjectedNoSpace: return "InjectedNoSpace";
                           }
                           return "";
                         });

}  // namespace
}  // namespace scc::storage
