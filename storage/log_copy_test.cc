// Copying a log from a directory to PostgreSQL and back: every record, section, erasure and
// stored request arrives, both sides verify, and the copy continues the chain.
#include "storage/log_copy.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using ::testing::HasSubstr;
using testing::LogBackend;
using testing::LogHome;
using testing::MakeEvents;

TEST(LogCopyTest, ADirectoryLogMovesToPostgresAndBackWithItsChainAndRequests) {
  LogHome disk(LogBackend::kRocksDb);
  LogHome database(LogBackend::kPostgres);
  std::string head;
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(disk.location());
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append("a", ExpectedVersion::NoStream(), MakeEvents(3), "req-a").ok());
    EventData named{"Named", "d", "m", {"a child's name", "kept"}, {}};
    ASSERT_TRUE((*log)->Append("b", ExpectedVersion::Any(), {named}, "req-b").ok());
    EventData erasure{"Redacted", "", "why", {}, {{3, 0}}};
    ASSERT_TRUE((*log)->Append("b", ExpectedVersion::Any(), {erasure}, "").ok());
    head = (*log)->HeadHash();
  }

  absl::StatusOr<CopyReport> there = CopyEventLog(disk.location(), database.location());
  ASSERT_TRUE(there.ok()) << there.status();
  EXPECT_EQ(there->records, 5u);
  EXPECT_EQ(there->head_hash, head);
  // The target must be empty: a second copy into it is refused and changes nothing.
  EXPECT_EQ(CopyEventLog(disk.location(), database.location()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  const std::string back = disk.Another("back");
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(database.location());
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->AwaitWritable(absl::Now() + absl::Seconds(10)).ok());
    // A retry of an append made before the move is answered from the stored result.
    absl::StatusOr<AppendResult> retry =
        (*log)->Append("a", ExpectedVersion::NoStream(), MakeEvents(3), "req-a");
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_TRUE(retry->replayed);
    EXPECT_EQ(retry->first_position, 0u);
    absl::StatusOr<AllPage> page = (*log)->ReadAll(3, 1);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_TRUE(page->events[0].sections[0].erased);
    EXPECT_EQ(page->events[0].sections[1].bytes, "kept");
    // The copy continues the chain.
    ASSERT_TRUE((*log)->Append("a", ExpectedVersion::Exact(2), MakeEvents(1), "").ok());
  }
  absl::StatusOr<CopyReport> home = CopyEventLog(database.location(), back);
  ASSERT_TRUE(home.ok()) << home.status();
  EXPECT_EQ(home->records, 6u);
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(back);
  ASSERT_TRUE(log.ok()) << log.status();
  absl::StatusOr<VerifyReport> report = (*log)->Verify(0, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ((*log)->HeadHash(), home->head_hash);
  EXPECT_TRUE((*(*log)->FindRequest("req-b")).has_value());
}

TEST(LogCopyTest, ASourceThatFailsVerificationIsNotCopied) {
  LogHome database(LogBackend::kPostgres);
  LogHome disk(LogBackend::kRocksDb);
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(database.location());
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append("a", ExpectedVersion::Any(), MakeEvents(4), "").ok());
  }
  ASSERT_TRUE(testing::PostgresServer::Shared()
                  .Execute(database.location(), "DELETE FROM scc_events WHERE position = 1")
                  .ok());
  absl::StatusOr<CopyReport> copied = CopyEventLog(database.location(), disk.location());
  EXPECT_EQ(copied.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(copied.status().message()), HasSubstr("source log"));
}

}  // namespace
}  // namespace scc::storage
