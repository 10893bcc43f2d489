// RocksEventLog: the event log (storage/event_log.h) in one RocksDB database in a directory, the
// embedded default. Every promise of EventLog holds; in addition:
// - Durability: an Append is acknowledged only after its WriteBatch was written with sync=true
//   (the WAL is fsync'ed): it survives a process crash and a machine crash. Commits are applied
//   by one writer thread, one WriteBatch at a time.
// - Failure: when a commit fails (the disk fails or fills) the affected appends get
//   kUnavailable (kResourceExhausted, "the data volume is full", for a full disk). The log tries
//   to resume by itself, every half second and before each append, once the volume has room for
//   a write-ahead log file (storage/rocks_setup.h) and the disk takes a synced write again: it
//   reopens the database (reads wait for that moment) and takes the head from what is durable
//   (a failed batch that did land is then found by its request_id). The process never aborts
//   for a full volume (storage/event_log_disk_full_test.cc).
// - Open fails with kUnavailable when another process holds the directory.
//
// The on-disk format is documented in storage/FORMAT.md. The code is in four files:
// rocks_event_log.cc (opening with its checks, closing, reopening after a failed write, loading
// a copy), rocks_event_log_write.cc (the group-commit pipeline), rocks_event_log_read.cc (reads)
// and rocks_event_log_verify.cc (Verify, Backup, Restore); what they share privately is in
// rocks_event_log_internal.h, RocksDB's statuses map through rocks_status.h.
#ifndef SCC_STORAGE_ROCKS_EVENT_LOG_H_
#define SCC_STORAGE_ROCKS_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/event_log.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace scc::storage {

class RocksEventLog final : public EventLog {
 public:
  // Opens (creating if missing) the log in directory `dir`.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const std::string& dir,
                                                        EventLogOptions options);
  // Writes a copy of `source` (every record as stored, and every stored request) into `dir`,
  // which must be missing or empty, reading it in pages; nothing is opened in `dir` meanwhile.
  // The caller opens and verifies the result.
  static absl::Status Load(const std::string& dir, const EventLog& source, uint64_t end);

  ~RocksEventLog() override;

  void AppendAllAsync(std::vector<AppendRequest> appends) override;
  absl::Status PurgeErased(const std::vector<uint64_t>& positions) override;
  absl::StatusOr<std::optional<PriorAppend>> LookUpRequest(
      const std::string& request_id, uint64_t* absent_mark) const override;
  absl::Status ScanRequests(const std::function<absl::Status(const std::string& request_id,
                                                             const StoredRequest& request)>& fn)
      const override;
  absl::StatusOr<std::optional<uint64_t>> StreamVersion(const std::string& stream) const override;
  absl::StatusOr<StreamPage> ReadStream(const std::string& stream, uint64_t from_version,
                                        ReadDirection direction, size_t max_count) const override;
  absl::Status Scan(uint64_t from_position, uint64_t to_position,
                    const std::function<absl::Status(const RecordView&)>& fn) const override;
  absl::StatusOr<VerifyReport> Verify(uint64_t from, uint64_t to) const override;
  absl::StatusOr<VolumeSpace> Space() const override;
  absl::Status WriteState() const override;
  absl::Status AwaitWritable(absl::Time deadline) const override;
  WriterRole Role() const override { return WriterRole{}; }
  const char* Home() const override { return "rocksdb"; }
  std::optional<uint64_t> IntProperty(const std::string& name) const override;
  absl::Status Backup(const std::string& backup_dir) const override;

 private:
  struct PreparedGroup;

  RocksEventLog(std::string dir, EventLogOptions options, std::unique_ptr<rocksdb::DB> db,
                std::vector<rocksdb::ColumnFamilyHandle*> handles, Head head,
                uint64_t resume_free_bytes);

  // kUnavailable while the database is closed (a reopen after a failed write did not succeed).
  absl::Status DbAvailable() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  // Releases the column families and closes the database, if it is open.
  void CloseDatabase() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Sequencer only, with no group prepared or being written, after a failed commit: if the
  // volume has room again and a synced write to the data directory succeeds, reopens the
  // database, takes the head from it and clears the write error. Returns the error that still
  // stands, or OK.
  absl::Status RecoverFromWriteError() ABSL_LOCKS_EXCLUDED(db_mu_);

  // The write path is a two-stage pipeline. The sequencer decides each queued append (request_id,
  // expected version), assigns versions and positions, computes hashes and builds one WriteBatch
  // per group; the syncer writes it with sync=true, publishes the new head and answers the
  // callers. The sequencer prepares group N+1 while the syncer writes group N, assuming N will
  // commit; if it does not, the sticky write error fails N+1 too. When no group is being written
  // the sequencer commits its group itself (one thread hand-over less at low load). Groups are
  // committed one at a time (`committing_`) and in the order they were prepared.
  void SequencerLoop();
  void SyncerLoop();
  PreparedGroup Prepare(std::vector<QueuedAppend> appends);
  // The committed record `ref` names (from `erased` when this append changed it already, else
  // as the group or the database holds it), if its section can be erased.
  absl::StatusOr<RecordedEvent*> ErasureTarget(const SectionRef& ref, const PreparedGroup& group,
                                               absl::flat_hash_map<uint64_t, RecordedEvent>& erased)
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  void Decide(QueuedAppend& p, uint64_t group_seq, absl::Time now, PreparedGroup& group)
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  void Commit(PreparedGroup group);
  // Sequencer only: the stream's last version, from the cache or the database.
  absl::StatusOr<std::optional<uint64_t>> CachedStreamVersion(const std::string& stream)
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<std::optional<uint64_t>> ReadStreamVersion(const std::string& stream) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<RecordedEvent> ReadAt(uint64_t position) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);

  rocksdb::ColumnFamilyHandle* events_cf() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_) {
    return handles_[1];
  }
  rocksdb::ColumnFamilyHandle* streams_cf() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_) {
    return handles_[2];
  }
  rocksdb::ColumnFamilyHandle* requests_cf() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_) {
    return handles_[3];
  }
  rocksdb::ColumnFamilyHandle* meta_cf() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_) {
    return handles_[4];
  }

  const std::string dir_;
  // After a failed write, writing resumes only once the volume has this much free (the
  // write-ahead budget of storage/rocks_setup.h, from the free space at Open).
  const uint64_t resume_free_bytes_;
  // Every use of the database holds db_mu_ shared; a reopen after a failed write holds it
  // exclusively. Public methods take it once at their start; private helpers expect it held.
  mutable absl::Mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_ ABSL_GUARDED_BY(db_mu_);
  // default, events, streams, requests, meta
  std::vector<rocksdb::ColumnFamilyHandle*> handles_ ABSL_GUARDED_BY(db_mu_);

  // Hand-over between callers, sequencer and syncer.
  mutable absl::Mutex pipeline_mu_;
  std::deque<QueuedAppend> queue_ ABSL_GUARDED_BY(pipeline_mu_);
  std::unique_ptr<PreparedGroup> prepared_ ABSL_GUARDED_BY(pipeline_mu_);  // at most one
  bool stopping_ ABSL_GUARDED_BY(pipeline_mu_) = false;
  bool sequencer_done_ ABSL_GUARDED_BY(pipeline_mu_) = false;
  bool committing_ ABSL_GUARDED_BY(pipeline_mu_) = false;  // a group is being written
  absl::Status write_error_ ABSL_GUARDED_BY(pipeline_mu_);  // sticky: set when a commit fails
  // The last group written to the database: written under pipeline_mu_, read anywhere.
  std::atomic<uint64_t> committed_group_{0};

  // Owned by the sequencer thread alone: the head as of the last prepared group.
  struct InflightRequest {
    std::string stream;
    std::string fingerprint;
    AppendResult result;
    uint64_t group;
  };
  absl::flat_hash_map<std::string, uint64_t> stream_heads_;  // stream -> last version
  // The requests of every group prepared and not committed, and of the last committed ones
  // (EventLogOptions::requests_kept_in_memory in all, at least): an append whose caller looked
  // its id up since needs no second look-up (AppendRequest::absent_mark).
  absl::flat_hash_map<std::string, InflightRequest> inflight_requests_;
  std::deque<std::pair<uint64_t, std::string>> inflight_order_;  // (group, id), oldest first
  uint64_t forgotten_through_ = 0;  // requests of groups up to this one may have been dropped
  uint64_t prepared_position_;
  std::string prepared_hash_;
  absl::Time last_recorded_at_;
  uint64_t group_seq_ = 0;

  std::thread sequencer_;
  std::thread syncer_;
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_ROCKS_EVENT_LOG_H_
