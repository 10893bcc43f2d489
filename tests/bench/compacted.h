// The size an event log settles to: every column family compacted to the bottom level, then
// the SST files counted (no WAL, no overlapping levels). For bytes-per-event figures.
// REQUIRES: no process has the log open.
#ifndef SCC_TESTS_BENCH_COMPACTED_H_
#define SCC_TESTS_BENCH_COMPACTED_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "rocksdb/db.h"
#include "storage/record.h"
#include "absl/status/statusor.h"

namespace scc::bench {

inline absl::StatusOr<uint64_t> CompactedLogBytes(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : storage::kColumnFamilies) {
    rocksdb::ColumnFamilyOptions cf;
    cf.compression = rocksdb::kLZ4Compression;
    families.emplace_back(name, cf);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw);
  if (!s.ok()) return absl::UnavailableError("opening the log to compact it: " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (auto* h : handles) {
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    s = db->CompactRange(compact, h, nullptr, nullptr);
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    if (!s.ok()) return absl::InternalError("compaction failed: " + s.ToString());
  }
  db.reset();
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    if (entry.path().extension() == ".sst") total += entry.file_size();
  }
  return total;
}

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_COMPACTED_H_
