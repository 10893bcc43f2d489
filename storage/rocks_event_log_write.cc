// RocksEventLog: the write path. Queueing appends, and the two-stage group-commit
// pipeline (sequencer and syncer, see rocks_event_log.h) that decides, writes and answers them; what
// a failed commit tells its appends, and the write state until writing resumes (the reopen
// itself is RecoverFromWriteError, in rocks_event_log.cc).
#include "storage/rocks_event_log.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/rocks_event_log_internal.h"
#include "storage/chain.h"
#include "storage/record.h"
#include "storage/rocks_status.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace {

// How often the sequencer tries to resume writing after a failed commit while no append asks.
constexpr absl::Duration kRecoveryInterval = absl::Milliseconds(500);

// What the appends of a group whose write failed are told, in words for an operator.
absl::Status CommitFailure(const rocksdb::Status& s) {
  if (IsNoSpace(s)) {
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

}  // namespace

void RocksEventLog::AppendAllAsync(std::vector<AppendRequest> appends) {
  std::vector<QueuedAppend> pending = Admit(std::move(appends));
  {
    absl::MutexLock lock(&pipeline_mu_);
    if (!stopping_) {
      for (QueuedAppend& p : pending) queue_.push_back(std::move(p));
      return;
    }
  }
  for (QueuedAppend& p : pending) {
    std::move(p.done)(absl::UnavailableError("event log is closing"));
  }
}

void RocksEventLog::SequencerLoop() {
  for (;;) {
    std::vector<QueuedAppend> appends;
    bool idle_retry = false;
    {
      absl::MutexLock lock(&pipeline_mu_);
      // Wait for the hand-over slot first: appends keep queueing meanwhile, so groups grow
      // while the syncer is busy.
      const absl::Condition ready(
          +[](RocksEventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
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
          +[](RocksEventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
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
        for (QueuedAppend& p : appends) std::move(p.done)(standing);
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

void RocksEventLog::SyncerLoop() {
  for (;;) {
    std::unique_ptr<PreparedGroup> group;
    {
      absl::MutexLock lock(&pipeline_mu_);
      pipeline_mu_.Await(absl::Condition(
          +[](RocksEventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
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

absl::StatusOr<std::optional<uint64_t>> RocksEventLog::CachedStreamVersion(const std::string& stream) {
  if (auto it = stream_heads_.find(stream); it != stream_heads_.end()) return it->second;
  ASSIGN_OR_RETURN(std::optional<uint64_t> version, ReadStreamVersion(stream));
  if (version) stream_heads_.emplace(stream, *version);
  return version;
}

RocksEventLog::PreparedGroup RocksEventLog::Prepare(std::vector<QueuedAppend> appends) {
  absl::ReaderMutexLock db_lock(&db_mu_);
  PreparedGroup group;
  group.seq = ++group_seq_;
  group.first_position = prepared_position_;
  // Requests of groups already committed are in the database now: the oldest are dropped
  // from memory once more than EventLogOptions::requests_kept_in_memory are held.
  const uint64_t committed = committed_group_.load(std::memory_order_acquire);
  while (!inflight_order_.empty() && inflight_order_.front().first <= committed &&
         inflight_requests_.size() > options_.requests_kept_in_memory) {
    forgotten_through_ = inflight_order_.front().first;
    inflight_requests_.erase(inflight_order_.front().second);
    inflight_order_.pop_front();
  }
  // Stored with microsecond precision; truncate now so a replayed result equals the first one.
  const absl::Time now =
      std::max(absl::FromUnixMicros(absl::ToUnixMicros(options_.clock())), last_recorded_at_);
  absl::flat_hash_map<std::string, size_t> requests_in_group;
  group.appends = std::move(appends);
  for (size_t i = 0; i < group.appends.size(); ++i) {
    QueuedAppend& p = group.appends[i];
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
  group.end_recorded_at = last_recorded_at_;
  return group;
}

absl::StatusOr<RecordedEvent*> RocksEventLog::ErasureTarget(
    const SectionRef& ref, const PreparedGroup& group,
    absl::flat_hash_map<uint64_t, RecordedEvent>& erased) {
  const std::string where = absl::StrCat("section ", ref.index, " of position ", ref.position);
  if (ref.position >= group.first_position) {
    return absl::InvalidArgumentError(
        absl::StrCat("erases: ", where, " is not an event committed before this append"));
  }
  auto it = erased.find(ref.position);
  if (it == erased.end()) {
    RecordedEvent target;
    if (auto earlier = group.erased_in_group.find(ref.position);
        earlier != group.erased_in_group.end()) {
      target = earlier->second;
    } else {
      RETURN_IF_ERROR(DbAvailable());
      std::string value;
      const rocksdb::Status s =
          db_->Get(rocksdb::ReadOptions(), events_cf(), PositionKey(ref.position), &value);
      if (!s.ok()) return FromRocks(s, absl::StrCat("reading position ", ref.position));
      ASSIGN_OR_RETURN(target, DecodeRecord(value));
    }
    it = erased.emplace(ref.position, std::move(target)).first;
  }
  return &it->second;
}

void RocksEventLog::Decide(QueuedAppend& p, uint64_t group_seq, absl::Time now,
                      PreparedGroup& group) {
  if (!p.request_id.empty()) {
    std::optional<StoredRequest> earlier;
    if (auto it = inflight_requests_.find(p.request_id); it != inflight_requests_.end()) {
      earlier = StoredRequest{it->second.stream, it->second.fingerprint, it->second.result};
    } else if (p.absent_mark > forgotten_through_) {
      // Its caller found it in no group up to absent_mark - 1, and every request of a later
      // group is in inflight_requests_: it is new.
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
        p.outcome = RequestReusedError(p.request_id);
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

  // The sections the append erases, checked before anything of it is written.
  absl::flat_hash_map<uint64_t, RecordedEvent> erased;
  uint64_t erasing = prepared_position_;
  for (const EventData& e : p.events) {
    for (const SectionRef& ref : e.erases) {
      absl::StatusOr<RecordedEvent*> target = ErasureTarget(ref, group, erased);
      if (!target.ok()) {
        p.outcome = target.status();
        return;
      }
      if (absl::Status erasable = EraseSection(**target, ref, erasing); !erasable.ok()) {
        p.outcome = erasable;
        return;
      }
    }
    ++erasing;
  }

  AppendResult result;
  result.first_version = *current ? **current + 1 : 0;
  result.first_position = prepared_position_;
  result.recorded_at = now;
  uint64_t version = result.first_version;
  for (EventData& e : p.events) {
    RecordedEvent record =
        NewRecord(prepared_position_, p.stream, version, now, p.request_id, e);
    const std::string value = LinkRecord(record, &prepared_hash_);
    group.batch.Put(events_cf(), PositionKey(prepared_position_), value);
    group.batch.Put(streams_cf(), StreamIndexKey(p.stream, version),
                    PositionKey(prepared_position_));
    ++prepared_position_;
    ++version;
  }
  for (auto& [position, record] : erased) {
    group.batch.Put(events_cf(), PositionKey(position), EncodeRecord(record));
    group.erased_in_group[position] = std::move(record);
  }
  result.last_version = version - 1;
  result.last_position = prepared_position_ - 1;
  if (!p.request_id.empty()) {
    group.batch.Put(requests_cf(), p.request_id,
                    EncodeStoredRequest(StoredRequest{p.stream, p.fingerprint, result}));
    inflight_requests_[p.request_id] = InflightRequest{p.stream, p.fingerprint, result, group_seq};
    inflight_order_.emplace_back(group_seq, p.request_id);
  }
  stream_heads_[p.stream] = result.last_version;
  p.outcome = result;
}

void RocksEventLog::Commit(PreparedGroup group) {
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
      PublishHead(Head{group.end_position, group.end_hash, group.end_recorded_at});
      CountGroup(group.appends.size(), group.end_position - group.first_position);
    } else {
      // Nothing of this group is acknowledged. Whether the batch reached the WAL is unknown until
      // the database is reopened, so no later group may reuse its positions (see header).
      failure = CommitFailure(s);
      CountFailedGroup();
    }
  }
  {
    absl::MutexLock lock(&pipeline_mu_);
    if (failure.ok()) {
      committed_group_.store(group.seq, std::memory_order_release);
    } else {
      write_error_ = failure;
    }
  }
  // After a failure even successes decided without writing (replays of appends that were still
  // in flight) may be wrong, so every append that would have succeeded gets the error.
  for (QueuedAppend& p : group.appends) {
    if (!failure.ok() && p.outcome.ok()) p.outcome = failure;
  }
  AnswerGroup(group.appends);
}

absl::Status RocksEventLog::WriteState() const {
  absl::MutexLock lock(&pipeline_mu_);
  return write_error_;
}

absl::Status RocksEventLog::AwaitWritable(absl::Time deadline) const {
  absl::MutexLock lock(&pipeline_mu_);
  pipeline_mu_.AwaitWithDeadline(
      absl::Condition(
          +[](const RocksEventLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->pipeline_mu_) {
            return self->write_error_.ok();
          },
          this),
      deadline);
  return write_error_;
}

}  // namespace scc::storage
