// Bytes flipped in the files RocksDB keeps — a table file (SST) or the write-ahead log — as
// disk faults or careless hands do. Each must be detected, at Open or by Verify, with the
// position and the file named; none may be served as valid data or silently dropped.
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "storage/test_util.h"

namespace scc::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using testing::MakeEvents;
using testing::TempDir;

constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();

// The largest file in `dir` whose name ends with `suffix`.
std::string Largest(const std::string& dir, const std::string& suffix) {
  std::string best;
  uintmax_t size = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        e.file_size() > size) {
      best = e.path().string();
      size = e.file_size();
    }
  }
  return best;
}

// Inverts the byte at `fraction` of the file's length.
void FlipByte(const std::string& path, double fraction) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  f.seekg(0, std::ios::end);
  const std::streamoff at = static_cast<std::streamoff>(f.tellg() * fraction);
  f.seekg(at);
  char byte = 0;
  f.read(&byte, 1);
  byte = static_cast<char>(~byte);
  f.seekp(at);
  f.write(&byte, 1);
}

void AppendMany(EventLog& log, int appends) {
  for (int i = 0; i < appends; ++i) {
    ASSERT_TRUE(log.Append("stream-" + std::to_string(i % 7), ExpectedVersion::Any(),
                           MakeEvents(2), "")
                    .ok());
  }
}

TEST(EventLogCorruptionTest, DamagedWriteAheadLogFailsTheOpen) {
  TempDir dir;
  const std::string live = dir.Sub("live"), image = dir.Sub("image");
  {
    auto log = EventLog::Open(live);
    ASSERT_TRUE(log.ok()) << log.status();
    AppendMany(**log, 60);
    // A copy while it runs: what a crash leaves on disk, every append synced to the WAL.
    fs::copy(live, image, fs::copy_options::recursive);
  }
  const std::string wal = Largest(image, ".log");
  ASSERT_FALSE(wal.empty());
  FlipByte(wal, 0.3);  // a record in the middle, acknowledged appends after it
  auto opened = EventLog::Open(image);
  ASSERT_FALSE(opened.ok()) << "a damaged WAL was opened as if whole: "
                            << (*opened)->NextPosition() << " events";
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << opened.status();
  EXPECT_THAT(opened.status().message(), AnyOf(HasSubstr(".log"), HasSubstr("log")));
}

TEST(EventLogCorruptionTest, DamagedTableFileIsFoundByVerifyWithPositionAndFile) {
  TempDir dir;
  const std::string live = dir.Sub("live");
  {
    auto log = EventLog::Open(live);
    ASSERT_TRUE(log.ok()) << log.status();
    AppendMany(**log, 400);
    // A backup flushes the memtable, so the events now live in table files.
    ASSERT_TRUE((*log)->Backup(dir.Sub("backup")).ok());
  }
  const std::string sst = Largest(live, ".sst");
  ASSERT_FALSE(sst.empty());
  FlipByte(sst, 0.4);
  auto log = EventLog::Open(live);
  if (!log.ok()) {  // found at open: fine, as long as it names the damage
    EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss) << log.status();
    return;
  }
  absl::StatusOr<VerifyReport> report = (*log)->Verify(0, kAll);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  ASSERT_TRUE(report->first_bad_position.has_value());
  EXPECT_LT(*report->first_bad_position, 800u);
  EXPECT_THAT(report->problem, HasSubstr(fs::path(sst).filename().string()));
  // Reading the damaged range fails too; it is never answered with made-up data.
  absl::StatusOr<AllPage> page = (*log)->ReadAll(0, 1000);
  EXPECT_FALSE(page.ok() && page->events.size() == 800u);
}

}  // namespace
}  // namespace scc::storage
