// What every home of the event log computes the same way (storage/FORMAT.md): building a new
// record and its link in the hash chain, erasing a section of a committed record, and the walk
// Verify makes over the stored records. Pure functions, thread-safe; no storage.
#ifndef SCC_STORAGE_CHAIN_H_
#define SCC_STORAGE_CHAIN_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/event.h"
#include "storage/event_log.h"

namespace scc::storage {

// Sections and erasures one event may carry.
inline constexpr size_t kMaxSections = 4096;

// The record for `event` at `position`: fresh salts and digests for its sections. `event`'s
// bytes are moved out.
RecordedEvent NewRecord(uint64_t position, const std::string& stream, uint64_t version,
                        absl::Time recorded_at, const std::string& request_id, EventData& event);

// Links `record` to the chain: sets its hash from `*chain_hash` (the previous record's) and
// advances `*chain_hash` to it. Returns the stored bytes (EncodeRecord's form).
std::string LinkRecord(RecordedEvent& record, std::string* chain_hash);

// Erases section `ref.index` of `target` (the record at `ref.position`) by the record at
// `erasing`, or says why it cannot: kInvalidArgument for a section that does not exist,
// kFailedPrecondition for one erased already. `target` is unchanged on error.
absl::Status EraseSection(RecordedEvent& target, const SectionRef& ref, uint64_t erasing);

// kDataLoss: no record is stored at `position`.
absl::Status MissingRecordError(uint64_t position);

// kDataLoss unless the record stored under `position` decoded (a RecordedEvent or a RecordView)
// and names that position.
template <typename Record>
absl::Status CheckStoredAt(uint64_t position, const absl::StatusOr<Record>& record) {
  if (!record.ok()) {
    return absl::DataLossError(
        absl::StrCat("event at position ", position, ": ", record.status().message()));
  }
  if (record->position != position) {
    return absl::DataLossError(absl::StrCat("event stored at position ", position,
                                            " claims position ", record->position));
  }
  return absl::OkStatus();
}

// The walk Verify makes over [from, to) of a log whose committed end is `committed`
// (storage/FORMAT.md "What Verify checks"), whatever stores the records: the home feeds it each
// stored record in order and says whether its stream index agrees; the check keeps the links and
// the report. Not thread-safe; one per Verify.
class ChainCheck {
 public:
  using ReadAt = std::function<absl::StatusOr<RecordedEvent>(uint64_t position)>;
  // Whether the stream index points the record's stream and version at the position it is
  // stored at; an error only when the index cannot be read.
  using Indexed = std::function<absl::StatusOr<bool>(const RecordedEvent& record)>;

  // `read_at` reads committed records: the one before `from` (its link) and those a record's
  // sections name. `to` is clamped to `committed`.
  ChainCheck(uint64_t from, uint64_t to, uint64_t committed, ReadAt read_at);

  // False once a position failed a check (the report names it).
  bool ok() const { return report_.ok; }
  // The end of the walk: `to` clamped to the committed end.
  uint64_t to() const { return report_.to; }
  // True when the walk reaches the committed end (Finish then checks the head).
  bool reaches_end() const;

  // The record stored at `position`, the next one of the walk, as its stored bytes. An error only
  // when something could not be read; a record that fails a check ends the walk.
  absl::Status Check(uint64_t position, absl::string_view stored, const Indexed& indexed);
  // Ends the walk at `position` for `problem` (a gap, unreadable storage).
  void Fail(uint64_t position, std::string problem);
  // The report; when the walk reached the end and nothing failed, after checking that the last
  // record's hash is `head_hash` and that no record is stored beyond the head (`stored_beyond`).
  VerifyReport Finish(const std::string& head_hash, bool stored_beyond);

 private:
  uint64_t committed_;
  ReadAt read_at_;
  VerifyReport report_;
  std::string prev_hash_;
  absl::Time prev_recorded_at_ = absl::InfinitePast();
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_CHAIN_H_
