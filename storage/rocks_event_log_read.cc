// RocksEventLog: the read path. Request look-ups, stream and global reads.
#include "storage/rocks_event_log.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "storage/rocks_event_log_internal.h"
#include "storage/chain.h"
#include "storage/record.h"
#include "storage/rocks_status.h"
#include "storage/status_macros.h"

namespace scc::storage {

absl::StatusOr<std::optional<uint64_t>> RocksEventLog::ReadStreamVersion(
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

absl::StatusOr<std::optional<EventLog::PriorAppend>> RocksEventLog::LookUpRequest(
    const std::string& request_id, uint64_t* absent_mark) const {
  if (absent_mark != nullptr) *absent_mark = 0;
  if (request_id.empty()) return std::optional<PriorAppend>();
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  // Read before the look-up: every group up to it is in the database for the look-up to see.
  const uint64_t committed = committed_group_.load(std::memory_order_acquire);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), requests_cf(), request_id, &value);
  if (s.IsNotFound()) {
    if (absent_mark != nullptr) *absent_mark = committed + 1;
    return std::optional<PriorAppend>();
  }
  RETURN_IF_ERROR(FromRocks(s, "looking up request_id"));
  ASSIGN_OR_RETURN(StoredRequest stored, DecodeStoredRequest(value));
  stored.result.replayed = true;
  return std::optional<PriorAppend>(PriorAppend{std::move(stored.stream), stored.result});
}

absl::Status RocksEventLog::ScanRequests(
    const std::function<absl::Status(const std::string& request_id, const StoredRequest& request)>&
        fn) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), requests_cf()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(StoredRequest stored, DecodeStoredRequest(ToView(it->value())));
    RETURN_IF_ERROR(fn(std::string(ToView(it->key())), stored));
  }
  return FromRocks(it->status(), "reading stored requests");
}

absl::StatusOr<std::optional<uint64_t>> RocksEventLog::StreamVersion(const std::string& stream) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  return ReadStreamVersion(stream);
}

absl::StatusOr<RecordedEvent> RocksEventLog::ReadAt(uint64_t position) const {
  RETURN_IF_ERROR(DbAvailable());
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_cf(), PositionKey(position), &value);
  if (s.IsNotFound()) return MissingRecordError(position);
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("reading position ", position)));
  absl::StatusOr<RecordedEvent> record = DecodeRecord(value);
  RETURN_IF_ERROR(CheckStoredAt(position, record));
  return record;
}

absl::StatusOr<StreamPage> RocksEventLog::ReadStream(const std::string& stream, uint64_t from_version,
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

absl::Status RocksEventLog::Scan(uint64_t from_position, uint64_t to_position,
                            const std::function<absl::Status(const RecordView&)>& fn) const {
  to_position = std::min(to_position, NextPosition());
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(DbAvailable());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_cf()));
  it->Seek(PositionKey(from_position));
  for (uint64_t position = from_position; position < to_position; ++position, it->Next()) {
    if (!it->Valid() || ToView(it->key()) != PositionKey(position)) {
      RETURN_IF_ERROR(
          FromRocks(it->status(), absl::StrCat("scanning events at position ", position)));
      return MissingRecordError(position);
    }
    absl::StatusOr<RecordView> record = DecodeRecordView(ToView(it->value()));
    RETURN_IF_ERROR(CheckStoredAt(position, record));
    RETURN_IF_ERROR(fn(*record));
  }
  return absl::OkStatus();
}

}  // namespace scc::storage
