// PostgresEventLog: opening and migrating the schema, the writer role, the group commit, the
// follower, reads and Verify (see postgres_event_log.h).
#include "storage/postgres_event_log.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/chain.h"
#include "storage/record.h"
#include "storage/rocks_event_log.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace {

// The advisory locks (two int4 keys: a class, and the schema's hash): the writer role, and
// schema migrations.
constexpr int kWriterLockClass = 1484;
constexpr int kMigrationLockClass = 1485;
std::string LockKey(int lock_class) {
  return absl::StrCat(lock_class, ", hashtext(current_schema())");
}
constexpr char kChannel[] = "scc_log";
constexpr absl::Duration kFollowInterval = absl::Milliseconds(250);
constexpr int64_t kPage = 1000;

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Every schema version, in order. Never edit a released one: add the next.
const Migration kMigrations[] = {
    {1, "events, stream index, requests, head and writer",
     "CREATE TABLE scc_events ("
     "  position bigint PRIMARY KEY CHECK (position >= 0),"
     "  stream bytea NOT NULL,"
     "  version bigint NOT NULL CHECK (version >= 0),"
     "  record bytea NOT NULL,"
     "  UNIQUE (stream, version));"
     "CREATE TABLE scc_requests (request_id bytea PRIMARY KEY, request bytea NOT NULL);"
     "CREATE TABLE scc_head ("
     "  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
     "  next_position bigint NOT NULL, head bytea NOT NULL);"
     "CREATE TABLE scc_writer ("
     "  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
     "  node text NOT NULL, since timestamptz NOT NULL, term bigint NOT NULL);"},
};

const std::string& InsertEventsSql() {
  static const std::string sql =
      "INSERT INTO scc_events (position, stream, version, record) "
      "SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::bytea[])";
  return sql;
}

const std::string& InsertRequestsSql() {
  static const std::string sql =
      "INSERT INTO scc_requests (request_id, request) SELECT * FROM unnest($1::bytea[], "
      "$2::bytea[])";
  return sql;
}

absl::StatusOr<Head> ReadHead(PgConnection& conn) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec("reading the log head", "SELECT head FROM scc_head"));
  if (r.rows() != 1) return absl::DataLossError("the log's head row (scc_head) is missing");
  return DecodeHead(r.Bytes(0, 0));
}

absl::StatusOr<RecordedEvent> ReadRecordAt(PgConnection& conn, uint64_t position) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(absl::StrCat("reading position ", position),
                             "SELECT record FROM scc_events WHERE position = $1",
                             {PgParam::Int(static_cast<int64_t>(position))}));
  if (r.rows() == 0) return MissingRecordError(position);
  absl::StatusOr<RecordedEvent> record = DecodeRecord(r.Bytes(0, 0));
  RETURN_IF_ERROR(CheckStoredAt(position, record));
  return record;
}

// The head must agree with the last stored record, and nothing may lie beyond it.
absl::Status CheckHead(PgConnection& conn, const Head& head) {
  ASSIGN_OR_RETURN(PgResult beyond,
                   conn.Exec("checking the log head",
                             "SELECT count(*)::bigint FROM (SELECT 1 FROM scc_events WHERE "
                             "position >= $1 LIMIT 1) AS beyond",
                             {PgParam::Int(static_cast<int64_t>(head.next_position))}));
  if (beyond.Int(0, 0) != 0) {
    return absl::DataLossError(absl::StrCat("log head says ", head.next_position,
                                            " events, but a record is stored beyond them"));
  }
  if (head.next_position == 0) return absl::OkStatus();
  absl::StatusOr<RecordedEvent> last = ReadRecordAt(conn, head.next_position - 1);
  if (!last.ok() || last->hash != head.last_hash) {
    return absl::DataLossError(absl::StrCat(
        "log head says ", head.next_position, " events ending in a known hash, but the last "
        "stored record ", last.ok() ? "has another hash" : last.status().message()));
  }
  return absl::OkStatus();
}

// Creates or upgrades the schema, one node at a time.
absl::Status Migrate(PgConnection& conn) {
  RETURN_IF_ERROR(conn.Run("starting the schema migration", "BEGIN"));
  auto fail = [&conn](absl::Status status) {
    conn.Run("rolling back", "ROLLBACK").IgnoreError();  // the status says what failed
    return status;
  };
  absl::Status locked = conn.Run(
      "locking the schema", absl::StrCat("SELECT pg_advisory_xact_lock(", LockKey(kMigrationLockClass), ")"));
  if (!locked.ok()) return fail(locked);
  absl::Status created = conn.Run(
      "creating scc_schema",
      "CREATE TABLE IF NOT EXISTS scc_schema (version integer PRIMARY KEY, applied_at "
      "timestamptz NOT NULL DEFAULT now(), description text NOT NULL)");
  if (!created.ok()) return fail(created);
  absl::StatusOr<PgResult> current = conn.Exec(
      "reading the schema version", "SELECT coalesce(max(version), 0)::bigint FROM scc_schema");
  if (!current.ok()) return fail(current.status());
  const int64_t version = current->Int(0, 0);
  if (version > PostgresEventLog::kSchemaVersion) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "the database holds event log schema version ", version, ", a store format this build "
        "does not know (it knows versions up to ", PostgresEventLog::kSchemaVersion,
        "): upgrade sccd")));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    absl::Status applied = conn.Run(absl::StrCat("schema migration ", m.version), m.sql);
    if (applied.ok()) {
      applied = conn.Exec("recording the migration",
                          "INSERT INTO scc_schema (version, description) VALUES ($1, $2)",
                          {PgParam::Int(m.version), PgParam::Text(m.description)})
                    .status();
    }
    if (applied.ok() && m.version == 1) {
      applied = conn.Exec("writing the empty head",
                          "INSERT INTO scc_head (next_position, head) VALUES (0, $1)",
                          {PgParam::Bytes(EncodeHead(Head{0, GenesisHash(), absl::UnixEpoch()}))})
                    .status();
    }
    if (!applied.ok()) return fail(applied);
  }
  return conn.Run("committing the schema migration", "COMMIT");
}

// `uri` with bounds on waiting for a database that stopped answering (a partition rather than a
// refused connection), unless the URI sets them: connecting gives up after 5 s, an idle
// connection is probed after 5 s and given up after three unanswered probes 2 s apart, and data
// unacknowledged for 10 s ends the connection. A writer cut off from the database thus notices
// within seconds, and a read waits no longer.
std::string WithConnectionBounds(const std::string& uri) {
  static constexpr std::pair<const char*, const char*> kBounds[] = {
      {"connect_timeout", "5"},      {"keepalives", "1"},         {"keepalives_idle", "5"},
      {"keepalives_interval", "2"}, {"keepalives_count", "3"},   {"tcp_user_timeout", "10000"},
  };
  std::string out = uri;
  for (const auto& [key, value] : kBounds) {
    if (absl::StrContains(uri, absl::StrCat(key, "="))) continue;
    absl::StrAppend(&out, absl::StrContains(out, "?") ? "&" : "?", key, "=", value);
  }
  return out;
}

std::string DefaultNodeName() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, ":", getpid());
}

// The stored requests of those of `ids` that were committed, by request id.
absl::StatusOr<absl::flat_hash_map<std::string, StoredRequest>> LookUpRequests(
    PgConnection& conn, const std::vector<std::string>& ids) {
  absl::flat_hash_map<std::string, StoredRequest> found;
  ASSIGN_OR_RETURN(PgResult r, conn.Exec("looking up request ids",
                                         "SELECT request_id, request FROM scc_requests WHERE "
                                         "request_id = ANY($1::bytea[])",
                                         {PgParam::Bytes(PgByteaArray(ids))}));
  for (int i = 0; i < r.rows(); ++i) {
    ASSIGN_OR_RETURN(StoredRequest stored, DecodeStoredRequest(r.Bytes(i, 1)));
    found.emplace(std::string(r.Bytes(i, 0)), std::move(stored));
  }
  return found;
}

// The rows one transaction inserts.
struct Rows {
  std::vector<int64_t> positions;
  std::vector<std::string> streams;
  std::vector<int64_t> versions;
  std::vector<std::string> records;
  std::vector<std::string> request_ids;
  std::vector<std::string> requests;
};

absl::Status InsertRows(PgConnection& conn, const Rows& rows) {
  if (!rows.positions.empty()) {
    RETURN_IF_ERROR(conn.Exec("writing events", InsertEventsSql(),
                              {PgParam::Bytes(PgBigintArray(rows.positions)),
                               PgParam::Bytes(PgByteaArray(rows.streams)),
                               PgParam::Bytes(PgBigintArray(rows.versions)),
                               PgParam::Bytes(PgByteaArray(rows.records))})
                        .status());
  }
  if (!rows.request_ids.empty()) {
    RETURN_IF_ERROR(conn.Exec("writing request ids", InsertRequestsSql(),
                              {PgParam::Bytes(PgByteaArray(rows.request_ids)),
                               PgParam::Bytes(PgByteaArray(rows.requests))})
                        .status());
  }
  return absl::OkStatus();
}

}  // namespace

// The appends the writer decides and commits together.
struct PostgresEventLog::Group {
  std::vector<QueuedAppend> appends;
  absl::Time now;
  Head end;  // the head once committed
  Rows rows;
  // Committed records whose sections this group erases, as they will be written.
  absl::flat_hash_map<uint64_t, RecordedEvent> erased;
  absl::flat_hash_map<std::string, StoredRequest> stored;  // earlier requests, looked up
};

absl::StatusOr<std::unique_ptr<EventLog>> PostgresEventLog::Open(const std::string& given_uri,
                                                                 EventLogOptions options) {
  if (options.node_name.empty()) options.node_name = DefaultNodeName();
  const std::string uri = WithConnectionBounds(given_uri);
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Connect(uri));
  RETURN_IF_ERROR(Migrate(*conn));
  ASSIGN_OR_RETURN(Head head, ReadHead(*conn));
  RETURN_IF_ERROR(CheckHead(*conn, head));
  return std::unique_ptr<EventLog>(new PostgresEventLog(uri, std::move(options), head));
}

PostgresEventLog::PostgresEventLog(std::string uri, EventLogOptions options, Head head)
    : EventLog(std::move(options), head),
      uri_(std::move(uri)),
      reads_(uri_, std::max(1, options_.read_connections)),
      written_(head) {
  {
    absl::MutexLock lock(&role_mu_);
    refusal_ = absl::UnavailableError("this node has not taken the event log's writer role yet");
  }
  if (pipe(wake_follower_) != 0) wake_follower_[0] = wake_follower_[1] = -1;  // then it polls
  writer_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-pg-writer");
    WriterLoop();
  });
  follower_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-pg-follow");
    FollowerLoop();
  });
}

PostgresEventLog::~PostgresEventLog() {
  MarkClosing();
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  stop_follower_.Notify();
  if (wake_follower_[1] >= 0) {
    // Should the write fail, the follower ends at its next poll, within kFollowInterval.
    [[maybe_unused]] const ssize_t woken = write(wake_follower_[1], "x", 1);
  }
  writer_thread_.join();
  follower_thread_.join();
  for (const int fd : wake_follower_) {
    if (fd >= 0) close(fd);
  }
}

void PostgresEventLog::AppendAllAsync(std::vector<AppendRequest> appends) {
  std::vector<QueuedAppend> pending = Admit(std::move(appends));
  {
    absl::MutexLock lock(&queue_mu_);
    if (!stopping_) {
      for (QueuedAppend& p : pending) queue_.push_back(std::move(p));
      return;
    }
  }
  for (QueuedAppend& p : pending) std::move(p.done)(absl::UnavailableError("event log is closing"));
}

bool PostgresEventLog::IsWriter() const {
  absl::MutexLock lock(&role_mu_);
  return writer_;
}

void PostgresEventLog::WriterLoop() {
  bool first = true;
  for (;;) {
    std::vector<QueuedAppend> appends;
    bool stopping;
    {
      absl::MutexLock lock(&queue_mu_);
      const absl::Condition ready(
          +[](PostgresEventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->queue_mu_) {
            return !self->queue_.empty() || self->stopping_;
          },
          this);
      if (!first) queue_mu_.AwaitWithTimeout(ready, options_.writer_lease_retry);
      first = false;
      stopping = stopping_;
      if (stopping && queue_.empty()) break;
      size_t bytes = 0;
      while (!queue_.empty() && (appends.empty() || bytes + queue_.front().bytes <=
                                                        options_.max_group_commit_bytes)) {
        bytes += queue_.front().bytes;
        appends.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!IsWriter()) {
      // Appends are refused at once while another node writes; the role is tried again at most
      // once per writer_lease_retry (a database that is down is not dialled for every append).
      absl::Status taken = absl::OkStatus();
      if (absl::Now() - last_attempt_ >= options_.writer_lease_retry || appends.empty()) {
        last_attempt_ = absl::Now();
        taken = TakeWriterRole();
      } else {
        taken = WriteState();
      }
      if (!taken.ok()) {
        for (QueuedAppend& p : appends) std::move(p.done)(taken);
        continue;
      }
    }
    if (appends.empty()) {
      // Idle: is the database still there? A writer that lost it gives the role up now.
      if (absl::Status alive = session_->Run("checking the database", "SELECT 1"); !alive.ok()) {
        DropWriterRole(alive);
      }
      continue;
    }
    CommitGroup(std::move(appends));
  }
  session_.reset();
}

absl::Status PostgresEventLog::TakeWriterRole() {
  auto refuse = [this](absl::Status why, std::string holder) {
    absl::MutexLock lock(&role_mu_);
    refusal_ = why;
    holder_ = std::move(holder);
    return why;
  };
  if (session_ == nullptr || session_->broken()) {
    session_.reset();
    absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(uri_);
    if (!conn.ok()) return refuse(conn.status(), "");
    session_ = *std::move(conn);
    // An acknowledged append must be durable: at least `on` (with a synchronous standby, on
    // its disk too); remote_apply, if the server asks for it, is stronger and kept.
    absl::Status set = session_->Run(
        "setting synchronous_commit",
        "SELECT CASE WHEN current_setting('synchronous_commit') = 'remote_apply' THEN NULL "
        "ELSE set_config('synchronous_commit', 'on', false) END");
    if (!set.ok()) {
      session_.reset();
      return refuse(set, "");
    }
  }
  absl::StatusOr<PgResult> locked = session_->Exec(
      "taking the writer role", absl::StrCat("SELECT pg_try_advisory_lock(", LockKey(kWriterLockClass), ")"));
  if (!locked.ok()) {
    session_.reset();
    return refuse(locked.status(), "");
  }
  if (!locked->Bool(0, 0)) {
    std::string holder;
    std::string since;
    if (absl::StatusOr<PgResult> who = session_->Exec(
            "reading the writer",
            "SELECT node, to_char(since, 'YYYY-MM-DD HH24:MI:SS TZ') FROM scc_writer");
        who.ok() && who->rows() == 1) {
      holder = std::string(who->Bytes(0, 0));
      since = std::string(who->Bytes(0, 1));
    }
    return refuse(
        absl::UnavailableError(absl::StrCat(
            "this node is not the event log's writer: ",
            holder.empty() ? "another node" : absl::StrCat("node ", holder),
            " holds the writer role", since.empty() ? "" : absl::StrCat(" since ", since),
            "; send commands there (reads are served here)")),
        holder);
  }
  // The role is ours: take the head from the database (another writer may have written since
  // this node last did) and say who writes.
  absl::StatusOr<Head> head = ReadHead(*session_);
  absl::Status checked = head.ok() ? CheckHead(*session_, *head) : head.status();
  if (checked.ok()) {
    checked = session_->Exec("recording the writer",
                             "INSERT INTO scc_writer (node, since, term) VALUES ($1, now(), 1) "
                             "ON CONFLICT (singleton) DO UPDATE SET node = $1, since = now(), "
                             "term = scc_writer.term + 1",
                             {PgParam::Text(options_.node_name)})
                  .status();
  }
  if (!checked.ok()) {
    session_.reset();  // releases the lock: a log whose head is wrong must not write
    return refuse(checked, "");
  }
  written_ = *head;
  stream_heads_.clear();
  PublishHead(written_);
  {
    absl::MutexLock lock(&role_mu_);
    writer_ = true;
    holder_ = options_.node_name;
    refusal_ = absl::OkStatus();
  }
  if (options_.on_role_change) {
    options_.on_role_change(absl::StrCat("took the event log's writer role as ",
                                         options_.node_name, " at position ",
                                         written_.next_position));
  }
  return absl::OkStatus();
}

void PostgresEventLog::DropWriterRole(absl::Status why) {
  session_.reset();
  stream_heads_.clear();
  {
    absl::MutexLock lock(&role_mu_);
    writer_ = false;
    holder_.clear();
    refusal_ = absl::UnavailableError(absl::StrCat(
        "this node gave up the event log's writer role, so nothing was recorded; it takes the "
        "role again (or another node does) once the database answers: ",
        why.message()));
  }
  if (options_.on_role_change) {
    options_.on_role_change(
        absl::StrCat("gave up the event log's writer role: ", why.message()));
  }
}

absl::Status PostgresEventLog::Decide(Group& group) {
  // One look-up each for the group's request ids and for the streams not cached.
  std::vector<std::string> ids;
  std::vector<std::string> streams;
  absl::flat_hash_set<std::string> seen_streams;
  for (const QueuedAppend& p : group.appends) {
    if (!p.request_id.empty()) ids.push_back(p.request_id);
    if (!stream_heads_.contains(p.stream) && seen_streams.insert(p.stream).second) {
      streams.push_back(p.stream);
    }
  }
  if (!ids.empty()) {
    ASSIGN_OR_RETURN(group.stored, LookUpRequests(*session_, ids));
  }
  if (!streams.empty()) {
    for (const std::string& s : streams) stream_heads_[s] = std::nullopt;
    ASSIGN_OR_RETURN(PgResult r,
                     session_->Exec("reading stream versions",
                                    "SELECT stream, max(version) FROM scc_events WHERE stream = "
                                    "ANY($1::bytea[]) GROUP BY stream",
                                    {PgParam::Bytes(PgByteaArray(streams))}));
    for (int i = 0; i < r.rows(); ++i) {
      stream_heads_[std::string(r.Bytes(i, 0))] = static_cast<uint64_t>(r.Int(i, 1));
    }
  }

  absl::flat_hash_map<std::string, size_t> requests_in_group;
  for (size_t i = 0; i < group.appends.size(); ++i) {
    QueuedAppend& p = group.appends[i];
    if (!p.request_id.empty()) {
      auto [it, inserted] = requests_in_group.try_emplace(p.request_id, i);
      if (!inserted) {
        p.same_request_as = it->second;
        continue;
      }
      if (auto earlier = group.stored.find(p.request_id); earlier != group.stored.end()) {
        if (earlier->second.stream != p.stream || earlier->second.fingerprint != p.fingerprint) {
          p.outcome = RequestReusedError(p.request_id);
        } else {
          AppendResult replay = earlier->second.result;
          replay.replayed = true;
          p.outcome = replay;
        }
        continue;
      }
    }
    const std::optional<uint64_t> current = stream_heads_[p.stream];
    if (!p.expected.IsSatisfiedBy(current)) {
      p.outcome = MakeConflictError(p.stream, p.expected, current);
      continue;
    }
    // The sections the append erases, checked before anything of it is written.
    absl::flat_hash_map<uint64_t, RecordedEvent> erased;
    absl::Status erasable = absl::OkStatus();
    uint64_t erasing = group.end.next_position;
    for (const EventData& e : p.events) {
      for (const SectionRef& ref : e.erases) {
        if (ref.position >= written_.next_position) {
          erasable = absl::InvalidArgumentError(
              absl::StrCat("erases: section ", ref.index, " of position ", ref.position,
                           " is not an event committed before this append"));
          break;
        }
        auto it = erased.find(ref.position);
        if (it == erased.end()) {
          if (auto earlier = group.erased.find(ref.position); earlier != group.erased.end()) {
            it = erased.emplace(ref.position, earlier->second).first;
          } else {
            ASSIGN_OR_RETURN(RecordedEvent target, ReadRecordAt(*session_, ref.position));
            it = erased.emplace(ref.position, std::move(target)).first;
          }
        }
        erasable = EraseSection(it->second, ref, erasing);
        if (!erasable.ok()) break;
      }
      if (!erasable.ok()) break;
      ++erasing;
    }
    if (!erasable.ok()) {
      p.outcome = erasable;
      continue;
    }

    AppendResult result;
    result.first_version = current ? *current + 1 : 0;
    result.first_position = group.end.next_position;
    result.recorded_at = group.now;
    uint64_t version = result.first_version;
    for (EventData& e : p.events) {
      RecordedEvent record =
          NewRecord(group.end.next_position, p.stream, version, group.now, p.request_id, e);
      group.rows.records.push_back(LinkRecord(record, &group.end.last_hash));
      group.rows.positions.push_back(static_cast<int64_t>(group.end.next_position));
      group.rows.streams.push_back(p.stream);
      group.rows.versions.push_back(static_cast<int64_t>(version));
      ++group.end.next_position;
      ++version;
    }
    for (auto& [position, record] : erased) group.erased[position] = std::move(record);
    result.last_version = version - 1;
    result.last_position = group.end.next_position - 1;
    if (!p.request_id.empty()) {
      group.rows.request_ids.push_back(p.request_id);
      group.rows.requests.push_back(
          EncodeStoredRequest(StoredRequest{p.stream, p.fingerprint, result}));
    }
    stream_heads_[p.stream] = result.last_version;
    p.outcome = result;
  }
  group.end.last_recorded_at = group.now;
  return absl::OkStatus();
}

// One statement, so one round trip and one transaction: the head moves only from the one this
// writer last wrote, and only while its session holds the writer lock; every other write of the
// group happens only if the head moved (a writer that lost the role commits nothing: no split
// brain). Followers are told at commit.
const std::string& CommitSql() {
  static const std::string sql = absl::StrCat(
      "WITH head AS (UPDATE scc_head SET next_position = $1, head = $2 WHERE next_position = $3 "
      "AND EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = "
      "pg_backend_pid() AND classid = ", kWriterLockClass, " AND objsubid = 2 AND objid = "
      "hashtext(current_schema())::oid) RETURNING 1), "
      "events AS (INSERT INTO scc_events (position, stream, version, record) SELECT * FROM "
      "unnest($4::bigint[], $5::bytea[], $6::bigint[], $7::bytea[]) WHERE EXISTS (SELECT 1 FROM "
      "head)), "
      "requests AS (INSERT INTO scc_requests (request_id, request) SELECT * FROM "
      "unnest($8::bytea[], $9::bytea[]) WHERE EXISTS (SELECT 1 FROM head)), "
      "erased AS (UPDATE scc_events SET record = e.record FROM unnest($10::bigint[], "
      "$11::bytea[]) AS e(position, record) WHERE scc_events.position = e.position AND EXISTS "
      "(SELECT 1 FROM head)) "
      "SELECT (SELECT count(*) FROM head), pg_notify('", kChannel, "', '')");
  return sql;
}

absl::Status PostgresEventLog::Write(const Group& group) {
  std::vector<int64_t> erased_positions;
  std::vector<std::string> erased_records;
  for (const auto& [position, record] : group.erased) {
    erased_positions.push_back(static_cast<int64_t>(position));
    erased_records.push_back(EncodeRecord(record));
  }
  ASSIGN_OR_RETURN(
      PgResult moved,
      session_->Exec("committing", CommitSql(),
                     {PgParam::Int(static_cast<int64_t>(group.end.next_position)),
                      PgParam::Bytes(EncodeHead(group.end)),
                      PgParam::Int(static_cast<int64_t>(written_.next_position)),
                      PgParam::Bytes(PgBigintArray(group.rows.positions)),
                      PgParam::Bytes(PgByteaArray(group.rows.streams)),
                      PgParam::Bytes(PgBigintArray(group.rows.versions)),
                      PgParam::Bytes(PgByteaArray(group.rows.records)),
                      PgParam::Bytes(PgByteaArray(group.rows.request_ids)),
                      PgParam::Bytes(PgByteaArray(group.rows.requests)),
                      PgParam::Bytes(PgBigintArray(erased_positions)),
                      PgParam::Bytes(PgByteaArray(erased_records))}));
  if (moved.rows() != 1 || moved.Int(0, 0) != 1) {
    return absl::AbortedError(
        "the log head moved under this writer, or its session lost the writer lock");
  }
  return absl::OkStatus();
}

void PostgresEventLog::CommitGroup(std::vector<QueuedAppend> appends) {
  Group group;
  group.appends = std::move(appends);
  // Stored with microsecond precision; truncate now so a replayed result equals the first one.
  group.now = std::max(absl::FromUnixMicros(absl::ToUnixMicros(options_.clock())),
                       written_.last_recorded_at);
  group.end = written_;
  absl::Status failure = Decide(group);
  const bool decided = failure.ok();
  if (decided && group.end.next_position > written_.next_position) {
    failure = Write(group);
    if (failure.ok()) {
      written_ = group.end;
      PublishHead(written_);
      CountGroup(group.appends.size(), group.rows.positions.size());
    } else {
      CountFailedGroup();
    }
  }
  if (!failure.ok()) {
    // Nothing of the group is acknowledged. Whether a lost COMMIT landed is known only once
    // the head is read again: give the role up, so it is.
    DropWriterRole(failure);
    const absl::Status refusal = WriteState();
    // A group that could not be decided tells every append; one that could not be written
    // tells those that would have succeeded (a replay decided beside it may be wrong too).
    for (QueuedAppend& p : group.appends) {
      if (!decided || p.outcome.ok()) p.outcome = refusal;
    }
  }
  AnswerGroup(group.appends);
}

void PostgresEventLog::FollowerLoop() {
  std::unique_ptr<PgConnection> conn;
  while (!stop_follower_.HasBeenNotified()) {
    if (conn == nullptr || conn->broken()) {
      conn.reset();
      absl::StatusOr<std::unique_ptr<PgConnection>> made = PgConnection::Connect(uri_);
      if (!made.ok() ||
          !(*made)->Run("following the log", absl::StrCat("LISTEN ", kChannel)).ok()) {
        stop_follower_.WaitForNotificationWithTimeout(kFollowInterval);
        continue;
      }
      conn = *std::move(made);
    }
    // The writer publishes its own commits; a follower reads what the writer committed.
    if (!IsWriter()) {
      if (absl::StatusOr<Head> head = ReadHead(*conn); head.ok()) {
        PublishHead(*head);
        absl::MutexLock lock(&role_mu_);
        followed_at_ = absl::Now();
      }
    }
    if (!conn->AwaitNotifications(kFollowInterval, wake_follower_[0]).ok()) conn.reset();
  }
}

absl::Status PostgresEventLog::WriteState() const {
  absl::MutexLock lock(&role_mu_);
  return refusal_;
}

absl::Status PostgresEventLog::AwaitWritable(absl::Time deadline) const {
  absl::MutexLock lock(&role_mu_);
  role_mu_.AwaitWithDeadline(
      absl::Condition(
          +[](const PostgresEventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->role_mu_) {
            return self->writer_;
          },
          this),
      deadline);
  return refusal_;
}

WriterRole PostgresEventLog::Role() const {
  absl::MutexLock lock(&role_mu_);
  return WriterRole{writer_, holder_, followed_at_};
}

absl::StatusOr<VolumeSpace> PostgresEventLog::Space() const {
  return absl::UnimplementedError(
      "the event log is in PostgreSQL: its volume is the database server's, watch it there");
}

std::optional<uint64_t> PostgresEventLog::IntProperty(const std::string&) const {
  return std::nullopt;
}

absl::Status PostgresEventLog::PurgeErased(const std::vector<uint64_t>&) {
  // VACUUM FULL rewrites the table, so no page of it still holds an erased row version; it
  // locks the table while it runs (a log of one authority rewrites in seconds).
  return WithRetry(reads_, [](PgConnection& conn) {
    return conn.Run("rewriting the events table after an erasure", "VACUUM FULL scc_events");
  });
}

absl::StatusOr<std::optional<EventLog::PriorAppend>> PostgresEventLog::LookUpRequest(
    const std::string& request_id, uint64_t* absent_mark) const {
  if (absent_mark != nullptr) *absent_mark = 0;  // the commit looks the id up in its transaction
  if (request_id.empty()) return std::optional<PriorAppend>();
  return WithRetry(reads_, [&](PgConnection& conn)
                               -> absl::StatusOr<std::optional<PriorAppend>> {
    ASSIGN_OR_RETURN(PgResult r, conn.Exec("looking up request_id",
                                           "SELECT request FROM scc_requests WHERE request_id = $1",
                                           {PgParam::Bytes(request_id)}));
    if (r.rows() == 0) return std::optional<PriorAppend>();
    ASSIGN_OR_RETURN(StoredRequest stored, DecodeStoredRequest(r.Bytes(0, 0)));
    stored.result.replayed = true;
    return std::optional<PriorAppend>(PriorAppend{std::move(stored.stream), stored.result});
  });
}

absl::Status PostgresEventLog::ScanRequests(
    const std::function<absl::Status(const std::string& request_id, const StoredRequest& request)>&
        fn) const {
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(PgResult r, WithRetry(reads_, [&](PgConnection& conn) {
                       return conn.Exec("reading stored requests",
                                        "SELECT request_id, request FROM scc_requests WHERE "
                                        "request_id > $1 ORDER BY request_id LIMIT 1000",
                                        {PgParam::Bytes(after)});
                     }));
    if (r.rows() == 0) return absl::OkStatus();
    for (int i = 0; i < r.rows(); ++i) {
      ASSIGN_OR_RETURN(StoredRequest stored, DecodeStoredRequest(r.Bytes(i, 1)));
      after = std::string(r.Bytes(i, 0));
      RETURN_IF_ERROR(fn(after, stored));
    }
  }
}

absl::StatusOr<std::optional<uint64_t>> PostgresEventLog::StreamVersion(
    const std::string& stream) const {
  return WithRetry(reads_, [&](PgConnection& conn) -> absl::StatusOr<std::optional<uint64_t>> {
    ASSIGN_OR_RETURN(PgResult r,
                     conn.Exec("reading the stream version",
                               "SELECT max(version) FROM scc_events WHERE stream = $1",
                               {PgParam::Bytes(stream)}));
    if (r.IsNull(0, 0)) return std::optional<uint64_t>();
    return std::optional<uint64_t>(static_cast<uint64_t>(r.Int(0, 0)));
  });
}

absl::StatusOr<StreamPage> PostgresEventLog::ReadStream(const std::string& stream,
                                                        uint64_t from_version,
                                                        ReadDirection direction,
                                                        size_t max_count) const {
  if (max_count == 0) return absl::InvalidArgumentError("max_count: must be positive");
  max_count = std::min(max_count, options_.max_read_count);
  const bool forwards = direction == ReadDirection::kForwards;
  // Versions are bigint: a from_version past its range reads from the end backwards.
  const int64_t from = static_cast<int64_t>(
      std::min<uint64_t>(from_version, static_cast<uint64_t>(INT64_MAX)));
  return WithRetry(reads_, [&](PgConnection& conn) -> absl::StatusOr<StreamPage> {
    ASSIGN_OR_RETURN(PgResult last,
                     conn.Exec("reading the stream version",
                               "SELECT max(version) FROM scc_events WHERE stream = $1",
                               {PgParam::Bytes(stream)}));
    if (last.IsNull(0, 0)) {
      return absl::NotFoundError(absl::StrCat("stream '", stream, "' has no events"));
    }
    const uint64_t last_version = static_cast<uint64_t>(last.Int(0, 0));
    StreamPage page;
    ASSIGN_OR_RETURN(
        PgResult r,
        conn.Exec("reading a stream",
                  forwards ? "SELECT position, record FROM scc_events WHERE stream = $1 AND "
                             "version >= $2 ORDER BY version LIMIT $3"
                           : "SELECT position, record FROM scc_events WHERE stream = $1 AND "
                             "version <= $2 ORDER BY version DESC LIMIT $3",
                  {PgParam::Bytes(stream), PgParam::Int(from),
                   PgParam::Int(static_cast<int64_t>(max_count))}));
    page.events.reserve(r.rows());
    for (int i = 0; i < r.rows(); ++i) {
      const uint64_t position = static_cast<uint64_t>(r.Int(i, 0));
      absl::StatusOr<RecordedEvent> record = DecodeRecord(r.Bytes(i, 1));
      if (!record.ok()) {
        return absl::DataLossError(
            absl::StrCat("event at position ", position, ": ", record.status().message()));
      }
      if (record->position != position || record->stream != stream) {
        return absl::DataLossError(absl::StrCat("stream index of '", stream,
                                                "' points at position ", position,
                                                " of another record"));
      }
      page.events.push_back(*std::move(record));
    }
    if (!page.events.empty()) {
      const uint64_t edge = page.events.back().version;
      if (forwards && edge < last_version) page.next_version = edge + 1;
      if (!forwards && edge > 0) page.next_version = edge - 1;
    }
    return page;
  });
}

absl::Status PostgresEventLog::Scan(uint64_t from_position, uint64_t to_position,
                                    const std::function<absl::Status(const RecordView&)>& fn) const {
  to_position = std::min(to_position, NextPosition());
  for (uint64_t position = from_position; position < to_position;) {
    const uint64_t page_end = std::min<uint64_t>(to_position, position + kPage);
    ASSIGN_OR_RETURN(PgResult r, WithRetry(reads_, [&](PgConnection& conn) {
                       return conn.Exec("scanning events",
                                        "SELECT position, record FROM scc_events WHERE position "
                                        ">= $1 AND position < $2 ORDER BY position",
                                        {PgParam::Int(static_cast<int64_t>(position)),
                                         PgParam::Int(static_cast<int64_t>(page_end))});
                     }));
    for (int i = 0; position < page_end; ++i, ++position) {
      if (i >= r.rows() || static_cast<uint64_t>(r.Int(i, 0)) != position) {
        return MissingRecordError(position);
      }
      absl::StatusOr<RecordView> record = DecodeRecordView(r.Bytes(i, 1));
      RETURN_IF_ERROR(CheckStoredAt(position, record));
      RETURN_IF_ERROR(fn(*record));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifyReport> PostgresEventLog::Verify(uint64_t from, uint64_t to) const {
  ASSIGN_OR_RETURN(PgPool::Lease conn, reads_.Acquire());
  // One snapshot for the whole check: the head and the records agree with each other even while
  // the writer commits.
  RETURN_IF_ERROR(
      conn->Run("starting the check", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  struct EndSnapshot {
    PgConnection& conn;
    ~EndSnapshot() { conn.Run("ending the check", "COMMIT").IgnoreError(); }  // read only
  } end_snapshot{*conn};
  ASSIGN_OR_RETURN(Head head, ReadHead(*conn));
  ChainCheck check(from, to, head.next_position,
                   [&conn](uint64_t at) { return ReadRecordAt(*conn, at); });
  for (uint64_t position = from; check.ok() && position < check.to();) {
    const uint64_t page_end = std::min<uint64_t>(check.to(), position + kPage);
    ASSIGN_OR_RETURN(PgResult r,
                     conn->Exec("verifying events",
                                "SELECT position, stream, version, record FROM scc_events WHERE "
                                "position >= $1 AND position < $2 ORDER BY position",
                                {PgParam::Int(static_cast<int64_t>(position)),
                                 PgParam::Int(static_cast<int64_t>(page_end))}));
    for (int i = 0; check.ok() && position < page_end; ++i, ++position) {
      if (i >= r.rows() || static_cast<uint64_t>(r.Int(i, 0)) != position) {
        check.Fail(position, "record missing: gap in global positions");
        break;
      }
      // The row's stream and version columns are the stream index.
      RETURN_IF_ERROR(check.Check(position, r.Bytes(i, 3),
                                  [&r, i](const RecordedEvent& record) -> absl::StatusOr<bool> {
                                    return r.Bytes(i, 1) == record.stream &&
                                           static_cast<uint64_t>(r.Int(i, 2)) == record.version;
                                  }));
    }
  }
  const bool stored_beyond =
      check.ok() && check.reaches_end() && !CheckHead(*conn, head).ok();
  return check.Finish(head.last_hash, stored_beyond);
}

absl::Status PostgresEventLog::Backup(const std::string& backup_dir) const {
  std::error_code ec;
  if (std::filesystem::exists(backup_dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup directory ", backup_dir, " already exists"));
  }
  return RocksEventLog::Load(backup_dir, *this, NextPosition());
}

absl::Status PostgresEventLog::Load(const std::string& uri, const EventLog& source,
                                    uint64_t end) {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn,
                   PgConnection::Connect(WithConnectionBounds(uri)));
  RETURN_IF_ERROR(Migrate(*conn));
  RETURN_IF_ERROR(conn->Run("starting the copy", "BEGIN"));
  auto fail = [&conn](absl::Status status) {
    conn->Run("rolling back", "ROLLBACK").IgnoreError();  // the status says what failed
    return status;
  };
  absl::StatusOr<PgResult> any = conn->Exec(
      "checking the target is empty",
      "SELECT (SELECT count(*) FROM (SELECT 1 FROM scc_events LIMIT 1) e) + "
      "(SELECT count(*) FROM (SELECT 1 FROM scc_requests LIMIT 1) r)");
  if (!any.ok()) return fail(any.status());
  if (any->Int(0, 0) != 0) {
    return fail(absl::FailedPreconditionError(absl::StrCat(uri, " already holds an event log")));
  }
  Head head{0, GenesisHash(), absl::UnixEpoch()};
  for (uint64_t from = 0; from < end; from += kPage) {
    Rows rows;
    absl::Status scanned = source.Scan(from, std::min<uint64_t>(end, from + kPage),
                                       [&](const RecordView& view) {
                                         const RecordedEvent record = view.Copy();
                                         rows.positions.push_back(
                                             static_cast<int64_t>(record.position));
                                         rows.streams.push_back(record.stream);
                                         rows.versions.push_back(
                                             static_cast<int64_t>(record.version));
                                         rows.records.push_back(EncodeRecord(record));
                                         head = Head{record.position + 1, record.hash,
                                                     record.recorded_at};
                                         return absl::OkStatus();
                                       });
    if (scanned.ok()) scanned = InsertRows(*conn, rows);
    if (!scanned.ok()) return fail(scanned);
  }
  Rows requests;
  absl::Status copied = source.ScanRequests([&](const std::string& id, const StoredRequest& r) {
    if (r.result.last_position < end) {
      requests.request_ids.push_back(id);
      requests.requests.push_back(EncodeStoredRequest(r));
    }
    if (requests.request_ids.size() < static_cast<size_t>(kPage)) return absl::OkStatus();
    absl::Status written = InsertRows(*conn, requests);
    requests = Rows();
    return written;
  });
  if (copied.ok()) copied = InsertRows(*conn, requests);
  if (copied.ok()) {
    copied = conn->Exec("writing the head", "UPDATE scc_head SET next_position = $1, head = $2",
                        {PgParam::Int(static_cast<int64_t>(head.next_position)),
                         PgParam::Bytes(EncodeHead(head))})
                 .status();
  }
  if (!copied.ok()) return fail(copied);
  return conn->Run("committing the copy", "COMMIT");
}

}  // namespace scc::storage
