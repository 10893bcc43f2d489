// ReadAudit: who read which institution's file. One FileRead per successful call of an audited
// read (domain::IsAuditedRead) and per page of a termly report, kept in a store of its own
// (<data>/reads, a KvStore apart from the event log) for `retention`, and listed by
// institution, by user and by period, newest first.
//
// Record only queues and never waits for the disk: a thread of the audit's own writes what is
// queued in batches (not synced: a crash may lose the last moment's reads, never an event), and
// drops what is older than the retention at start and once a day. When `queue_limit` reads are
// waiting, further reads are dropped and counted (dropped()), and the server log says so.
// Thread-safe. The destructor writes what is queued before it returns.
#ifndef SCC_SERVICES_SERVER_READ_AUDIT_H_
#define SCC_SERVICES_SERVER_READ_AUDIT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scc/v1/audit.pb.h"
#include "storage/kv_store.h"

namespace scc::server {

class AccessLog;

class ReadAudit {
 public:
  static constexpr size_t kDefaultQueueLimit = 1 << 16;

  // `log` (may be null) is told of dropped reads and failed writes; it must outlive the audit.
  static absl::StatusOr<std::unique_ptr<ReadAudit>> Open(const std::string& dir,
                                                         absl::Duration retention,
                                                         AccessLog* log,
                                                         size_t queue_limit = kDefaultQueueLimit);
  ~ReadAudit();
  ReadAudit(const ReadAudit&) = delete;
  ReadAudit& operator=(const ReadAudit&) = delete;

  void Record(v1::FileRead read);
  // Writes everything queued so far; returns once it is in the store.
  void Flush();
  // INVALID_ARGUMENT naming the field for a bad date or page token.
  absl::StatusOr<v1::ListFileReadsResponse> List(const v1::ListFileReadsRequest& request) const;
  // Drops the reads recorded before `cutoff`; returns how many.
  absl::StatusOr<uint64_t> DropBefore(absl::Time cutoff);

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  ReadAudit(std::unique_ptr<storage::KvStore> store, absl::Duration retention, AccessLog* log,
            size_t queue_limit);
  void WriteLoop();

  const std::unique_ptr<storage::KvStore> store_;
  const absl::Duration retention_;
  AccessLog* const log_;
  const size_t queue_limit_;
  std::atomic<uint64_t> dropped_{0};

  absl::Mutex mu_;
  std::vector<v1::FileRead> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;   // reads ever queued
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;  // reads ever written (or failed to be)
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0; // tells apart reads in the same microsecond
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_READ_AUDIT_H_
