// What the two RocksDB databases of a data directory (the event log and the read-model store)
// share: the volume they live on, where RocksDB's own diagnostics go, and how much of the volume
// RocksDB takes ahead of need. Both exist so that a small or full data volume neither stops the server from starting
// nor aborts it.
#ifndef SCC_STORAGE_ROCKS_SETUP_H_
#define SCC_STORAGE_ROCKS_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace rocksdb {
class Logger;
struct DBOptions;
}  // namespace rocksdb

namespace scc::storage {

// The volume holding a directory, as the file system reports it.
struct VolumeSpace {
  uint64_t free_bytes = 0;   // available to the server's user
  uint64_t total_bytes = 0;
};
// kUnavailable when the file system cannot say.
absl::StatusOr<VolumeSpace> VolumeSpaceOf(const std::string& dir);

// RocksDB's warnings and errors, appended to `dir`/LOG with plain writes whose failures are
// ignored (lines are lost while the volume is full). RocksDB's own file logger must not be used
// on a volume that can fill: once one of its writes failed, its next line trips an assertion in
// the RocksDB build Debian ships and aborts the process. Thread-safe.
std::shared_ptr<rocksdb::Logger> NewDiagnosticsLogger(const std::string& dir);

// Bytes RocksDB may write ahead on a volume with `free_bytes` available: a thirty-second of it,
// at least 1 MiB and at most 64 MiB (RocksDB's default memtable size). The databases use it as
// each memtable's size and as the cap on the write-ahead logs, and so bound the preallocation
// of each write-ahead log file (by default 1.1 x the 64 MiB memtable) and the free space
// RocksDB waits for before it resumes after a full disk (one memtable's size).
uint64_t WriteAheadBudget(uint64_t free_bytes);

// Applies the logger and the budget to `options` for a database in `dir` (created already):
// preallocation of write-ahead logs and of the MANIFEST sized to the volume's free space.
// Returns the budget.
uint64_t SizeToVolume(const std::string& dir, rocksdb::DBOptions& options);

}  // namespace scc::storage

#endif  // SCC_STORAGE_ROCKS_SETUP_H_
