// RocksEventLog: opening (and the checks at open), closing, and reopening after a failed write; the
// database's properties and volume. The other parts are in rocks_event_log_write.cc,
// rocks_event_log_read.cc and rocks_event_log_verify.cc (see rocks_event_log.h).
#include "storage/rocks_event_log.h"

#include <pthread.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/rocks_event_log_internal.h"
#include "storage/record.h"
#include "storage/rocks_setup.h"
#include "storage/rocks_status.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace fs = std::filesystem;

namespace {

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
  if (!s.ok()) return FromRocksOpen(s, dir, absl::StrCat("opening event log in ", dir));
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
    if (value == EncodeFormat(kOldestStoreFormat)) {
      // Format 1 records read and verify unchanged; marking the store format 2 keeps a build
      // that cannot read sectioned records from opening it once it may hold them.
      rocksdb::WriteOptions sync;
      sync.sync = true;
      s = db->Put(sync, handles[4], kMetaFormatKey, EncodeFormat(kStoreFormatVersion));
      if (!s.ok()) return close_on_error(FromRocks(s, "upgrading the format marker"));
    } else if (value != EncodeFormat(kStoreFormatVersion)) {
      return close_on_error(absl::FailedPreconditionError(
          absl::StrCat(dir, " has an unsupported store format (this build reads formats ",
                       kOldestStoreFormat, " to ", kStoreFormatVersion, ")")));
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

absl::StatusOr<std::unique_ptr<EventLog>> RocksEventLog::Open(const std::string& dir,
                                                              EventLogOptions options) {
  if (!options.clock) options.clock = [] { return absl::Now(); };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));

  ASSIGN_OR_RETURN(OpenedDatabase opened, OpenDatabase(dir, options));
  return std::unique_ptr<EventLog>(new RocksEventLog(dir, std::move(options), std::move(opened.db),
                                                     std::move(opened.handles), opened.head,
                                                     opened.write_ahead_budget));
}

absl::Status RocksEventLog::Load(const std::string& dir, const EventLog& source, uint64_t end) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, " is not empty"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  EventLogOptions options;
  ASSIGN_OR_RETURN(OpenedDatabase opened, OpenDatabase(dir, options));
  rocksdb::DB& db = *opened.db;
  auto finish = [&opened](absl::Status status) {
    for (rocksdb::ColumnFamilyHandle* h : opened.handles) {
      opened.db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    return status;
  };
  rocksdb::WriteOptions sync;
  sync.sync = true;
  constexpr size_t kPage = 1000;
  Head head = opened.head;
  for (uint64_t from = 0; from < end; from += kPage) {
    rocksdb::WriteBatch batch;
    absl::Status scanned = source.Scan(from, std::min<uint64_t>(end, from + kPage),
                                       [&](const RecordView& view) {
                                         const RecordedEvent record = view.Copy();
                                         batch.Put(opened.handles[1], PositionKey(record.position),
                                                   EncodeRecord(record));
                                         batch.Put(opened.handles[2],
                                                   StreamIndexKey(record.stream, record.version),
                                                   PositionKey(record.position));
                                         head = Head{record.position + 1, record.hash,
                                                     record.recorded_at};
                                         return absl::OkStatus();
                                       });
    if (!scanned.ok()) return finish(scanned);
    if (rocksdb::Status s = db.Write(sync, &batch); !s.ok()) {
      return finish(FromRocks(s, "writing the copy"));
    }
  }
  rocksdb::WriteBatch requests;
  absl::Status copied = source.ScanRequests([&](const std::string& id, const StoredRequest& r) {
    if (r.result.last_position < end) {
      requests.Put(opened.handles[3], id, EncodeStoredRequest(r));
    }
    return absl::OkStatus();
  });
  if (!copied.ok()) return finish(copied);
  requests.Put(opened.handles[4], kMetaHeadKey, EncodeHead(head));
  if (rocksdb::Status s = db.Write(sync, &requests); !s.ok()) {
    return finish(FromRocks(s, "writing the copy's requests and head"));
  }
  return finish(absl::OkStatus());
}

RocksEventLog::RocksEventLog(std::string dir, EventLogOptions options,
                             std::unique_ptr<rocksdb::DB> db,
                             std::vector<rocksdb::ColumnFamilyHandle*> handles, Head head,
                             uint64_t resume_free_bytes)
    : EventLog(std::move(options), head),
      dir_(std::move(dir)),
      resume_free_bytes_(resume_free_bytes),
      db_(std::move(db)),
      handles_(std::move(handles)),
      prepared_position_(head.next_position),
      prepared_hash_(head.last_hash),
      last_recorded_at_(head.last_recorded_at) {
  sequencer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-sequencer");  // named for top and perf
    SequencerLoop();
  });
  syncer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-syncer");
    SyncerLoop();
  });
}

RocksEventLog::~RocksEventLog() {
  MarkClosing();
  {
    absl::MutexLock lock(&pipeline_mu_);
    stopping_ = true;
  }
  sequencer_.join();
  syncer_.join();
  absl::WriterMutexLock lock(&db_mu_);
  CloseDatabase();
}

void RocksEventLog::CloseDatabase() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
  db_.reset();
  handles_.clear();
}

absl::Status RocksEventLog::DbAvailable() const {
  if (db_ != nullptr) return absl::OkStatus();
  return absl::UnavailableError(
      "the event log is closed after a failed write and could not be reopened yet");
}

absl::Status RocksEventLog::RecoverFromWriteError() {
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
  // RocksDB stops writing after a failed write, and the write-ahead log file whose write failed
  // must not be appended to again (Debian's RocksDB asserts on it, and Resume() does not always
  // start a new one): close the database and open it again. The head then comes from what is
  // durable; a failed batch that did land is found by its request_id.
  Head head;
  {
    absl::WriterMutexLock lock(&db_mu_);
    CloseDatabase();
    absl::StatusOr<OpenedDatabase> opened = OpenDatabase(dir_, options_);
    if (!opened.ok()) return failure;
    db_ = std::move(opened->db);
    handles_ = std::move(opened->handles);
    head = opened->head;
  }
  PublishHead(head);
  prepared_position_ = head.next_position;
  prepared_hash_ = head.last_hash;
  last_recorded_at_ = std::max(last_recorded_at_, head.last_recorded_at);
  stream_heads_.clear();
  inflight_requests_.clear();
  inflight_order_.clear();
  forgotten_through_ = group_seq_;  // a mark from before now makes the log look again
  absl::MutexLock pipeline_lock(&pipeline_mu_);
  write_error_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::StatusOr<VolumeSpace> RocksEventLog::Space() const { return VolumeSpaceOf(dir_); }

std::optional<uint64_t> RocksEventLog::IntProperty(const std::string& name) const {
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


}  // namespace scc::storage
