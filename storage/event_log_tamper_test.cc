// Changes made to the RocksDB files behind the log's back must be detected: by the checksum on
// read, by the hash chain in Verify, or by the head check at Open.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/record.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::MakeEvents;
using testing::TempDir;

constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();

// Direct access to the database files, as an attacker with file access would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : kColumnFamilies) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    status_ = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &raw);
    db_.reset(raw);
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  bool ok() const { return status_.ok(); }

  std::string Get(int family, const std::string& key) {
    std::string value;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), handles_[family], key, &value).ok());
    return value;
  }
  void Put(int family, const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[family], key, value).ok());
  }
  void Delete(int family, const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), handles_[family], key).ok());
  }

  static constexpr int kEvents = 1;
  static constexpr int kStreams = 2;
  static constexpr int kMeta = 4;

 private:
  rocksdb::Status status_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EventLog::Open(path());
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE((*log)->Append("s", ExpectedVersion::Any(), MakeEvents(2), "").ok());
    }
  }
  std::string path() const { return dir_.Sub("log"); }

  // Opens the log and verifies it entirely.
  VerifyReport OpenAndVerify() {
    auto log = EventLog::Open(path());
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return VerifyReport{};
    absl::StatusOr<VerifyReport> report = (*log)->Verify(0, kAll);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : VerifyReport{};
  }

  TempDir dir_;
};

TEST_F(TamperTest, UntouchedLogVerifies) {
  VerifyReport report = OpenAndVerify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.checked, 10u);
}

TEST_F(TamperTest, FlippedPayloadByteFailsChecksumOnReadAndVerify) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    std::string value = raw.Get(RawDb::kEvents, PositionKey(4));
    value[value.size() / 2] ^= 0x01;
    raw.Put(RawDb::kEvents, PositionKey(4), value);
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

TEST_F(TamperTest, RewrittenPayloadWithFixedChecksumBreaksTheChain) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw.Get(RawDb::kEvents, PositionKey(3)));
    ASSERT_TRUE(e.ok());
    e->data = "the school was never designated";
    raw.Put(RawDb::kEvents, PositionKey(3), EncodeRecord(*e));  // valid CRC, stale hash
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(3));
  EXPECT_THAT(report.problem, HasSubstr("hash chain broken"));
}

TEST_F(TamperTest, RehashedRecordIsCaughtAtTheNextLink) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    absl::StatusOr<RecordedEvent> prev = DecodeRecord(raw.Get(RawDb::kEvents, PositionKey(5)));
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw.Get(RawDb::kEvents, PositionKey(6)));
    ASSERT_TRUE(prev.ok() && e.ok());
    e->data = "rewritten";
    e->hash = ChainHash(prev->hash, CanonicalRecordBytes(*e));  // consistent with its predecessor
    raw.Put(RawDb::kEvents, PositionKey(6), EncodeRecord(*e));
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(7));
}

TEST_F(TamperTest, DeletedRecordIsAGap) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    raw.Delete(RawDb::kEvents, PositionKey(2));
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(2));
  EXPECT_THAT(report.problem, HasSubstr("gap"));
}

TEST_F(TamperTest, RedirectedStreamIndexIsReported) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    raw.Put(RawDb::kStreams, StreamIndexKey("s", 1), PositionKey(0));
  }
  VerifyReport report = OpenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
  EXPECT_THAT(report.problem, HasSubstr("stream index"));
}

TEST_F(TamperTest, TruncatedTailIsRefusedAtOpen) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    raw.Delete(RawDb::kEvents, PositionKey(9));
  }
  auto log = EventLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("10 events"));
}

TEST_F(TamperTest, AppendedForgeryBeyondHeadIsRefusedAtOpen) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    raw.Put(RawDb::kEvents, PositionKey(10), raw.Get(RawDb::kEvents, PositionKey(9)));
  }
  auto log = EventLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(TamperTest, UnknownFormatIsRefusedAtOpen) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    raw.Put(RawDb::kMeta, kMetaFormatKey, std::string("\x09\0\0\0", 4));
  }
  auto log = EventLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("format"));
}

TEST_F(TamperTest, VerifyOfASubrangeChecksItsFirstLink) {
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw.Get(RawDb::kEvents, PositionKey(6)));
    ASSERT_TRUE(e.ok());
    e->type = "Forged";
    raw.Put(RawDb::kEvents, PositionKey(6), EncodeRecord(*e));
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
class SectionsTest : public ::testing::Test {
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

  std::string path() const { return dir_.Sub("log"); }

  TempDir dir_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(SectionsTest, AnErasureRemovesTheBytesAndTheChainStillVerifies) {
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
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    EXPECT_THAT(raw.Get(RawDb::kEvents, PositionKey(1)), Not(HasSubstr("a child's name")));
  }
  for (const auto& file : std::filesystem::recursive_directory_iterator(path())) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(bytes, Not(HasSubstr("a child's name"))) << file.path();
  }
}

TEST_F(SectionsTest, OnlyAnExistingKeptSectionOfAnEarlierEventCanBeErased) {
  EXPECT_EQ(Erase({{1, 3}}).code(), absl::StatusCode::kInvalidArgument);   // no such section
  EXPECT_EQ(Erase({{0, 0}}).code(), absl::StatusCode::kInvalidArgument);   // format 1: none
  EXPECT_EQ(Erase({{9, 0}}).code(), absl::StatusCode::kInvalidArgument);   // not yet recorded
  ASSERT_TRUE(Erase({{1, 1}}).ok());
  const absl::Status again = Erase({{1, 1}});
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("erased already, by position 2"));
  EXPECT_EQ(log_->NextPosition(), 3u);  // the refused erasures recorded nothing
}

TEST_F(SectionsTest, ErasuresInOneGroupOfCommitsAllLand) {
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

TEST_F(SectionsTest, AChangedKeptSectionIsFound) {
  log_.reset();
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw.Get(RawDb::kEvents, PositionKey(1)));
    ASSERT_TRUE(e.ok()) << e.status();
    e->sections[1].bytes = "Bob";
    raw.Put(RawDb::kEvents, PositionKey(1), EncodeRecord(*e));  // checksums valid
  }
  VerifyReport report = ReopenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
  EXPECT_THAT(report.problem, HasSubstr("section 1 does not match its digest"));
}

TEST_F(SectionsTest, ASectionRemovedWithoutARecordedErasureIsFound) {
  ASSERT_TRUE(log_->Append("s", ExpectedVersion::Any(), MakeEvents(1), "").ok());  // position 2
  log_.reset();
  {
    RawDb raw(path());
    ASSERT_TRUE(raw.ok());
    absl::StatusOr<RecordedEvent> e = DecodeRecord(raw.Get(RawDb::kEvents, PositionKey(1)));
    ASSERT_TRUE(e.ok());
    e->sections[0] = Section{"", "", true, 2};  // claims position 2 erased it; it did not
    raw.Put(RawDb::kEvents, PositionKey(1), EncodeRecord(*e));
  }
  VerifyReport report = ReopenAndVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_position, std::optional<uint64_t>(1));
  EXPECT_THAT(report.problem, HasSubstr("removed without a recorded erasure"));
}

TEST_F(SectionsTest, TamperingWithTheRedactedRecordOrTheErasureBreaksTheChain) {
  ASSERT_TRUE(Erase({{1, 0}}).ok());
  log_.reset();
  for (const uint64_t position : {uint64_t{1}, uint64_t{2}}) {
    SCOPED_TRACE(position);
    std::string original;
    {
      RawDb raw(path());
      ASSERT_TRUE(raw.ok());
      original = raw.Get(RawDb::kEvents, PositionKey(position));
      absl::StatusOr<RecordedEvent> e = DecodeRecord(original);
      ASSERT_TRUE(e.ok());
      if (position == 1) {
        e->metadata = "someone else's envelope";
      } else {
        e->erases = {{1, 1}};  // as if it had erased another section
      }
      raw.Put(RawDb::kEvents, PositionKey(position), EncodeRecord(*e));
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
    RawDb raw(path());
    raw.Put(RawDb::kEvents, PositionKey(position), original);
  }
  VerifyReport restored = ReopenAndVerify();
  EXPECT_TRUE(restored.ok) << restored.problem;
}

TEST_F(SectionsTest, ARetryWithOtherSectionsIsNotTheSameRequest) {
  EventData one{"Named", "d", "m", {"x"}, {}};
  EventData other{"Named", "d", "m", {"y"}, {}};
  ASSERT_TRUE(log_->Append("s", ExpectedVersion::Any(), {one}, "req-1").ok());
  EXPECT_EQ(log_->Append("s", ExpectedVersion::Any(), {other}, "req-1").status().code(),
            absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace scc::storage
