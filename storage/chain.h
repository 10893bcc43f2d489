// What every home of the event log computes the same way (storage/FORMAT.md): building a new
// record and its link in the hash chain, erasing a section of a committed record, and the
// checks Verify makes of each record. Pure functions, thread-safe; no storage.
#ifndef SCC_STORAGE_CHAIN_H_
#define SCC_STORAGE_CHAIN_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/event.h"

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

// What is wrong with `record` stored at `position` after a record with `prev_hash` recorded at
// `prev_recorded_at`: its own position, its hash link, recorded_at going backwards. Empty when
// nothing is.
std::string LinkProblem(const RecordedEvent& record, uint64_t position,
                        const std::string& prev_hash, absl::Time prev_recorded_at);

// What is wrong with `record`'s sections and erasures (FORMAT.md "What Verify checks"), or
// empty, reading the records it names with `read_at`; an error only when one cannot be read
// for a reason other than damage. `committed`: the end of the log.
absl::StatusOr<std::string> SectionProblem(
    const RecordedEvent& record, uint64_t committed,
    const std::function<absl::StatusOr<RecordedEvent>(uint64_t position)>& read_at);

}  // namespace scc::storage

#endif  // SCC_STORAGE_CHAIN_H_
