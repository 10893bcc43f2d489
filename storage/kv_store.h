// KvStore: an ordered key-value store on RocksDB for data derived from the event log (read
// models and their checkpoints). Writes are atomic batches; by default not synced, because
// derived data can always be rebuilt from the log (a batch is still all-or-nothing after a
// crash). Thread-safe. After a failed write (e.g. a full volume) the next write first closes and
// reopens the database, so writing goes on once the disk takes writes again (RocksDB must not
// append to a write-ahead log file whose last write failed: Debian's build asserts on it).
#ifndef SCC_STORAGE_KV_STORE_H_
#define SCC_STORAGE_KV_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace rocksdb {
class DB;
}

namespace scc::storage {

class KvStore {
 public:
  struct Batch {
    std::vector<std::pair<std::string, std::string>> puts;
    std::vector<std::string> deletes;
    std::vector<std::string> delete_prefixes;  // every key starting with one of these
  };

  static absl::StatusOr<std::unique_ptr<KvStore>> Open(const std::string& dir);
  ~KvStore();

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key) const;
  // Applies the whole batch atomically: deletes first, then puts.
  absl::Status Write(const Batch& batch, bool sync = false);
  // Calls `fn` for every key starting with `prefix`, in key order, until it returns an error.
  absl::Status Scan(const std::string& prefix,
                    const std::function<absl::Status(absl::string_view key,
                                                     absl::string_view value)>& fn) const;
  // Calls `fn` for every key in [from, to), in key order or (newest_first) from the last key
  // down, while it returns true.
  absl::Status ScanRange(const std::string& from, const std::string& to, bool newest_first,
                         const std::function<bool(absl::string_view key,
                                                  absl::string_view value)>& fn) const;

 private:
  KvStore(std::string dir, std::unique_ptr<rocksdb::DB> db);
  static absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDatabase(const std::string& dir);

  const std::string dir_;
  // Reads and writes hold mu_ shared; reopening after a failed write holds it exclusively.
  mutable absl::Mutex mu_;
  std::unique_ptr<rocksdb::DB> db_ ABSL_GUARDED_BY(mu_);  // null while a reopen failed
  std::atomic<bool> write_failed_{false};
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_KV_STORE_H_
