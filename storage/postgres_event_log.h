// PostgresEventLog: the event log (storage/event_log.h) in a PostgreSQL database, for several
// sccd nodes over one replicated database. Every promise of EventLog holds; in addition:
// - Durability: an Append is acknowledged only after the COMMIT of the transaction carrying it
//   returned, with synchronous_commit at least `on` (the log sets it on its writing session
//   unless the server asks for remote_apply): with a synchronous standby, the commit is on the
//   standby's disk too. Concurrent appends share one transaction (group commit).
// - One writer, elected by the database: of all the logs open on one database (and schema), the
//   one whose session holds the PostgreSQL advisory lock (1484, hashtext(current_schema()))
//   writes; it records its node name in scc_writer. The others are followers: they serve reads
//   from the same tables, follow the head by LISTEN/NOTIFY (and by reading it every 250 ms),
//   and refuse appends with kUnavailable naming the writer. Every follower tries to take the
//   role every `writer_lease_retry`; when the writer's session ends (its process died, or it
//   lost the database) the lock goes with it and a follower takes over within that time.
// - No split brain: a transaction commits only if, inside it, the head is still the one this
//   writer last wrote and its session still holds the lock (the head update checks both); any
//   failed commit drops the writer role and the connection, and the head is read again before
//   writing resumes. A commit whose answer was lost is found by its request_id.
// - Failover of the database: the URI may name several hosts with target_session_attrs=
//   read-write; after a standby is promoted, the next connection finds it, and the writer takes
//   the role there by itself.
// - Schema: storage/FORMAT.md "PostgreSQL"; versioned migrations run at Open, under a lock.
// - Waiting is bounded: unless the URI says otherwise, connections give up connecting after
//   5 s and a database that stops answering after about 10 s (TCP keepalives and
//   tcp_user_timeout), so a writer cut off by a partition notices within seconds.
//
// Threads: one writer thread (takes the role, decides and commits groups, answers appends) and
// one follower thread (LISTEN and the head); reads use a pool of connections.
#ifndef SCC_STORAGE_POSTGRES_EVENT_LOG_H_
#define SCC_STORAGE_POSTGRES_EVENT_LOG_H_

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
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "storage/event_log.h"
#include "storage/pg_connection.h"

namespace scc::storage {

class PostgresEventLog final : public EventLog {
 public:
  // The schema version this build writes (scc_schema); a database at a later one is refused.
  static constexpr int kSchemaVersion = 1;

  // Connects to `uri`, migrates the schema and checks the head against the last record.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const std::string& uri,
                                                        EventLogOptions options);
  // Writes a copy of `source`'s first `end` records, as stored, and its stored requests into
  // the empty log at `uri` (created if needed), in one transaction. The caller opens and
  // verifies the result.
  static absl::Status Load(const std::string& uri, const EventLog& source, uint64_t end);

  ~PostgresEventLog() override;

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
  WriterRole Role() const override;
  const char* Home() const override { return "postgresql"; }
  std::optional<uint64_t> IntProperty(const std::string& name) const override;
  absl::Status Backup(const std::string& backup_dir) const override;

 private:
  struct Group;

  PostgresEventLog(std::string uri, EventLogOptions options, Head head);

  void WriterLoop();
  void FollowerLoop();
  // Writer thread: connects if needed and tries to take the writer role; OK when held.
  absl::Status TakeWriterRole();
  // Writer thread: gives the role up (closing the session releases the lock); appends get
  // `why` until it is taken again.
  void DropWriterRole(absl::Status why);
  // Writer thread, holding the role: decides `appends`, commits them in one transaction and
  // answers them.
  void CommitGroup(std::vector<QueuedAppend> appends);
  absl::Status Decide(Group& group);
  absl::Status Write(const Group& group);
  bool IsWriter() const;

  const std::string uri_;
  mutable PgPool reads_;

  absl::Mutex queue_mu_;
  std::deque<QueuedAppend> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;

  mutable absl::Mutex role_mu_;
  bool writer_ ABSL_GUARDED_BY(role_mu_) = false;
  std::string holder_ ABSL_GUARDED_BY(role_mu_);
  absl::Time followed_at_ ABSL_GUARDED_BY(role_mu_) = absl::InfinitePast();
  // Why appends are refused while this log is not the writer.
  absl::Status refusal_ ABSL_GUARDED_BY(role_mu_);

  // Owned by the writer thread.
  std::unique_ptr<PgConnection> session_;
  absl::flat_hash_map<std::string, std::optional<uint64_t>> stream_heads_;
  Head written_;  // the head as this writer last committed or read it
  absl::Time last_attempt_ = absl::InfinitePast();

  absl::Notification stop_follower_;
  int wake_follower_[2] = {-1, -1};  // a pipe: written once, at close
  std::thread writer_thread_;
  std::thread follower_thread_;
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_POSTGRES_EVENT_LOG_H_
