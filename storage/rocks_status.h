// The one mapping from RocksDB's statuses to this library's error space (absl::Status), used by
// every file in storage/ that calls RocksDB, so that a given failure means the same code
// whichever database it came from. Pure functions, thread-safe.
#ifndef SCC_STORAGE_ROCKS_STATUS_H_
#define SCC_STORAGE_ROCKS_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rocksdb {
class Status;
}  // namespace rocksdb

namespace scc::storage {

// OK for OK; otherwise "`context`: <RocksDB's text>" as kNotFound, kDataLoss (corruption),
// kResourceExhausted (no space), kUnavailable (I/O error, busy, timed out, try again),
// kInvalidArgument, or kInternal for anything else.
// Whether RocksDB says the disk is full: a NoSpace status, or one (Incomplete, after a
// background error) that carries the no-space error it stopped on.
bool IsNoSpace(const rocksdb::Status& s);

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context);

// As FromRocks for a failed open of the database in `dir`, but kUnavailable "data directory
// `dir` is in use by another process" when another process holds the directory's lock.
absl::Status FromRocksOpen(const rocksdb::Status& s, const std::string& dir,
                           absl::string_view context);

}  // namespace scc::storage

#endif  // SCC_STORAGE_ROCKS_STATUS_H_
