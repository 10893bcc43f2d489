// FaultInjectionFs: a RocksDB FileSystem for tests that simulates a power failure. It tracks,
// for every file written through it, how many bytes were synced; DropUnsyncedData() then cuts
// each file back to that size, as a machine crash would. While inactive, every write and sync
// fails with an IOError (a dead disk) and writes nothing; while SetNoSpace(true) is in force,
// every write, sync and file creation fails as on a full disk (ENOSPC: RocksDB's NoSpace, marked
// retryable as RocksDB's POSIX file system marks it) and writes nothing.
//
// Thread-safe. Wrap it into an Env with Env() and pass that to EventLogOptions::env.
#ifndef SCC_STORAGE_FAULT_INJECTION_FS_H_
#define SCC_STORAGE_FAULT_INJECTION_FS_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace scc::storage::testing {

class FaultInjectionFs : public rocksdb::FileSystemWrapper {
 public:
  // Sizes of one file, shared between the file system and the open file.
  struct FileState {
    absl::Mutex mu;
    uint64_t size ABSL_GUARDED_BY(mu) = 0;
    uint64_t synced ABSL_GUARDED_BY(mu) = 0;
  };

  FaultInjectionFs();

  static const char* kClassName() { return "SccFaultInjectionFs"; }
  const char* Name() const override { return kClassName(); }

  // An Env that does its file I/O through this file system. Owned by the caller; must not
  // outlive this object.
  std::unique_ptr<rocksdb::Env> NewEnv();

  // false: every write and sync fails. true (the default): writes go through.
  void SetActive(bool active) { active_.store(active); }
  bool active() const { return active_.load(); }
  // true: every write fails with ENOSPC. false (the default): writes go through.
  void SetNoSpace(bool full) { no_space_.store(full); }
  // The error a write gets now; OK when writes go through.
  rocksdb::IOStatus WriteFault() const;

  // Truncates every tracked file to its last synced size. REQUIRES: the database is closed.
  absl::Status DropUnsyncedData();

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

 private:
  rocksdb::IOStatus Track(const std::string& fname, uint64_t initial_size,
                          rocksdb::IOStatus opened,
                          std::unique_ptr<rocksdb::FSWritableFile>* result);

  std::atomic<bool> active_{true};
  std::atomic<bool> no_space_{false};
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<FileState>> files_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scc::storage::testing

#endif  // SCC_STORAGE_FAULT_INJECTION_FS_H_
