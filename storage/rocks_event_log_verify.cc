// RocksEventLog: checking the stored chain (Verify), purging erased sections from the disk, and
// online backup and restore.
#include "storage/rocks_event_log.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/utilities/checkpoint.h"
#include "storage/rocks_event_log_internal.h"
#include "storage/chain.h"
#include "storage/record.h"
#include "storage/rocks_status.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace fs = std::filesystem;

absl::StatusOr<VerifyReport> RocksEventLog::Verify(uint64_t from, uint64_t to) const {
  const Head head = CommittedHead();
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  ChainCheck check(from, to, head.next_position,
                   [this](uint64_t at) ABSL_NO_THREAD_SAFETY_ANALYSIS { return ReadAt(at); });
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf()));
  it->Seek(PositionKey(from));
  for (uint64_t position = from; check.ok() && position < check.to(); ++position, it->Next()) {
    if (!it->Valid() || ToView(it->key()) != PositionKey(position)) {
      // Damaged storage (a block whose checksum fails names its file) is a finding at this
      // position, like a damaged record; only an unreadable disk is an error.
      if (it->status().IsCorruption()) {
        check.Fail(position, absl::StrCat("stored data unreadable: ", it->status().ToString()));
        break;
      }
      RETURN_IF_ERROR(FromRocks(it->status(), "verifying events"));
      check.Fail(position, "record missing: gap in global positions");
      break;
    }
    RETURN_IF_ERROR(check.Check(
        position, ToView(it->value()),
        [this, position](const RecordedEvent& record)
            ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<bool> {
              std::string indexed;
              rocksdb::Status s =
                  db_->Get(rocksdb::ReadOptions(), streams_cf(),
                           StreamIndexKey(record.stream, record.version), &indexed);
              if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "verifying stream index");
              return s.ok() && indexed == PositionKey(position);
            }));
  }
  bool stored_beyond = false;
  if (check.ok() && check.reaches_end()) {
    stored_beyond = it->Valid();
    RETURN_IF_ERROR(FromRocks(it->status(), "verifying events"));
  }
  return check.Finish(head.last_hash, stored_beyond);
}

absl::Status RocksEventLog::PurgeErased(const std::vector<uint64_t>& positions) {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  rocksdb::FlushOptions flush;
  flush.wait = true;
  RETURN_IF_ERROR(FromRocks(db_->Flush(flush, handles_), "flushing after an erasure"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const uint64_t position : positions) {
    const std::string key = PositionKey(position);
    const rocksdb::Slice begin(key);
    const rocksdb::Slice end(key);
    RETURN_IF_ERROR(FromRocks(db_->CompactRange(compact, events_cf(), &begin, &end),
                              absl::StrCat("compacting position ", position)));
  }
  return absl::OkStatus();
}

absl::Status RocksEventLog::Backup(const std::string& backup_dir) const {
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
    absl::StatusOr<std::unique_ptr<EventLog>> log = RocksEventLog::Open(target_dir, {});
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
