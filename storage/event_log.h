// EventLog: a durable, append-only, tamper-evident log of events grouped into streams, stored in
// RocksDB. It knows bytes, streams and order; it never interprets event payloads.
//
// Promises (each tested in storage/*_test.cc and tests/crash/):
// - Thread safety: every method may be called concurrently from any thread.
// - Atomicity: the events of one Append are committed all together or not at all.
// - Ordering: each event gets a per-stream version (0, 1, 2, ...) and a global position assigned
//   at commit. Positions are gapless and strictly increasing; a reader never sees position N+1
//   before N (commits are applied by one writer thread, one RocksDB WriteBatch at a time).
// - Durability: an Append is acknowledged only after its WriteBatch was written with sync=true
//   (the WAL is fsync'ed): it survives a process crash and a machine crash. Concurrent appends
//   are grouped into one synced WriteBatch (group commit), so throughput grows with concurrency.
// - Idempotency: an Append carrying a request_id already committed returns the first call's result
//   with `replayed = true` and writes nothing, also after a restart; the same request_id with
//   different content (stream or events) is refused with kAlreadyExists.
// - Tamper evidence: each record stores SHA-256(previous hash || canonical bytes) and a CRC-32C.
//   Reads refuse records whose checksum fails (kDataLoss); Verify recomputes every link.
// - Failure: when a commit fails (e.g. the disk fails or fills) the affected appends get
//   kUnavailable (kResourceExhausted, "the data volume is full", for a full disk) and nothing of
//   them is acknowledged; reads keep working. Until writing resumes, appends get that error
//   (WriteState()). The log tries to resume by itself, every half second and before each
//   append, once the volume has room for a write-ahead log file (storage/rocks_setup.h) and the
//   disk takes a synced write again: it reopens the database (reads wait for that moment) and
//   takes the head from what is durable (a failed batch that did land is then found by its
//   request_id). The process never aborts for a full volume
//   (storage/event_log_disk_full_test.cc).
//
// The on-disk format is documented in storage/FORMAT.md. The code is in four files:
// event_log.cc (opening with its checks, closing, reopening after a failed write),
// event_log_write.cc (validation and the group-commit pipeline), event_log_read.cc (the head,
// waiting for positions, reads) and event_log_verify.cc (Verify, Backup, Restore); what they
// share privately is in event_log_internal.h, RocksDB's statuses map through rocks_status.h.
#ifndef SCC_STORAGE_EVENT_LOG_H_
#define SCC_STORAGE_EVENT_LOG_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/event.h"
#include "storage/rocks_setup.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace scc::storage {

class Subscription;

struct EventLogOptions {
  // Stamps recorded_at. Default: absl::Now. The log never lets recorded_at go backwards, even if
  // the clock does.
  std::function<absl::Time()> clock;

  // Argument limits; an Append beyond any of them gets kInvalidArgument naming the limit.
  size_t max_stream_bytes = 256;
  size_t max_type_bytes = 256;
  size_t max_request_id_bytes = 128;
  size_t max_events_per_append = 1000;
  size_t max_event_bytes = 1 << 20;    // type + data + metadata of one event
  size_t max_append_bytes = 8 << 20;   // all events of one Append

  // A group commit stops taking queued appends once its batch holds this many bytes. Larger
  // groups amortise the fsync over more appends but delay the first of them longer.
  size_t max_group_commit_bytes = 16 << 20;

  // Upper bound on the events a single read returns, whatever the caller asks for.
  size_t max_read_count = 10000;

  // RocksDB block cache shared by all column families.
  size_t block_cache_bytes = 64 << 20;

  // The RocksDB environment for file I/O; nullptr: the default (the real file system). Not
  // owned; must outlive the log. Tests pass one that injects faults.
  rocksdb::Env* env = nullptr;
};

enum class ReadDirection { kForwards, kBackwards };

// A page of one stream. `next_version` is where the next page in the same direction starts;
// nullopt when this page reached the end (or the start, reading backwards).
struct StreamPage {
  std::vector<RecordedEvent> events;
  std::optional<uint64_t> next_version;
};

// A page of the global log. `next_position` is where the next page starts; `end` is true when
// this page reached the last committed event.
struct AllPage {
  std::vector<RecordedEvent> events;
  uint64_t next_position = 0;
  bool end = true;
};

// The outcome of Verify over [from, to).
struct VerifyReport {
  uint64_t from = 0;
  uint64_t to = 0;        // exclusive; clamped to the committed end of the log
  uint64_t checked = 0;   // records whose every check passed
  bool ok = true;
  std::optional<uint64_t> first_bad_position;
  std::string problem;    // why the first bad position is bad; empty when ok
  // The hash of the last record that passed: position from + checked - 1 (the record before
  // `from`, or 32 zero bytes when `from` is 0, if none did). When ok and `to` reaches the end,
  // the head hash.
  std::string last_hash;
};

// What an open log has committed, for metrics: synced groups (group commit), the appends and
// events in them, and how many appends each group carried, in buckets whose upper bounds are
// kGroupSizeBounds (the last bucket counts larger groups).
struct CommitStats {
  static constexpr std::array<uint64_t, 9> kGroupSizeBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  uint64_t groups = 0;
  uint64_t appends = 0;
  uint64_t events = 0;
  uint64_t failed_groups = 0;
  std::array<uint64_t, kGroupSizeBounds.size() + 1> group_sizes{};
};

class EventLog {
 public:
  using AppendCallback = absl::AnyInvocable<void(absl::StatusOr<AppendResult>) &&>;

  // Opens (creating if missing) the log in directory `dir`. Fails with kDataLoss when the stored
  // head and the last record disagree, kFailedPrecondition on an unknown format version, and
  // kUnavailable when another process holds the directory.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const std::string& dir,
                                                        EventLogOptions options = {});

  // Commits the appends already queued, stops the writer, wakes every subscription (their Next
  // returns kCancelled) and closes the database.
  // REQUIRES: no other thread is inside a method of this log; every Subscription is destroyed.
  ~EventLog();

  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `events` to `stream` if `expected` holds. Errors:
  // kInvalidArgument (bad stream name, empty or oversized batch, ...), kAborted (wrong expected
  // version: ConflictCurrentVersion() gives the current one), kAlreadyExists (request_id reused
  // with different content), kUnavailable (commit failed; see the class comment).
  // `request_id` may be empty (no idempotency).
  absl::StatusOr<AppendResult> Append(std::string stream, ExpectedVersion expected,
                                      std::vector<EventData> events, std::string request_id);

  // As Append, but returns at once; `done` runs exactly once, on the writer thread after the
  // commit (or on the calling thread for argument errors). `done` must not block.
  void AppendAsync(std::string stream, ExpectedVersion expected, std::vector<EventData> events,
                   std::string request_id, AppendCallback done);

  // One append of AppendAllAsync.
  struct AppendRequest {
    std::string stream;
    ExpectedVersion expected = ExpectedVersion::Any();
    std::vector<EventData> events;
    std::string request_id;
    AppendCallback done;
  };
  // As AppendAsync for each of `appends`, in order, but queued in one step: the sequencer finds
  // them together, so one synced write can commit them all (a bulk submission).
  void AppendAllAsync(std::vector<AppendRequest> appends);

  // Makes the erasures of sections at `positions` final on disk: flushes every column family
  // (so no write-ahead log file still holds the erased bytes) and compacts those records'
  // keys down to the last level (so no older table file does). An erasure is consistent and
  // verifiable without this; this takes the old bytes off the disk. Blocks while RocksDB
  // works: call it from a thread that may wait, not the writer's.
  absl::Status PurgeErased(const std::vector<uint64_t>& positions);

  // The committed Append that carried `request_id`, if any: its stream and result (with
  // `replayed` set). Lets a caller answer a retry before deciding anything anew.
  struct PriorAppend {
    std::string stream;
    AppendResult result;
  };
  absl::StatusOr<std::optional<PriorAppend>> FindRequest(const std::string& request_id) const;

  // The version of the stream's last event; nullopt when the stream has no events.
  absl::StatusOr<std::optional<uint64_t>> StreamVersion(const std::string& stream) const;

  // Reads up to `max_count` events of `stream` starting at `from_version` (inclusive) in
  // `direction`. Reading backwards from a version past the end starts at the last event.
  // kNotFound when the stream has no events.
  absl::StatusOr<StreamPage> ReadStream(const std::string& stream, uint64_t from_version,
                                        ReadDirection direction, size_t max_count) const;

  // Reads up to `max_count` committed events starting at global position `from_position`.
  absl::StatusOr<AllPage> ReadAll(uint64_t from_position, size_t max_count) const;

  // Calls `fn` for each committed event in [from_position, to_position) in order, with a view
  // into the stored record (no copies), until `fn` returns an error, which Scan returns.
  // kDataLoss for a damaged or missing record.
  absl::Status Scan(uint64_t from_position, uint64_t to_position,
                    const std::function<absl::Status(const RecordView&)>& fn) const;

  // The number of committed events, i.e. the position the next event will get.
  uint64_t NextPosition() const;
  // The hash of the last committed event (32 zero bytes for an empty log). Recording it outside
  // the server anchors the chain: Verify then detects even a rewrite of the whole chain.
  std::string HeadHash() const;

  // Blocks until NextPosition() > `position` (returns OK), the deadline passes
  // (kDeadlineExceeded), or the log is closing or `cancelled` (if given) is true after a call to
  // WakeWaiters() (kCancelled). Closing and cancelled win over committed data: once cancelled,
  // it returns kCancelled even when events past `position` are waiting.
  absl::Status WaitForPosition(uint64_t position, absl::Time deadline,
                               const std::atomic<bool>* cancelled = nullptr) const;
  // Wakes WaitForPosition callers so they re-check their `cancelled` flag.
  void WakeWaiters() const;

  // A subscription delivering every committed event from `from_position` on: first the history,
  // then live events as they commit. The subscription must not outlive this log.
  std::unique_ptr<Subscription> Subscribe(uint64_t from_position);

  // Recomputes checksums and every hash link over [from, to) (to clamped to the committed end),
  // checks that keys, positions and the stream index agree, and, when `to` reaches the end, that
  // the stored head matches. Reports the first bad position and why. The returned status is an
  // error only when the database could not be read.
  absl::StatusOr<VerifyReport> Verify(uint64_t from, uint64_t to) const;

  // Free and total bytes of the volume holding the log's directory.
  absl::StatusOr<VolumeSpace> Space() const;
  // OK while appends are accepted; after a failed commit, the error appends get until writing
  // resumes (kResourceExhausted when the data volume is full).
  absl::Status WriteState() const;
  // Blocks until appends are accepted again or `deadline` passes; returns WriteState().
  absl::Status AwaitWritable(absl::Time deadline) const;

  // Commit counters since Open.
  CommitStats Stats() const;
  // An integer property of the underlying database, summed over its column families (e.g.
  // "rocksdb.estimate-live-data-size", "rocksdb.total-sst-files-size"); nullopt if unknown.
  std::optional<uint64_t> IntProperty(const std::string& name) const;

  // Writes a consistent online copy of the log into `backup_dir`, which must not exist.
  // Safe while appends continue: the copy holds a prefix of the log.
  absl::Status Backup(const std::string& backup_dir) const;

  // Copies a backup made by Backup into `target_dir` (must not exist or be empty), opens it and
  // verifies the whole chain; on any failure removes what it copied and returns the error.
  static absl::Status Restore(const std::string& backup_dir, const std::string& target_dir);

 private:
  struct PendingAppend;
  struct PreparedGroup;

  EventLog(std::string dir, EventLogOptions options, std::unique_ptr<rocksdb::DB> db,
           std::vector<rocksdb::ColumnFamilyHandle*> handles, uint64_t next_position,
           std::string last_hash, absl::Time last_recorded_at, uint64_t resume_free_bytes);

  // kUnavailable while the database is closed (a reopen after a failed write did not succeed).
  absl::Status DbAvailable() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  // Releases the column families and closes the database, if it is open.
  void CloseDatabase() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Sequencer only, with no group prepared or being written, after a failed commit: if the
  // volume has room again and a synced write to the data directory succeeds, reopens the
  // database, takes the head from it and clears the write error. Returns the error that still
  // stands, or OK.
  absl::Status RecoverFromWriteError() ABSL_LOCKS_EXCLUDED(db_mu_);

  absl::Status ValidateAppend(const std::string& stream, const std::vector<EventData>& events,
                              const std::string& request_id, size_t* bytes) const;

  // The write path is a two-stage pipeline. The sequencer decides each queued append (request_id,
  // expected version), assigns versions and positions, computes hashes and builds one WriteBatch
  // per group; the syncer writes it with sync=true, publishes the new head and answers the
  // callers. The sequencer prepares group N+1 while the syncer writes group N, assuming N will
  // commit; if it does not, the sticky write error fails N+1 too. When no group is being written
  // the sequencer commits its group itself (one thread hand-over less at low load). Groups are
  // committed one at a time (`committing_`) and in the order they were prepared.
  void SequencerLoop();
  void SyncerLoop();
  PreparedGroup Prepare(std::vector<PendingAppend> appends);
  // The committed record `ref` names (from `erased` when this append changed it already, else
  // as the group or the database holds it), if its section can be erased.
  absl::StatusOr<RecordedEvent*> ErasureTarget(const SectionRef& ref, const PreparedGroup& group,
                                               absl::flat_hash_map<uint64_t, RecordedEvent>& erased)
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  void Decide(PendingAppend& p, uint64_t group_seq, absl::Time now, PreparedGroup& group)
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  void Commit(PreparedGroup group);
  // Sequencer only: the stream's last version, from the cache or the database.
  absl::StatusOr<std::optional<uint64_t>> CachedStreamVersion(const std::string& stream)
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<std::optional<uint64_t>> ReadStreamVersion(const std::string& stream) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  // What is wrong with `record`'s sections and erasures (FORMAT.md "What Verify checks"), or
  // empty; an error only when a record it names cannot be read.
  absl::StatusOr<std::string> SectionProblem(const RecordedEvent& record, uint64_t committed) const
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
  const EventLogOptions options_;
  // After a failed write, writing resumes only once the volume has this much free (the
  // write-ahead budget of storage/rocks_setup.h, from the free space at Open).
  const uint64_t resume_free_bytes_;
  // Every use of the database holds db_mu_ shared; a reopen after a failed write holds it
  // exclusively. Public methods take it once at their start; private helpers expect it held.
  mutable absl::Mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_ ABSL_GUARDED_BY(db_mu_);
  // default, events, streams, requests, meta
  std::vector<rocksdb::ColumnFamilyHandle*> handles_ ABSL_GUARDED_BY(db_mu_);

  // The committed head. Readers wait on mu_ for next_position_ to grow.
  mutable absl::Mutex mu_;
  uint64_t next_position_ ABSL_GUARDED_BY(mu_);
  std::string last_hash_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  CommitStats stats_ ABSL_GUARDED_BY(mu_);

  // Hand-over between callers, sequencer and syncer.
  mutable absl::Mutex pipeline_mu_;
  std::deque<PendingAppend> queue_ ABSL_GUARDED_BY(pipeline_mu_);
  std::unique_ptr<PreparedGroup> prepared_ ABSL_GUARDED_BY(pipeline_mu_);  // at most one
  bool stopping_ ABSL_GUARDED_BY(pipeline_mu_) = false;
  bool sequencer_done_ ABSL_GUARDED_BY(pipeline_mu_) = false;
  bool committing_ ABSL_GUARDED_BY(pipeline_mu_) = false;  // a group is being written
  absl::Status write_error_ ABSL_GUARDED_BY(pipeline_mu_);  // sticky: set when a commit fails
  uint64_t committed_group_ ABSL_GUARDED_BY(pipeline_mu_) = 0;

  // Owned by the sequencer thread alone: the head as of the last prepared group.
  struct InflightRequest {
    std::string stream;
    std::string fingerprint;
    AppendResult result;
    uint64_t group;
  };
  absl::flat_hash_map<std::string, uint64_t> stream_heads_;  // stream -> last version
  absl::flat_hash_map<std::string, InflightRequest> inflight_requests_;  // prepared, maybe unsynced
  uint64_t prepared_position_;
  std::string prepared_hash_;
  absl::Time last_recorded_at_;
  uint64_t group_seq_ = 0;

  std::thread sequencer_;
  std::thread syncer_;
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_EVENT_LOG_H_
