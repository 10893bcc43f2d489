// Changes made to the RocksDB files behind the log's back must be detected: by the checksum on
// read, by the hash chain in Verify, or by the head check at Open.
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/record.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

using ::testing::HasSubstr;
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

}  // namespace
}  // namespace scc::storage
