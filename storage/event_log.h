// EventLog: a durable, append-only, tamper-evident log of events grouped into streams. It knows
// bytes, streams and order; it never interprets event payloads. This is the contract; it has two
// homes, chosen by the location given to Open: RocksDB in a directory (storage/rocks_event_log.h,
// the embedded default) and PostgreSQL (storage/postgres_event_log.h, for several nodes over a
// replicated database). The storage test suites run against both.
//
// Promises (each tested in storage/*_test.cc and tests/crash/, against both homes):
// - Thread safety: every method may be called concurrently from any thread.
// - Atomicity: the events of one Append are committed all together or not at all.
// - Ordering: each event gets a per-stream version (0, 1, 2, ...) and a global position assigned
//   at commit. Positions are gapless and strictly increasing; a reader never sees position N+1
//   before N.
// - Durability: an Append is acknowledged only after what it wrote is durable (RocksDB: its
//   WriteBatch synced; PostgreSQL: its transaction's COMMIT returned with synchronous_commit at
//   least `on`). Concurrent appends are grouped into one commit (group commit), so throughput
//   grows with concurrency.
// - Idempotency: an Append carrying a request_id already committed returns the first call's result
//   with `replayed = true` and writes nothing, also after a restart, without expiry; the same
//   request_id with different content (stream or events) is refused with kAlreadyExists.
// - Tamper evidence: each record stores SHA-256(previous hash || canonical bytes) and a CRC-32C
//   (storage/FORMAT.md). Reads refuse records whose checksum fails (kDataLoss); Verify
//   recomputes every link.
// - One writer: at most one open log appends at a time. A log that cannot write (its disk failed
//   or filled; on PostgreSQL, another node holds the writer role or the database is lost) gives
//   appends kUnavailable (kResourceExhausted for a full disk) naming why, acknowledges nothing
//   of them, keeps serving reads, and resumes by itself (WriteState()).
#ifndef SCC_STORAGE_EVENT_LOG_H_
#define SCC_STORAGE_EVENT_LOG_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/event.h"
#include "storage/record.h"
#include "storage/rocks_setup.h"

namespace rocksdb {
class Env;
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
  // RocksDB: the request ids of committed appends kept in memory besides the database (about
  // 200 bytes each), so that an append whose caller looked its id up within them needs no
  // second look-up (AppendRequest::absent_mark).
  size_t requests_kept_in_memory = 32768;

  // The RocksDB environment for file I/O; nullptr: the default (the real file system). Not
  // owned; must outlive the log. Tests pass one that injects faults.
  rocksdb::Env* env = nullptr;

  // PostgreSQL only. The name other nodes report for this one while it holds the writer role
  // (sccd passes its address); default: host name and process id.
  std::string node_name;
  // How often a node that is not the writer tries to take the role, and how often the writer
  // checks that it still reaches the database while idle.
  absl::Duration writer_lease_retry = absl::Seconds(1);
  // Connections for reads (each serves one read at a time).
  int read_connections = 16;
  // Told, in a line for the operator, when this log takes or gives up the writer role. Runs on
  // the log's writer thread: it must not block or call back into the log. May be empty.
  std::function<void(const std::string&)> on_role_change;
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

// Where a log is written from: this process, or another one (a follower of a shared database).
struct WriterRole {
  bool writer = true;
  // When not the writer: the name of the node that holds the role ("" when none does yet).
  std::string holder;
  // When not the writer: when this log last read the committed head from the database, so its
  // view of the log is no older than this (InfinitePast before the first read).
  absl::Time followed_at = absl::InfinitePast();
};

// The contract. Implementations hold the committed head here (NextPosition, HeadHash, waiting
// for positions) and publish commits through PublishHead; everything that touches storage is
// theirs.
class EventLog {
 public:
  using AppendCallback = absl::AnyInvocable<void(absl::StatusOr<AppendResult>) &&>;

  // Opens (creating if missing) the log at `location`: a directory (RocksDB), or a PostgreSQL
  // connection URI (`postgresql://...` or `postgres://...`; libpq's multi-host form with
  // target_session_attrs=read-write follows a failover). Fails with kDataLoss when the stored
  // head and the last record disagree, kFailedPrecondition on an unknown format version, and
  // kUnavailable when the location cannot be reached (or, for a directory, another process holds
  // it).
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const std::string& location,
                                                        EventLogOptions options = {});
  // True when `location` names a PostgreSQL database rather than a directory.
  static bool IsPostgresLocation(const std::string& location);

  // Commits the appends already queued, stops writing, wakes every subscription (their Next
  // returns kCancelled) and closes the storage.
  // REQUIRES: no other thread is inside a method of this log; every Subscription is destroyed.
  virtual ~EventLog() = default;

  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `events` to `stream` if `expected` holds. Errors:
  // kInvalidArgument (bad stream name, empty or oversized batch, ...), kAborted (wrong expected
  // version: ConflictCurrentVersion() gives the current one), kAlreadyExists (request_id reused
  // with different content), kUnavailable (not written; see the class comment).
  // `request_id` may be empty (no idempotency).
  absl::StatusOr<AppendResult> Append(std::string stream, ExpectedVersion expected,
                                      std::vector<EventData> events, std::string request_id);

  // As Append, but returns at once; `done` runs exactly once, on the log's commit thread after
  // the commit (or on the calling thread for argument errors). `done` must not block.
  void AppendAsync(std::string stream, ExpectedVersion expected, std::vector<EventData> events,
                   std::string request_id, AppendCallback done);

  // One append of AppendAllAsync.
  struct AppendRequest {
    std::string stream;
    ExpectedVersion expected = ExpectedVersion::Any();
    std::vector<EventData> events;
    std::string request_id;
    AppendCallback done;
    // What LookUpRequest left in `absent_mark` when it found nothing for this request_id
    // (0: none): the log need not look the id up in storage again if it still holds in memory
    // every request committed since (RocksDB). A mark from another request id is a bug.
    uint64_t absent_mark = 0;
  };
  // As AppendAsync for each of `appends`, in order, but queued in one step, so one commit can
  // carry them all (a bulk submission).
  virtual void AppendAllAsync(std::vector<AppendRequest> appends) = 0;

  // Makes the erasures of sections at `positions` final in storage (RocksDB: flush and compact
  // those keys; PostgreSQL: VACUUM FULL the events table, so no page holds the old row). An
  // erasure is consistent and verifiable without this. Blocks: call it from a thread that may
  // wait, not the commit thread.
  virtual absl::Status PurgeErased(const std::vector<uint64_t>& positions) = 0;

  // The committed Append that carried `request_id`, if any: its stream and result (with
  // `replayed` set). Lets a caller answer a retry before deciding anything anew.
  struct PriorAppend {
    std::string stream;
    AppendResult result;
  };
  absl::StatusOr<std::optional<PriorAppend>> FindRequest(const std::string& request_id) const {
    return LookUpRequest(request_id, nullptr);
  }
  // As FindRequest; when nothing is found and `absent_mark` is not null, it receives a mark of
  // how far the log had committed when it looked (0 when the log keeps none), for
  // AppendRequest::absent_mark: one look-up of a new request id instead of two.
  virtual absl::StatusOr<std::optional<PriorAppend>> LookUpRequest(
      const std::string& request_id, uint64_t* absent_mark) const = 0;

  // Calls `fn` for every stored request (request_id and what its Append committed), in no
  // particular order, until `fn` returns an error, which this returns. For copying a log.
  virtual absl::Status ScanRequests(
      const std::function<absl::Status(const std::string& request_id,
                                       const StoredRequest& request)>& fn) const = 0;

  // The version of the stream's last event; nullopt when the stream has no events.
  virtual absl::StatusOr<std::optional<uint64_t>> StreamVersion(
      const std::string& stream) const = 0;

  // Reads up to `max_count` events of `stream` starting at `from_version` (inclusive) in
  // `direction`. Reading backwards from a version past the end starts at the last event.
  // kNotFound when the stream has no events.
  virtual absl::StatusOr<StreamPage> ReadStream(const std::string& stream, uint64_t from_version,
                                                ReadDirection direction,
                                                size_t max_count) const = 0;

  // Reads up to `max_count` committed events starting at global position `from_position`.
  absl::StatusOr<AllPage> ReadAll(uint64_t from_position, size_t max_count) const;

  // Calls `fn` for each committed event in [from_position, to_position) in order, with a view
  // into the stored record, until `fn` returns an error, which Scan returns.
  // kDataLoss for a damaged or missing record.
  virtual absl::Status Scan(uint64_t from_position, uint64_t to_position,
                            const std::function<absl::Status(const RecordView&)>& fn) const = 0;

  // The number of committed events, i.e. the position the next event will get. On a follower,
  // what it has seen the writer commit.
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
  // checks that positions and the stream index agree, and, when `to` reaches the end, that the
  // stored head matches. Reports the first bad position and why (storage/FORMAT.md "What Verify
  // checks"). The returned status is an error only when the storage could not be read.
  virtual absl::StatusOr<VerifyReport> Verify(uint64_t from, uint64_t to) const = 0;

  // Free and total bytes of the volume holding the log (kUnimplemented where the log does not
  // know it: a database elsewhere).
  virtual absl::StatusOr<VolumeSpace> Space() const = 0;
  // OK while appends are accepted; otherwise the error appends get until writing resumes.
  virtual absl::Status WriteState() const = 0;
  // Blocks until appends are accepted again or `deadline` passes; returns WriteState().
  virtual absl::Status AwaitWritable(absl::Time deadline) const = 0;
  // Whether this log is the one that writes (always, for a directory).
  virtual WriterRole Role() const = 0;
  // "rocksdb" or "postgresql".
  virtual const char* Home() const = 0;

  // Commit counters since Open.
  CommitStats Stats() const;
  // An integer property of the storage (RocksDB: summed over its column families, e.g.
  // "rocksdb.estimate-live-data-size"); nullopt if unknown.
  virtual std::optional<uint64_t> IntProperty(const std::string& name) const = 0;

  // Writes a consistent online copy of the log into `backup_dir`, which must not exist, as a
  // RocksDB log directory (Restore and Open read it). Safe while appends continue: the copy
  // holds a prefix of the log.
  virtual absl::Status Backup(const std::string& backup_dir) const = 0;

  // Copies a backup made by Backup into `target_dir` (must not exist or be empty), opens it and
  // verifies the whole chain; on any failure removes what it copied and returns the error.
  static absl::Status Restore(const std::string& backup_dir, const std::string& target_dir);

 protected:
  EventLog(EventLogOptions options, Head head);

  // One append queued for a log's commit thread, validated; the thread fills in its outcome.
  struct QueuedAppend {
    std::string stream;
    ExpectedVersion expected = ExpectedVersion::Any();
    std::vector<EventData> events;
    std::string request_id;
    std::string fingerprint;  // set only with a request_id
    uint64_t absent_mark = 0;  // AppendRequest::absent_mark
    size_t bytes = 0;
    AppendCallback done;
    absl::StatusOr<AppendResult> outcome = absl::InternalError("append not decided");
    std::optional<size_t> same_request_as;  // index of an earlier append of its group
  };
  // Validates `appends`: those refused are answered at once (on this thread), the others are
  // returned, ready to queue.
  std::vector<QueuedAppend> Admit(std::vector<AppendRequest> appends) const;
  // Answers every append of a committed (or failed) group: one that repeats the request_id of
  // an earlier one in the group (same_request_as) gets that one's outcome, as a replay, or
  // kAlreadyExists for other content.
  static void AnswerGroup(std::vector<QueuedAppend>& group);

  // kInvalidArgument naming the field and limit an append exceeds; else its size in `*bytes`.
  absl::Status ValidateAppend(const std::string& stream, const std::vector<EventData>& events,
                              const std::string& request_id, size_t* bytes) const;
  // The committed head, read at once (position and hash agree).
  Head CommittedHead() const;
  // Makes [.., head.next_position) visible to readers and waiters, if beyond what they see.
  void PublishHead(const Head& head);
  // Counts a committed group of `appends` appends and `events` events, or a failed one.
  void CountGroup(size_t appends, uint64_t events);
  void CountFailedGroup();
  // Wakes every waiter for good (WaitForPosition returns kCancelled from now on).
  void MarkClosing();

  const EventLogOptions options_;

 private:
  mutable absl::Mutex head_mu_;
  Head head_ ABSL_GUARDED_BY(head_mu_);
  bool closing_ ABSL_GUARDED_BY(head_mu_) = false;
  CommitStats stats_ ABSL_GUARDED_BY(head_mu_);
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_EVENT_LOG_H_
