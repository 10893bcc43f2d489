// Changes made to the stored log behind its back must be detected: by the checksum on read, by
// the hash chain in Verify, or by the head check at Open. Against both homes: the RocksDB files
// changed with RocksDB, the PostgreSQL tables changed with SQL, as someone with access to the
// files or the database would.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/pg_connection.h"
#include "storage/record.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::LogBackend;
using testing::LogHome;
using testing::MakeEvents;

constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();

// Direct access to the stored log, as an attacker with file or database access would have.
// The log must be closed meanwhile (RocksDB locks its directory).
class RawStore {
 public:
  virtual ~RawStore() = default;
  virtual std::string GetRecord(uint64_t position) = 0;
  virtual void PutRecord(uint64_t position, const std::string& value) = 0;
  virtual void DeleteRecord(uint64_t position) = 0;
  // Makes the stream index say that the record at `position` is not `stream`@`version`.
  virtual void MisindexRecord(const std::string& stream, uint64_t version, uint64_t position) = 0;
  // Marks the store with a format (schema) version this build does not know.
  virtual void MarkUnknownFormat() = 0;
};

class RawRocksDb final : public RawStore {
 public:
  explicit RawRocksDb(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : kColumnFamilies) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &raw).ok());
    db_.reset(raw);
  }
  ~RawRocksDb() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  std::string GetRecord(uint64_t position) override {
    std::string value;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), handles_[1], PositionKey(position), &value).ok());
    return value;
  }
  void PutRecord(uint64_t position, const std::string& value) override {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[1], PositionKey(position), value).ok());
  }
  void DeleteRecord(uint64_t position) override {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), handles_[1], PositionKey(position)).ok());
  }
  void MisindexRecord(const std::string& stream, uint64_t version, uint64_t position) override {
    // The index entry of stream@version points elsewhere.
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[2], StreamIndexKey(stream, version),
                         PositionKey(position == 0 ? 1 : 0))
                    .ok());
  }
  void MarkUnknownFormat() override {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[4], kMetaFormatKey,
                         std::string("\x09\0\0\0", 4))
                    .ok());
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

class RawPostgres final : public RawStore {
 public:
  explicit RawPostgres(const std::string& location) {
    absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(location);
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (conn.ok()) conn_ = *std::move(conn);
  }
  std::string GetRecord(uint64_t position) override {
    absl::StatusOr<PgResult> r = conn_->Exec("test", "SELECT record FROM scc_events WHERE "
                                             "position = $1", {PgParam::Int(position)});
    EXPECT_TRUE(r.ok() && r->rows() == 1) << r.status();
    return r.ok() && r->rows() == 1 ? std::string(r->Bytes(0, 0)) : std::string();
  }
  void PutRecord(uint64_t position, const std::string& value) override {
    // A row the log did not write gets a stream of its own, beside the unique (stream, version).
    Exec("INSERT INTO scc_events (position, stream, version, record) VALUES ($1, 'forged', $1, "
         "$2) ON CONFLICT (position) DO UPDATE SET record = excluded.record",
         {PgParam::Int(position), PgParam::Bytes(value)});
  }
  void DeleteRecord(uint64_t position) override {
    Exec("DELETE FROM scc_events WHERE position = $1", {PgParam::Int(position)});
  }
  void MisindexRecord(const std::string& stream, uint64_t version, uint64_t position) override {
    // The row's own stream and version columns are the index.
    Exec("UPDATE scc_events SET version = 999 WHERE position = $1", {PgParam::Int(position)});
  }
  void MarkUnknownFormat() override {
    Exec("INSERT INTO scc_schema (version, description) VALUES (9, 'from a later build')", {});
  }

 private:
  void Exec(const std::string& sql, const std::vector<PgParam>& params) {
    absl::StatusOr<PgResult> r = conn_->Exec("test", sql, params);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->Affected(), 1) << sql;
  }
  std::unique_ptr<PgConnection> conn_;
};

// A fresh log of the test's backend, and raw access to what it stores.
class StoredLogTest : public ::testing::TestWithParam<LogBackend> {
 protected:
  StoredLogTest() : home_(GetParam()) {}
  const std::string& path() const { return home_.location(); }
  std::unique_ptr<RawStore> Raw() const {
    if (GetParam() == LogBackend::kRocksDb) return std::make_unique<RawRocksDb>(path());
    return std::make_unique<RawPostgres>(path());
  }
  LogHome home_;
};

class TamperTest : public StoredLogTest {
 protected:
  void SetUp() override {
    auto log = EventLog::Open(path());
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE((*log)->Append("s", ExpectedVersion::Any(), MakeEvents(2), "").ok());
    }
  }
  // Opens the log and verifies it entirely.
  VerifyReport OpenAndVerify() {
    auto log = EventLog::Open(path());
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return VerifyReport{};
    absl::StatusOr<VerifyReport> report = (*log)->Verify(0, kAll);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : VerifyReport{};
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, TamperTest,
                         ::testing::Values(LogBackend::kRocksDb, LogBackend::kPostgres),
                         testing::LogBackendName());

TEST_P(TamperTest, UntouchedLogVerifies) {
  VerifyReport report = OpenAndVerify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.checked, 10u);
}

TEST_P(TamperTest, FlippedPayloadByteFailsChecksumOnReadAndVerify) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    std::string value = raw->GetRecord(4);
    value[value.size() / 2] ^= 0x01;
    raw->PutRecord(4, value);
  }
  auto log = EventLog::Open(path());
  ASSERT_TRUE(log.ok()) << log.status();
  absl::StatusOr<AllPage> page = (*log)->ReadAll(0, 100);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(page.status().message()), HasSubstr("position 4"));
  absl::StatusOr<VerifyReport> report = (*log)->Verify(0, kAll);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_position, std::optional<uint64_t>(4));
  EXPECT_THAT(report->problem, HasSubstr("checksum"));
  EXPECT_EQ(report->checked, 4u);
}

TEST_P(TamperTest, RewrittenPayloadWithFixedChecksumBreaksTheChain) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw->GetRecord(3));
    ASSERT_TRUE(e.ok());
    e->data = "the school was never designated";
    raw->PutRecord(3, EncodeRecord(*e));  // valid CRC, stale hash
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(3));
  EXPECT_THAT(report.problem, HasSubstr("hash chain broken"));
}

TEST_P(TamperTest, RehashedRecordIsCaughtAtTheNextLink) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    absl::StatusOr<RecordedEvent> prev = DecodeRecord(raw->GetRecord(5));
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw->GetRecord(6));
    ASSERT_TRUE(prev.ok() && e.ok());
    e->data = "rewritten";
    e->hash = ChainHash(prev->hash, CanonicalRecordBytes(*e));  // consistent with its predecessor
    raw->PutRecord(6, EncodeRecord(*e));
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(7));
}

TEST_P(TamperTest, DeletedRecordIsAGap) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    raw->DeleteRecord(2);
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(2));
  EXPECT_THAT(report.problem, HasSubstr("gap"));
}

TEST_P(TamperTest, RedirectedStreamIndexIsReported) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    raw->MisindexRecord("s", 1, 1);
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
  EXPECT_THAT(report.problem, HasSubstr("stream index"));
}

TEST_P(TamperTest, TruncatedTailIsRefusedAtOpen) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    raw->DeleteRecord(9);
  }
  auto log = EventLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("10 events"));
}

TEST_P(TamperTest, AppendedForgeryBeyondHeadIsRefusedAtOpen) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    raw->PutRecord(10, raw->GetRecord(9));
  }
  auto log = EventLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
}

TEST_P(TamperTest, UnknownFormatIsRefusedAtOpen) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    raw->MarkUnknownFormat();
  }
  auto log = EventLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("format"));
}

TEST_P(TamperTest, VerifyOfASubrangeChecksItsFirstLink) {
  {
    std::unique_ptr<RawStore> raw = Raw();
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw->GetRecord(6));
    ASSERT_TRUE(e.ok());
    e->type = "Forged";
    raw->PutRecord(6, EncodeRecord(*e));
  }
  auto log = EventLog::Open(path());
  ASSERT_TRUE(log.ok());
  absl::StatusOr<VerifyReport> clean = (*log)->Verify(0, 6);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok);
  EXPECT_EQ(clean->checked, 6u);
  absl::StatusOr<VerifyReport> tail = (*log)->Verify(6, 8);
  ASSERT_TRUE(tail.ok());
  EXPECT_FALSE(tail->ok);
  EXPECT_EQ(tail->first_bad_position, std::optional<uint64_t>(6));
}


// Sections (FORMAT.md): an erasure removes a section's bytes in the commit of the event that
// records it, and Verify still proves every link, every kept section and every erasure.
class SectionsTest : public StoredLogTest {
 protected:
  void SetUp() override {
    auto log = EventLog::Open(path());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    ASSERT_TRUE(log_->Append("s", ExpectedVersion::Any(), MakeEvents(1), "").ok());  // format 1
    EventData named{"Named", "skeleton", "envelope", {"a child's name", "Ann", "kept"}, {}};
    ASSERT_TRUE(log_->Append("s", ExpectedVersion::Any(), {named}, "").ok());  // position 1
  }

  absl::Status Erase(std::vector<SectionRef> refs) {
    EventData redaction{"Redacted", "", "who and why", {}, std::move(refs)};
    return log_->Append("s", ExpectedVersion::Any(), {redaction}, "").status();
  }

  VerifyReport ReopenAndVerify() {
    log_.reset();
    auto log = EventLog::Open(path());
    EXPECT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    absl::StatusOr<VerifyReport> report = log_->Verify(0, kAll);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : VerifyReport{};
  }

  std::unique_ptr<EventLog> log_;
};

INSTANTIATE_TEST_SUITE_P(Backends, SectionsTest,
                         ::testing::Values(LogBackend::kRocksDb, LogBackend::kPostgres),
                         testing::LogBackendName());

TEST_P(SectionsTest, AnErasureRemovesTheBytesAndTheChainStillVerifies) {
  ASSERT_TRUE(Erase({{1, 0}}).ok());
  absl::StatusOr<AllPage> page = log_->ReadAll(0, 10);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 3u);
  const RecordedEvent& named = page->events[1];
  ASSERT_EQ(named.sections.size(), 3u);
  EXPECT_TRUE(named.sections[0].erased);
  EXPECT_EQ(named.sections[0].erased_by, 2u);
  EXPECT_TRUE(named.sections[0].bytes.empty());
  EXPECT_EQ(named.sections[1].bytes, "Ann");
  EXPECT_EQ(named.data, "skeleton");
  EXPECT_EQ(page->events[2].erases, (std::vector<SectionRef>{{1, 0}}));
  EXPECT_TRUE(page->events[0].sections.empty());
  VerifyReport report = ReopenAndVerify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.checked, 3u);
  // The raw bytes are gone from the stored record, not only hidden; once purged, from every
  // file of the database too (write-ahead logs and older tables).
  ASSERT_TRUE(log_->PurgeErased({1}).ok());
  log_.reset();
  EXPECT_THAT(Raw()->GetRecord(1), Not(HasSubstr("a child's name")));
  if (GetParam() == LogBackend::kPostgres) return;  // the database's own files: docs/operations.md
  for (const auto& file : std::filesystem::recursive_directory_iterator(path())) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(bytes, Not(HasSubstr("a child's name"))) << file.path();
  }
}

TEST_P(SectionsTest, OnlyAnExistingKeptSectionOfAnEarlierEventCanBeErased) {
  EXPECT_EQ(Erase({{1, 3}}).code(), absl::StatusCode::kInvalidArgument);   // no such section
  EXPECT_EQ(Erase({{0, 0}}).code(), absl::StatusCode::kInvalidArgument);   // format 1: none
  EXPECT_EQ(Erase({{9, 0}}).code(), absl::StatusCode::kInvalidArgument);   // not yet recorded
  ASSERT_TRUE(Erase({{1, 1}}).ok());
  const absl::Status again = Erase({{1, 1}});
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("erased already, by position 2"));
  EXPECT_EQ(log_->NextPosition(), 3u);  // the refused erasures recorded nothing
}

TEST_P(SectionsTest, ErasuresInOneGroupOfCommitsAllLand) {
  std::vector<EventLog::AppendRequest> both;
  absl::Notification first, second;
  both.push_back({"s", ExpectedVersion::Any(), {{"Redacted", "", "", {}, {{1, 0}}}}, "",
                  [&](absl::StatusOr<AppendResult> r) { EXPECT_TRUE(r.ok()); first.Notify(); }});
  both.push_back({"s", ExpectedVersion::Any(), {{"Redacted", "", "", {}, {{1, 2}}}}, "",
                  [&](absl::StatusOr<AppendResult> r) { EXPECT_TRUE(r.ok()); second.Notify(); }});
  log_->AppendAllAsync(std::move(both));
  first.WaitForNotification();
  second.WaitForNotification();
  absl::StatusOr<RecordedEvent> named = log_->ReadAll(1, 1).value().events.at(0);
  EXPECT_TRUE(named->sections[0].erased);
  EXPECT_FALSE(named->sections[1].erased);
  EXPECT_TRUE(named->sections[2].erased);
  VerifyReport report = ReopenAndVerify();
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_P(SectionsTest, AChangedKeptSectionIsFound) {
  log_.reset();
  {
    std::unique_ptr<RawStore> raw = Raw();
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw->GetRecord(1));
    ASSERT_TRUE(e.ok()) << e.status();
    e->sections[1].bytes = "Bob";
    raw->PutRecord(1, EncodeRecord(*e));  // checksums valid
  }
  VerifyReport report = ReopenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
  EXPECT_THAT(report.problem, HasSubstr("section 1 does not match its digest"));
}

TEST_P(SectionsTest, ASectionRemovedWithoutARecordedErasureIsFound) {
  ASSERT_TRUE(log_->Append("s", ExpectedVersion::Any(), MakeEvents(1), "").ok());  // position 2
  log_.reset();
  {
    std::unique_ptr<RawStore> raw = Raw();
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw->GetRecord(1));
    ASSERT_TRUE(e.ok());
    e->sections[0] = Section{"", "", true, 2};  // claims position 2 erased it; it did not
    raw->PutRecord(1, EncodeRecord(*e));
  }
  VerifyReport report = ReopenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
  EXPECT_THAT(report.problem, HasSubstr("removed without a recorded erasure"));
}

TEST_P(SectionsTest, TamperingWithTheRedactedRecordOrTheErasureBreaksTheChain) {
  ASSERT_TRUE(Erase({{1, 0}}).ok());
  log_.reset();
  for (const uint64_t position : {uint64_t{1}, uint64_t{2}}) {
    SCOPED_TRACE(position);
    std::string original;
    {
      std::unique_ptr<RawStore> raw = Raw();
      original = raw->GetRecord(position);
      absl::StatusOr<RecordedEvent> e = DecodeRecord(original);
      ASSERT_TRUE(e.ok());
      if (position == 1) {
        e->metadata = "someone else's envelope";
      } else {
        e->erases = {{1, 1}};  // as if it had erased another section
      }
      raw->PutRecord(position, EncodeRecord(*e));
    }
    VerifyReport report = ReopenAndVerify();
    EXPECT_FALSE(report.ok);
    if (position == 1) {
      EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
      EXPECT_THAT(report.problem, HasSubstr("hash chain broken"));
    } else {
      // Found at the redacted record already: the erasure it points at no longer names it.
      EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
      EXPECT_THAT(report.problem, HasSubstr("position 2 does not record erasing it"));
      absl::StatusOr<VerifyReport> from_two = log_->Verify(2, kAll);
      ASSERT_TRUE(from_two.ok());
      EXPECT_THAT(from_two->problem, HasSubstr("hash chain broken"));
    }
    log_.reset();
    Raw()->PutRecord(position, original);
  }
  VerifyReport restored = ReopenAndVerify();
  EXPECT_TRUE(restored.ok) << restored.problem;
}

TEST_P(SectionsTest, ARetryWithOtherSectionsIsNotTheSameRequest) {
  EventData one{"Named", "d", "m", {"x"}, {}};
  EventData other{"Named", "d", "m", {"y"}, {}};
  ASSERT_TRUE(log_->Append("s", ExpectedVersion::Any(), {one}, "req-1").ok());
  EXPECT_EQ(log_->Append("s", ExpectedVersion::Any(), {other}, "req-1").status().code(),
            absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace scc::storage
