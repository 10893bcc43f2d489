#include "storage/event_log.h"

#include <pthread.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "storage/record.h"
#include "storage/rocks_setup.h"
#include "storage/status_macros.h"
#include "storage/subscription.h"

namespace scc::storage {
namespace fs = std::filesystem;

namespace {

// How often the sequencer tries to resume writing after a failed commit while no append asks.
constexpr absl::Duration kRecoveryInterval = absl::Milliseconds(500);

// Maps a RocksDB status to the error space of this library, prefixing `context`.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

// What the appends of a group whose write failed are told, in words for an operator.
absl::Status CommitFailure(const rocksdb::Status& s) {
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the data volume is full, so nothing was recorded; writes are refused until space is "
        "freed and then resume by themselves (",
        s.ToString(), ")"));
  }
  return absl::UnavailableError(absl::StrCat(
      "the event log could not write to its disk, so nothing was recorded; writing resumes by "
      "itself once the disk takes writes again (",
      s.ToString(), ")"));
}

absl::string_view ToView(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

// The part of a key before its last 8 bytes (a big-endian number): the stream of a stream-index
// key, the (empty) lead of an event's position key. The memtable keeps its last insert position
// per such prefix, so appending the next version of a stream, or the next position, costs a
// step instead of a search of the skip list.
class FixedTailPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "scc.FixedTailPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 8);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() >= 8; }
};

// `write_buffer_bytes`: each memtable's size (storage/rocks_setup.h's write-ahead budget; it is
// also what RocksDB wants free before it resumes after a full disk).
std::vector<rocksdb::ColumnFamilyDescriptor> FamilyDescriptors(const EventLogOptions& options,
                                                               uint64_t write_buffer_bytes) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kLZ4Compression;  // Debian's RocksDB is built with LZ4
  cf.write_buffer_size = static_cast<size_t>(write_buffer_bytes);
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : kColumnFamilies) {
    rocksdb::ColumnFamilyOptions family = cf;
    const absl::string_view n = name;
    if (n == kEventsFamily || n == kStreamsFamily) {
      family.memtable_insert_with_hint_prefix_extractor = std::make_shared<FixedTailPrefix>();
    }
    if (n == kRequestsFamily) {
      // Nearly every request_id looked up is new: a memtable Bloom filter answers "absent"
      // without searching the skip list.
      family.memtable_prefix_bloom_size_ratio = 0.05;
      family.memtable_whole_key_filtering = true;
    }
    families.emplace_back(name, family);
  }
  return families;
}

std::string EncodeFormat(uint32_t v) {
  return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF),
                     static_cast<char>((v >> 16) & 0xFF), static_cast<char>((v >> 24) & 0xFF)};
}

// The database of an event log directory, opened and checked: format marker and head agree
// with the last stored record (a fresh directory gets both).
struct OpenedDatabase {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  Head head;
  uint64_t write_ahead_budget = 0;  // see SizeToVolume
};

absl::StatusOr<OpenedDatabase> OpenDatabase(const std::string& dir,
                                            const EventLogOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // A crash can leave the last WAL record half-written (it was never acknowledged: appends are
  // answered after the sync); damage anywhere else in the WAL would otherwise end recovery
  // there and silently drop the acknowledged records after it, so it fails the open instead.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.max_background_jobs = 2;
  // One thread writes (the log's pipeline), so memtable inserts need no concurrency; without
  // it the memtable can use the per-prefix insert hints (FixedTailPrefix).
  db_options.allow_concurrent_memtable_write = false;
  // RocksDB's diagnostics without its aborting file logger, and what it writes ahead sized to
  // the volume (storage/rocks_setup.h).
  const uint64_t budget = SizeToVolume(dir, db_options);
  if (options.env != nullptr) db_options.env = options.env;

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, dir, FamilyDescriptors(options, budget), &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
      return absl::UnavailableError(
          absl::StrCat("data directory ", dir, " is in use by another process (", s.ToString(),
                       ")"));
    }
    return FromRocks(s, absl::StrCat("opening event log in ", dir));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  auto close_on_error = [&](absl::Status status) {
    for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    return status;
  };

  // The format marker and the head; a fresh directory gets both.
  std::string value;
  s = db->Get(rocksdb::ReadOptions(), handles[4], kMetaFormatKey, &value);
  Head head;
  head.last_hash = GenesisHash();
  std::unique_ptr<rocksdb::Iterator> last(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
  last->SeekToLast();
  if (s.IsNotFound()) {
    if (last->Valid()) {
      return close_on_error(absl::DataLossError(
          absl::StrCat(dir, " holds event records but no format marker")));
    }
    rocksdb::WriteBatch init;
    init.Put(handles[4], kMetaFormatKey, EncodeFormat(kStoreFormatVersion));
    init.Put(handles[4], kMetaHeadKey, EncodeHead(head));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db->Write(sync, &init);
    if (!s.ok()) return close_on_error(FromRocks(s, "initialising event log"));
  } else if (!s.ok()) {
    return close_on_error(FromRocks(s, "reading format marker"));
  } else {
    if (value != EncodeFormat(kStoreFormatVersion)) {
      return close_on_error(absl::FailedPreconditionError(
          absl::StrCat(dir, " has an unsupported store format (this build reads format ",
                       kStoreFormatVersion, ")")));
    }
    s = db->Get(rocksdb::ReadOptions(), handles[4], kMetaHeadKey, &value);
    if (!s.ok()) return close_on_error(FromRocks(s, "reading log head"));
    absl::StatusOr<Head> stored = DecodeHead(value);
    if (!stored.ok()) return close_on_error(stored.status());
    head = *std::move(stored);
  }

  // The head must agree with the last stored record.
  if (!last->status().ok()) return close_on_error(FromRocks(last->status(), "reading last record"));
  if (head.next_position == 0) {
    if (last->Valid()) {
      return close_on_error(absl::DataLossError("log head says empty, but records exist"));
    }
  } else {
    if (!last->Valid()) {
      return close_on_error(absl::DataLossError(absl::StrCat(
          "log head says ", head.next_position, " events, but no record is stored")));
    }
    absl::StatusOr<uint64_t> last_position = DecodePositionKey(ToView(last->key()));
    absl::StatusOr<RecordedEvent> record = DecodeRecord(ToView(last->value()));
    if (!last_position.ok() || *last_position != head.next_position - 1 || !record.ok() ||
        record->hash != head.last_hash) {
      return close_on_error(absl::DataLossError(absl::StrCat(
          "log head says ", head.next_position, " events ending in a known hash, but the last "
          "stored record ",
          last_position.ok() ? absl::StrCat("is at position ", *last_position)
                             : std::string("has a malformed key"),
          record.ok() ? "" : absl::StrCat(" and is unreadable: ", record.status().message()))));
    }
  }
  last.reset();
  return OpenedDatabase{std::move(db), std::move(handles), head, budget};

}

}  // namespace

struct EventLog::PendingAppend {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<EventData> events;
  std::string request_id;
  std::string fingerprint;  // set only with a request_id
  size_t bytes = 0;
  AppendCallback done;
  absl::StatusOr<AppendResult> outcome = absl::InternalError("append not decided");
  std::optional<size_t> same_request_as;  // index of an earlier append in the group
};

struct EventLog::PreparedGroup {
  uint64_t seq = 0;
  std::vector<PendingAppend> appends;
  rocksdb::WriteBatch batch;
  uint64_t first_position = 0;
  uint64_t end_position = 0;  // next position once committed
  std::string end_hash;
};

// ---------------------------------------------------------------------------------------------
// Opening and closing.

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const std::string& dir,
                                                         EventLogOptions options) {
  if (!options.clock) options.clock = [] { return absl::Now(); };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));

  ASSIGN_OR_RETURN(OpenedDatabase opened, OpenDatabase(dir, options));
  const Head head = opened.head;
  return std::unique_ptr<EventLog>(new EventLog(
      dir, std::move(options), std::move(opened.db), std::move(opened.handles),
      head.next_position, head.last_hash, head.last_recorded_at, opened.write_ahead_budget));
}

EventLog::EventLog(std::string dir, EventLogOptions options, std::unique_ptr<rocksdb::DB> db,
                   std::vector<rocksdb::ColumnFamilyHandle*> handles, uint64_t next_position,
                   std::string last_hash, absl::Time last_recorded_at,
                   uint64_t resume_free_bytes)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      resume_free_bytes_(resume_free_bytes),
      db_(std::move(db)),
      handles_(std::move(handles)),
      next_position_(next_position),
      last_hash_(last_hash),
      prepared_position_(next_position),
      prepared_hash_(std::move(last_hash)),
      last_recorded_at_(last_recorded_at) {
  sequencer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-sequencer");  // named for top and perf
    SequencerLoop();
  });
  syncer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-syncer");
    SyncerLoop();
  });
}

EventLog::~EventLog() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  {
    absl::MutexLock lock(&pipeline_mu_);
    stopping_ = true;
  }
  sequencer_.join();
  syncer_.join();
  absl::WriterMutexLock lock(&db_mu_);
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

absl::Status EventLog::DbAvailable() const {
  if (db_ != nullptr) return absl::OkStatus();
  return absl::UnavailableError(
      "the event log is closed after a failed write and could not be reopened yet");
}

absl::Status EventLog::RecoverFromWriteError() {
  absl::Status failure;
  {
    absl::MutexLock lock(&pipeline_mu_);
    failure = write_error_;
  }
  if (failure.ok()) return failure;
  // On a volume that is still nearly full the next write would fail again at once: wait for
  // room for a write-ahead log file.
  if (absl::StatusOr<VolumeSpace> space = Space();
      space.ok() && space->free_bytes < resume_free_bytes_) {
    return failure;
  }
  // Does the disk take a synced write again? Asked through the same Env the database uses.
  rocksdb::Env* env = options_.env != nullptr ? options_.env : rocksdb::Env::Default();
  const std::string probe = (fs::path(dir_) / "WRITE_PROBE").string();
  {
    std::unique_ptr<rocksdb::WritableFile> file;
    rocksdb::Status s = env->NewWritableFile(probe, &file, rocksdb::EnvOptions());
    if (s.ok()) s = file->Append("probe");
    if (s.ok()) s = file->Sync();
    if (file != nullptr) file->Close().PermitUncheckedError();
    env->DeleteFile(probe).PermitUncheckedError();
    if (!s.ok()) return failure;
  }
  // RocksDB stops writing after a failed write. Resume() writes the memtables to new table files
  // and starts a new write-ahead log, so the failed batch, which never reached the memtables, is
  // dropped for good while reads go on. An error RocksDB cannot resume from closes the database
  // and opens it again; the head then comes from what is durable (a batch that did land is found
  // by its request_id).
  std::optional<Head> head;
  {
    absl::ReaderMutexLock lock(&db_mu_);
    if (db_ != nullptr) {
      const rocksdb::Status resumed = db_->Resume();
      // Busy: RocksDB's own recovery (it polls the free space) is under way. A failure short
      // of fatal: still no room for the flush. Both: try again later.
      if (!resumed.ok() && resumed.severity() <= rocksdb::Status::Severity::kHardError) {
        return failure;
      }
      std::string value;
      if (resumed.ok() && db_->Get(rocksdb::ReadOptions(), meta_cf(), kMetaHeadKey, &value).ok()) {
        absl::StatusOr<Head> stored = DecodeHead(value);
        if (stored.ok()) head = *std::move(stored);
      }
    }
  }
  if (!head) {
    absl::WriterMutexLock lock(&db_mu_);
    if (db_ != nullptr) {
      for (rocksdb::ColumnFamilyHandle* h : handles_) {
        db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      }
      db_->Close().PermitUncheckedError();
      db_.reset();
      handles_.clear();
    }
    absl::StatusOr<OpenedDatabase> opened = OpenDatabase(dir_, options_);
    if (!opened.ok()) return failure;
    db_ = std::move(opened->db);
    handles_ = std::move(opened->handles);
    head = opened->head;
  }
  {
    absl::MutexLock head_lock(&mu_);
    next_position_ = head->next_position;
    last_hash_ = head->last_hash;
  }
  prepared_position_ = head->next_position;
  prepared_hash_ = head->last_hash;
  last_recorded_at_ = std::max(last_recorded_at_, head->last_recorded_at);
  stream_heads_.clear();
  inflight_requests_.clear();
  absl::MutexLock pipeline_lock(&pipeline_mu_);
  write_error_ = absl::OkStatus();
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Appending.

absl::Status EventLog::ValidateAppend(const std::string& stream,
                                      const std::vector<EventData>& events,
                                      const std::string& request_id, size_t* bytes) const {
  if (stream.empty()) return absl::InvalidArgumentError("stream: must not be empty");
  if (stream.size() > options_.max_stream_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("stream: ", stream.size(),
                                                   " bytes exceeds the limit of ",
                                                   options_.max_stream_bytes));
  }
  if (stream.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("stream: must not contain a NUL byte");
  }
  if (request_id.size() > options_.max_request_id_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("request_id: ", request_id.size(),
                                                   " bytes exceeds the limit of ",
                                                   options_.max_request_id_bytes));
  }
  if (events.empty()) return absl::InvalidArgumentError("events: must hold at least one event");
  if (events.size() > options_.max_events_per_append) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", events.size(),
                                                   " events exceeds the limit of ",
                                                   options_.max_events_per_append));
  }
  size_t total = stream.size() + request_id.size();
  for (size_t i = 0; i < events.size(); ++i) {
    const EventData& e = events[i];
    if (e.type.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "].type: must not be empty"));
    }
    if (e.type.size() > options_.max_type_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "].type: ", e.type.size(),
                                                     " bytes exceeds the limit of ",
                                                     options_.max_type_bytes));
    }
    const size_t event_bytes = e.type.size() + e.data.size() + e.metadata.size();
    if (event_bytes > options_.max_event_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "]: ", event_bytes,
                                                     " bytes exceeds the limit of ",
                                                     options_.max_event_bytes));
    }
    total += event_bytes;
  }
  if (total > options_.max_append_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", total,
                                                   " bytes in one append exceeds the limit of ",
                                                   options_.max_append_bytes));
  }
  *bytes = total;
  return absl::OkStatus();
}

void EventLog::AppendAsync(std::string stream, ExpectedVersion expected,
                           std::vector<EventData> events, std::string request_id,
                           AppendCallback done) {
  std::vector<AppendRequest> one;
  one.push_back(AppendRequest{std::move(stream), expected, std::move(events),
                              std::move(request_id), std::move(done)});
  AppendAllAsync(std::move(one));
}

void EventLog::AppendAllAsync(std::vector<AppendRequest> appends) {
  std::vector<PendingAppend> pending;
  pending.reserve(appends.size());
  for (AppendRequest& a : appends) {
    size_t bytes = 0;
    if (absl::Status valid = ValidateAppend(a.stream, a.events, a.request_id, &bytes);
        !valid.ok()) {
      std::move(a.done)(valid);
      continue;
    }
    PendingAppend p;
    if (!a.request_id.empty()) p.fingerprint = AppendFingerprint(a.stream, a.events);
    p.stream = std::move(a.stream);
    p.expected = a.expected;
    p.events = std::move(a.events);
    p.request_id = std::move(a.request_id);
    p.bytes = bytes;
    p.done = std::move(a.done);
    pending.push_back(std::move(p));
  }
  {
    absl::MutexLock lock(&pipeline_mu_);
    if (!stopping_) {
      for (PendingAppend& p : pending) queue_.push_back(std::move(p));
      return;
    }
  }
  for (PendingAppend& p : pending) {
    std::move(p.done)(absl::UnavailableError("event log is closing"));
  }
}

absl::StatusOr<AppendResult> EventLog::Append(std::string stream, ExpectedVersion expected,
                                              std::vector<EventData> events,
                                              std::string request_id) {
  absl::StatusOr<AppendResult> result = absl::InternalError("append not answered");
  absl::Notification answered;
  AppendAsync(std::move(stream), expected, std::move(events), std::move(request_id),
              [&](absl::StatusOr<AppendResult> r) {
                result = std::move(r);
                answered.Notify();
              });
  answered.WaitForNotification();
  return result;
}

void EventLog::SequencerLoop() {
  for (;;) {
    std::vector<PendingAppend> appends;
    bool idle_retry = false;
    {
      absl::MutexLock lock(&pipeline_mu_);
      // Wait for the hand-over slot first: appends keep queueing meanwhile, so groups grow
      // while the syncer is busy.
      const absl::Condition ready(
          +[](EventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
            return self->prepared_ == nullptr && (!self->queue_.empty() || self->stopping_);
          },
          this);
      if (write_error_.ok()) {
        pipeline_mu_.Await(ready);
      } else if (!pipeline_mu_.AwaitWithTimeout(ready, kRecoveryInterval)) {
        // After a failed commit, try again now and then without waiting for an append, so
        // writing (and WriteState) recovers by itself once the disk takes writes again.
        idle_retry = prepared_ == nullptr;
        if (!idle_retry) continue;
      }
      if (!idle_retry && queue_.empty()) {  // stopping, and everything queued was handed over
        sequencer_done_ = true;
        return;
      }
      size_t bytes = 0;
      while (!queue_.empty() && (appends.empty() || bytes + queue_.front().bytes <=
                                                        options_.max_group_commit_bytes)) {
        bytes += queue_.front().bytes;
        appends.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    bool failed;
    {
      // After a failed commit, once nothing is being written: reopen if the disk works again.
      absl::MutexLock lock(&pipeline_mu_);
      pipeline_mu_.Await(absl::Condition(
          +[](EventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
            return self->write_error_.ok() || !self->committing_;
          },
          this));
      failed = !write_error_.ok();
    }
    if (failed) {
      // While the error stands, every append gets it, decided against nothing: the cached
      // stream heads assumed the failed group, so deciding now could refuse an append as a
      // version conflict instead.
      if (absl::Status standing = RecoverFromWriteError(); !standing.ok()) {
        for (PendingAppend& p : appends) std::move(p.done)(standing);
        continue;
      }
    }
    if (idle_retry) continue;
    auto group = std::make_unique<PreparedGroup>(Prepare(std::move(appends)));
    {
      absl::MutexLock lock(&pipeline_mu_);
      if (committing_ || prepared_ != nullptr) {
        prepared_ = std::move(group);  // the syncer is busy: it takes this group next
        continue;
      }
      committing_ = true;  // nothing is being written: commit here, saving a thread hand-over
    }
    Commit(std::move(*group));
    absl::MutexLock lock(&pipeline_mu_);
    committing_ = false;
  }
}

void EventLog::SyncerLoop() {
  for (;;) {
    std::unique_ptr<PreparedGroup> group;
    {
      absl::MutexLock lock(&pipeline_mu_);
      pipeline_mu_.Await(absl::Condition(
          +[](EventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
            return (self->prepared_ != nullptr && !self->committing_) ||
                   (self->prepared_ == nullptr && self->sequencer_done_);
          },
          this));
      if (prepared_ == nullptr) return;
      group = std::move(prepared_);
      committing_ = true;
    }
    Commit(std::move(*group));
    absl::MutexLock lock(&pipeline_mu_);
    committing_ = false;
  }
}

absl::StatusOr<std::optional<uint64_t>> EventLog::CachedStreamVersion(const std::string& stream) {
  if (auto it = stream_heads_.find(stream); it != stream_heads_.end()) return it->second;
  ASSIGN_OR_RETURN(std::optional<uint64_t> version, ReadStreamVersion(stream));
  if (version) stream_heads_.emplace(stream, *version);
  return version;
}

EventLog::PreparedGroup EventLog::Prepare(std::vector<PendingAppend> appends) {
  absl::ReaderMutexLock db_lock(&db_mu_);
  PreparedGroup group;
  group.seq = ++group_seq_;
  group.first_position = prepared_position_;
  {
    // Requests of groups already committed are in the database now.
    absl::MutexLock lock(&pipeline_mu_);
    absl::erase_if(inflight_requests_, [this](const auto& entry)
                                           ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                             return entry.second.group <= committed_group_;
                                           });
  }
  // Stored with microsecond precision; truncate now so a replayed result equals the first one.
  const absl::Time now =
      std::max(absl::FromUnixMicros(absl::ToUnixMicros(options_.clock())), last_recorded_at_);
  absl::flat_hash_map<std::string, size_t> requests_in_group;
  group.appends = std::move(appends);
  for (size_t i = 0; i < group.appends.size(); ++i) {
    PendingAppend& p = group.appends[i];
    if (!p.request_id.empty()) {
      auto [it, inserted] = requests_in_group.try_emplace(p.request_id, i);
      if (!inserted) {
        p.same_request_as = it->second;
        continue;
      }
    }
    Decide(p, group.seq, now, group);
  }
  if (prepared_position_ > group.first_position) {
    group.batch.Put(meta_cf(), kMetaHeadKey, EncodeHead(Head{prepared_position_, prepared_hash_, now}));
    last_recorded_at_ = now;
  }
  group.end_position = prepared_position_;
  group.end_hash = prepared_hash_;
  return group;
}

namespace {
absl::Status RequestReused(const std::string& request_id) {
  return absl::AlreadyExistsError(
      absl::StrCat("request_id '", request_id, "' was already used for a different append"));
}
}  // namespace

void EventLog::Decide(PendingAppend& p, uint64_t group_seq, absl::Time now,
                      PreparedGroup& group) {
  if (!p.request_id.empty()) {
    std::optional<StoredRequest> earlier;
    if (auto it = inflight_requests_.find(p.request_id); it != inflight_requests_.end()) {
      earlier = StoredRequest{it->second.stream, it->second.fingerprint, it->second.result};
    } else if (absl::Status available = DbAvailable(); !available.ok()) {
      p.outcome = available;
      return;
    } else {
      std::string stored;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), requests_cf(), p.request_id, &stored);
      if (!s.ok() && !s.IsNotFound()) {
        p.outcome = FromRocks(s, "looking up request_id");
        return;
      }
      if (s.ok()) {
        absl::StatusOr<StoredRequest> decoded = DecodeStoredRequest(stored);
        if (!decoded.ok()) {
          p.outcome = decoded.status();
          return;
        }
        earlier = *std::move(decoded);
      }
    }
    if (earlier) {
      if (earlier->stream != p.stream || earlier->fingerprint != p.fingerprint) {
        p.outcome = RequestReused(p.request_id);
      } else {
        earlier->result.replayed = true;
        p.outcome = earlier->result;
      }
      return;
    }
  }

  absl::StatusOr<std::optional<uint64_t>> current = CachedStreamVersion(p.stream);
  if (!current.ok()) {
    p.outcome = current.status();
    return;
  }
  if (!p.expected.IsSatisfiedBy(*current)) {
    p.outcome = MakeConflictError(p.stream, p.expected, *current);
    return;
  }

  AppendResult result;
  result.first_version = *current ? **current + 1 : 0;
  result.first_position = prepared_position_;
  result.recorded_at = now;
  uint64_t version = result.first_version;
  for (EventData& e : p.events) {
    RecordedEvent record;
    record.position = prepared_position_;
    record.stream = p.stream;
    record.version = version;
    record.recorded_at = now;
    record.type = std::move(e.type);
    record.request_id = p.request_id;
    record.metadata = std::move(e.metadata);
    record.data = std::move(e.data);
    std::string canonical = CanonicalRecordBytes(record);
    prepared_hash_ = ChainHash(prepared_hash_, canonical);
    group.batch.Put(events_cf(), PositionKey(prepared_position_),
                    SealRecord(std::move(canonical), prepared_hash_));
    group.batch.Put(streams_cf(), StreamIndexKey(p.stream, version),
                    PositionKey(prepared_position_));
    ++prepared_position_;
    ++version;
  }
  result.last_version = version - 1;
  result.last_position = prepared_position_ - 1;
  if (!p.request_id.empty()) {
    group.batch.Put(requests_cf(), p.request_id,
                    EncodeStoredRequest(StoredRequest{p.stream, p.fingerprint, result}));
    inflight_requests_[p.request_id] = InflightRequest{p.stream, p.fingerprint, result, group_seq};
  }
  stream_heads_[p.stream] = result.last_version;
  p.outcome = result;
}

void EventLog::Commit(PreparedGroup group) {
  absl::Status failure;
  {
    absl::MutexLock lock(&pipeline_mu_);
    failure = write_error_;
  }
  if (failure.ok() && group.end_position > group.first_position) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::Status s;
    {
      absl::ReaderMutexLock db_lock(&db_mu_);
      s = db_ != nullptr ? db_->Write(sync, &group.batch)
                         : rocksdb::Status::IOError("the event log's database is closed");
    }
    if (s.ok()) {
      absl::MutexLock lock(&mu_);
      next_position_ = group.end_position;
      last_hash_ = group.end_hash;
      ++stats_.groups;
      stats_.appends += group.appends.size();
      stats_.events += group.end_position - group.first_position;
      const auto& bounds = CommitStats::kGroupSizeBounds;
      const size_t bucket =
          std::lower_bound(bounds.begin(), bounds.end(), group.appends.size()) - bounds.begin();
      ++stats_.group_sizes[bucket];
    } else {
      // Nothing of this group is acknowledged. Whether the batch reached the WAL is unknown until
      // the database is reopened, so no later group may reuse its positions (see header).
      failure = CommitFailure(s);
      absl::MutexLock lock(&mu_);
      ++stats_.failed_groups;
    }
  }
  {
    absl::MutexLock lock(&pipeline_mu_);
    if (failure.ok()) {
      committed_group_ = group.seq;
    } else {
      write_error_ = failure;
    }
  }
  // After a failure even successes decided without writing (replays of appends that were still
  // in flight) may be wrong, so every append that would have succeeded gets the error.
  for (PendingAppend& p : group.appends) {
    if (!failure.ok() && p.outcome.ok()) p.outcome = failure;
  }
  for (PendingAppend& p : group.appends) {
    if (!p.same_request_as) continue;
    const PendingAppend& first = group.appends[*p.same_request_as];
    if (!first.outcome.ok()) {
      p.outcome = first.outcome.status();
    } else if (first.stream != p.stream || first.fingerprint != p.fingerprint) {
      p.outcome = RequestReused(p.request_id);
    } else {
      AppendResult replay = *first.outcome;
      replay.replayed = true;
      p.outcome = replay;
    }
  }
  for (PendingAppend& p : group.appends) std::move(p.done)(std::move(p.outcome));
}

// ---------------------------------------------------------------------------------------------
// Reading.

uint64_t EventLog::NextPosition() const {
  absl::MutexLock lock(&mu_);
  return next_position_;
}

CommitStats EventLog::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

std::optional<uint64_t> EventLog::IntProperty(const std::string& name) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  if (db_ == nullptr) return std::nullopt;
  uint64_t total = 0;
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    uint64_t value = 0;
    if (!db_->GetIntProperty(cf, name, &value)) return std::nullopt;
    total += value;
  }
  return total;
}

absl::StatusOr<VolumeSpace> EventLog::Space() const { return VolumeSpaceOf(dir_); }

absl::Status EventLog::WriteState() const {
  absl::MutexLock lock(&pipeline_mu_);
  return write_error_;
}

absl::Status EventLog::AwaitWritable(absl::Time deadline) const {
  absl::MutexLock lock(&pipeline_mu_);
  pipeline_mu_.AwaitWithDeadline(
      absl::Condition(
          +[](const EventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
            return self->write_error_.ok();
          },
          this),
      deadline);
  return write_error_;
}

std::string EventLog::HeadHash() const {
  absl::MutexLock lock(&mu_);
  return last_hash_;
}

absl::Status EventLog::WaitForPosition(uint64_t position, absl::Time deadline,
                                       const std::atomic<bool>* cancelled) const {
  struct Args {
    const EventLog* log;
    uint64_t position;
    const std::atomic<bool>* cancelled;
  } args{this, position, cancelled};
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(
      absl::Condition(
          +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return a->log->next_position_ > a->position || a->log->closing_ ||
                   (a->cancelled != nullptr && a->cancelled->load());
          },
          &args),
      deadline);
  // Cancelled and closing come first: a waiter with a backlog must stop when told to.
  if (closing_) return absl::CancelledError("event log is closing");
  if (cancelled != nullptr && cancelled->load()) return absl::CancelledError("cancelled");
  if (next_position_ > position) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("position ", position, " not committed before the deadline"));
}

void EventLog::WakeWaiters() const {
  // Releasing the mutex makes absl re-evaluate every waiter's condition.
  absl::MutexLock lock(&mu_);
}

std::unique_ptr<Subscription> EventLog::Subscribe(uint64_t from_position) {
  return std::make_unique<Subscription>(this, from_position);
}

absl::StatusOr<std::optional<uint64_t>> EventLog::ReadStreamVersion(
    const std::string& stream) const {
  RETURN_IF_ERROR(DbAvailable());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf()));
  it->SeekForPrev(StreamIndexKey(stream, std::numeric_limits<uint64_t>::max()));
  if (!it->status().ok()) return FromRocks(it->status(), "reading stream index");
  if (!it->Valid() || !absl::StartsWith(ToView(it->key()), StreamIndexPrefix(stream))) {
    return std::optional<uint64_t>();
  }
  ASSIGN_OR_RETURN(uint64_t version, DecodeStreamIndexVersion(ToView(it->key())));
  return std::optional<uint64_t>(version);
}

absl::StatusOr<std::optional<EventLog::PriorAppend>> EventLog::FindRequest(
    const std::string& request_id) const {
  if (request_id.empty()) return std::optional<PriorAppend>();
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), requests_cf(), request_id, &value);
  if (s.IsNotFound()) return std::optional<PriorAppend>();
  RETURN_IF_ERROR(FromRocks(s, "looking up request_id"));
  ASSIGN_OR_RETURN(StoredRequest stored, DecodeStoredRequest(value));
  stored.result.replayed = true;
  return std::optional<PriorAppend>(PriorAppend{std::move(stored.stream), stored.result});
}

absl::StatusOr<std::optional<uint64_t>> EventLog::StreamVersion(const std::string& stream) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  return ReadStreamVersion(stream);
}

absl::StatusOr<RecordedEvent> EventLog::ReadAt(uint64_t position) const {
  RETURN_IF_ERROR(DbAvailable());
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_cf(), PositionKey(position), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("event at position ", position, " is missing"));
  }
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("reading position ", position)));
  absl::StatusOr<RecordedEvent> record = DecodeRecord(value);
  if (!record.ok()) {
    return absl::DataLossError(
        absl::StrCat("event at position ", position, ": ", record.status().message()));
  }
  if (record->position != position) {
    return absl::DataLossError(absl::StrCat("event stored at position ", position,
                                            " claims position ", record->position));
  }
  return record;
}

absl::StatusOr<StreamPage> EventLog::ReadStream(const std::string& stream, uint64_t from_version,
                                                ReadDirection direction,
                                                size_t max_count) const {
  if (max_count == 0) return absl::InvalidArgumentError("max_count: must be positive");
  max_count = std::min(max_count, options_.max_read_count);
  absl::ReaderMutexLock db_lock(&db_mu_);
  ASSIGN_OR_RETURN(std::optional<uint64_t> last, ReadStreamVersion(stream));
  if (!last) return absl::NotFoundError(absl::StrCat("stream '", stream, "' has no events"));

  StreamPage page;
  const bool forwards = direction == ReadDirection::kForwards;
  if (forwards && from_version > *last) return page;
  const std::string prefix = StreamIndexPrefix(stream);
  std::vector<uint64_t> positions;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf()));
  if (forwards) {
    it->Seek(StreamIndexKey(stream, from_version));
  } else {
    it->SeekForPrev(StreamIndexKey(stream, std::min(from_version, *last)));
  }
  while (it->Valid() && positions.size() < max_count &&
         absl::StartsWith(ToView(it->key()), prefix)) {
    ASSIGN_OR_RETURN(uint64_t position, DecodePositionKey(ToView(it->value())));
    positions.push_back(position);
    if (forwards) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading stream index");

  page.events.reserve(positions.size());
  for (uint64_t position : positions) {
    ASSIGN_OR_RETURN(RecordedEvent record, ReadAt(position));
    if (record.stream != stream) {
      return absl::DataLossError(absl::StrCat("stream index of '", stream, "' points at position ",
                                              position, " of another stream"));
    }
    page.events.push_back(std::move(record));
  }
  if (!page.events.empty()) {
    const uint64_t edge = page.events.back().version;
    if (forwards && edge < *last) page.next_version = edge + 1;
    if (!forwards && edge > 0) page.next_version = edge - 1;
  }
  return page;
}

absl::StatusOr<AllPage> EventLog::ReadAll(uint64_t from_position, size_t max_count) const {
  if (max_count == 0) return absl::InvalidArgumentError("max_count: must be positive");
  const uint64_t committed = NextPosition();
  AllPage page;
  page.next_position = from_position;
  if (from_position >= committed) return page;
  const uint64_t count =
      std::min<uint64_t>({max_count, options_.max_read_count, committed - from_position});
  page.events.reserve(count);
  RETURN_IF_ERROR(Scan(from_position, from_position + count, [&page](const RecordView& record) {
    page.events.push_back(record.Copy());
    return absl::OkStatus();
  }));
  page.next_position = from_position + count;
  page.end = page.next_position == committed;
  return page;
}

absl::Status EventLog::Scan(uint64_t from_position, uint64_t to_position,
                            const std::function<absl::Status(const RecordView&)>& fn) const {
  to_position = std::min(to_position, NextPosition());
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf()));
  it->Seek(PositionKey(from_position));
  for (uint64_t position = from_position; position < to_position; ++position, it->Next()) {
    if (!it->Valid() || ToView(it->key()) != PositionKey(position)) {
      RETURN_IF_ERROR(FromRocks(it->status(), absl::StrCat("scanning events at position ", position)));
      return absl::DataLossError(absl::StrCat("event at position ", position, " is missing"));
    }
    absl::StatusOr<RecordView> record = DecodeRecordView(ToView(it->value()));
    if (!record.ok()) {
      return absl::DataLossError(
          absl::StrCat("event at position ", position, ": ", record.status().message()));
    }
    if (record->position != position) {
      return absl::DataLossError(absl::StrCat("event stored at position ", position,
                                              " claims position ", record->position));
    }
    RETURN_IF_ERROR(fn(*record));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Verification, backup, restore.

absl::StatusOr<VerifyReport> EventLog::Verify(uint64_t from, uint64_t to) const {
  uint64_t committed;
  std::string head_hash;
  {
    absl::MutexLock lock(&mu_);
    committed = next_position_;
    head_hash = last_hash_;
  }
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  VerifyReport report;
  report.from = from;
  report.to = std::min(to, committed);
  std::string prev_hash = GenesisHash();
  auto bad = [&report, &prev_hash](uint64_t position, std::string problem) {
    report.ok = false;
    report.first_bad_position = position;
    report.problem = std::move(problem);
    report.last_hash = prev_hash;
    return report;
  };

  absl::Time prev_recorded_at = absl::InfinitePast();
  if (from > 0 && from <= report.to) {
    absl::StatusOr<RecordedEvent> before = ReadAt(from - 1);
    if (!before.ok()) return bad(from - 1, std::string(before.status().message()));
    prev_hash = before->hash;
    prev_recorded_at = before->recorded_at;
  }

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf()));
  it->Seek(PositionKey(from));
  for (uint64_t position = from; position < report.to; ++position, it->Next()) {
    if (!it->Valid() || ToView(it->key()) != PositionKey(position)) {
      // Damaged storage (a block whose checksum fails names its file) is a finding at this
      // position, like a damaged record; only an unreadable disk is an error.
      if (it->status().IsCorruption()) {
        return bad(position, absl::StrCat("stored data unreadable: ", it->status().ToString()));
      }
      RETURN_IF_ERROR(FromRocks(it->status(), "verifying events"));
      return bad(position, "record missing: gap in global positions");
    }
    absl::StatusOr<RecordedEvent> record = DecodeRecord(ToView(it->value()));
    if (!record.ok()) return bad(position, std::string(record.status().message()));
    if (record->position != position) {
      return bad(position, absl::StrCat("record claims position ", record->position));
    }
    if (ChainHash(prev_hash, CanonicalRecordBytes(*record)) != record->hash) {
      return bad(position,
                 "hash chain broken: stored hash does not match the record and its predecessor");
    }
    if (record->recorded_at < prev_recorded_at) {
      return bad(position, "recorded_at goes backwards");
    }
    std::string indexed;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), streams_cf(),
                                 StreamIndexKey(record->stream, record->version), &indexed);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "verifying stream index");
    if (s.IsNotFound() || indexed != PositionKey(position)) {
      return bad(position, absl::StrCat("stream index entry '", record->stream, "'@",
                                        record->version, " does not point at this record"));
    }
    prev_hash = record->hash;
    prev_recorded_at = record->recorded_at;
    ++report.checked;
  }
  if (report.to == committed && from <= committed) {
    if (prev_hash != head_hash) {
      return bad(committed == 0 ? 0 : committed - 1,
                 "log head hash does not match the last record");
    }
    if (it->Valid()) return bad(committed, "record stored beyond the committed head");
    RETURN_IF_ERROR(FromRocks(it->status(), "verifying events"));
  }
  report.last_hash = std::move(prev_hash);
  return report;
}

absl::Status EventLog::Backup(const std::string& backup_dir) const {
  if (fs::exists(backup_dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup directory ", backup_dir, " already exists"));
  }
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "creating checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(backup_dir),
                   absl::StrCat("writing backup to ", backup_dir));
}

absl::Status EventLog::Restore(const std::string& backup_dir, const std::string& target_dir) {
  std::error_code ec;
  if (!fs::exists(fs::path(backup_dir) / "CURRENT", ec)) {
    return absl::NotFoundError(absl::StrCat(backup_dir, " is not an event log backup"));
  }
  if (fs::exists(target_dir, ec) && !fs::is_empty(target_dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("restore target ", target_dir, " is not empty"));
  }
  // The target's parent may be new too (a fresh data directory for sccd: DIR/events).
  if (const fs::path parent = fs::path(target_dir).parent_path(); !parent.empty()) {
    fs::create_directories(parent, ec);
  }
  fs::copy(backup_dir, target_dir, fs::copy_options::recursive, ec);
  absl::Status status;
  if (ec) {
    status = absl::UnavailableError(
        absl::StrCat("copying ", backup_dir, " to ", target_dir, ": ", ec.message()));
  } else {
    absl::StatusOr<std::unique_ptr<EventLog>> log = Open(target_dir);
    if (!log.ok()) {
      status = log.status();
    } else {
      absl::StatusOr<VerifyReport> report =
          (*log)->Verify(0, std::numeric_limits<uint64_t>::max());
      if (!report.ok()) {
        status = report.status();
      } else if (!report->ok) {
        status = absl::DataLossError(absl::StrCat("restored log fails verification at position ",
                                                  *report->first_bad_position, ": ",
                                                  report->problem));
      }
    }
  }
  if (!status.ok()) fs::remove_all(target_dir, ec);
  return status;
}

}  // namespace scc::storage
