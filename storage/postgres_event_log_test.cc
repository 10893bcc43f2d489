// What only the PostgreSQL home has: a writer that loses its database session stops writing at
// once, another log takes the role, and the first never writes beside it (no split brain).
#include "storage/postgres_event_log.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/pg_connection.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using ::testing::HasSubstr;
using testing::MakeEvents;
using testing::PostgresServer;

std::unique_ptr<EventLog> MustOpen(const std::string& location, const std::string& node) {
  EventLogOptions options;
  options.node_name = node;
  options.writer_lease_retry = absl::Milliseconds(50);
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(location, options);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : nullptr;
}

TEST(PostgresEventLogTest, AWriterThatLosesItsSessionStopsWritingAndAnotherTakesOver) {
  const std::string location = PostgresServer::Shared().NewLogLocation();
  std::unique_ptr<EventLog> first = MustOpen(location, "first");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->AwaitWritable(absl::Now() + absl::Seconds(10)).ok());
  ASSERT_TRUE(first->Append("s", ExpectedVersion::Any(), MakeEvents(2), "a").ok());
  std::unique_ptr<EventLog> second = MustOpen(location, "second");
  ASSERT_NE(second, nullptr);
  EXPECT_FALSE(second->Role().writer);

  // The database ends the writer's session (as a failover or an operator would): its lock goes.
  ASSERT_TRUE(PostgresServer::Shared()
                  .Execute(location,
                           "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                           "'advisory' AND classid = 1484 AND objid = "
                           "hashtext(current_schema())::oid AND granted")
                  .ok());
  ASSERT_TRUE(second->AwaitWritable(absl::Now() + absl::Seconds(30)).ok())
      << second->WriteState();
  EXPECT_EQ(second->Role().holder, "second");

  // The first finds out at its next append, writes nothing, and cannot take the role back.
  absl::StatusOr<AppendResult> refused =
      first->Append("s", ExpectedVersion::Exact(1), MakeEvents(1), "from-the-first");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  absl::StatusOr<AppendResult> still_refused =
      first->Append("s", ExpectedVersion::Exact(1), MakeEvents(1), "from-the-first");
  EXPECT_EQ(still_refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(first->Role().writer);

  absl::StatusOr<AppendResult> taken =
      second->Append("s", ExpectedVersion::Exact(1), MakeEvents(1), "from-the-second");
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(taken->first_position, 2u);
  ASSERT_TRUE(first->WaitForPosition(2, absl::Now() + absl::Seconds(10)).ok());
  absl::StatusOr<VerifyReport> report = first->Verify(0, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->checked, 3u);  // nothing of the first's refused appends
  EXPECT_FALSE((*first->FindRequest("from-the-first")).has_value());
}

TEST(PostgresEventLogTest, AnUnreachableDatabaseIsUnavailableNamingIt) {
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open("postgresql://scc@127.0.0.1:1/scc?connect_timeout=2");
  EXPECT_EQ(log.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(log.status().message()),
              HasSubstr("the PostgreSQL database cannot be reached"));
}

TEST(PostgresEventLogTest, ALaterSchemaVersionIsRefused) {
  const std::string location = PostgresServer::Shared().NewLogLocation();
  ASSERT_NE(MustOpen(location, "n"), nullptr);  // creates the schema
  ASSERT_TRUE(PostgresServer::Shared()
                  .Execute(location, "INSERT INTO scc_schema (version, description) VALUES "
                                     "(2, 'from a later build')")
                  .ok());
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(location);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("schema version 2"));
}

}  // namespace
}  // namespace scc::storage
