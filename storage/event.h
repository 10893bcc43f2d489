// Value types of the event log's public API. Plain data; not synchronised (each value is owned by
// whoever holds it).
#ifndef SCC_STORAGE_EVENT_H_
#define SCC_STORAGE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace scc::storage {

// A section of an event (storage/FORMAT.md "Sections"): opaque bytes that the hash chain covers
// through a salted digest instead of the bytes themselves, so that a later, recorded erasure can
// remove them while every link of the chain still verifies.
struct SectionRef {
  uint64_t position = 0;  // the event
  uint32_t index = 0;     // its section
  bool operator==(const SectionRef&) const = default;
};

// One event as the caller hands it to Append. The log never interprets these bytes.
struct EventData {
  std::string type;      // non-empty, at most EventLogOptions::max_type_bytes
  std::string data;      // opaque payload
  std::string metadata;  // opaque envelope bytes chosen by the caller
  // Opaque bytes that may be erased later, each on its own (empty: none).
  std::vector<std::string> sections;
  // Sections of earlier events this event erases, in the same commit: the event is the
  // erasure's record, and the chain proves which sections it removed (empty: none).
  std::vector<SectionRef> erases;
};

// A section as stored: its bytes and salt, or, once erased, the position of the event that
// erased it.
struct Section {
  std::string bytes;
  std::string salt;          // kSectionSaltSize random bytes (empty once erased)
  bool erased = false;
  uint64_t erased_by = 0;    // the erasing event's position
};

// One committed event as the log returns it.
struct RecordedEvent {
  uint64_t position = 0;  // global position: gapless, strictly increasing, assigned at commit
  std::string stream;
  uint64_t version = 0;   // per-stream version: 0, 1, 2, ...
  absl::Time recorded_at; // commit time by the log's clock (non-decreasing along positions)
  std::string type;
  std::string request_id;  // the Append call that wrote it ("" when none was given)
  std::string metadata;
  std::string data;
  std::string hash;  // SHA-256(previous record's hash || canonical bytes of this record)
  std::vector<Section> sections;
  std::vector<std::string> section_digests;  // SHA-256(salt || bytes), in the canonical bytes
  std::vector<SectionRef> erases;
};

// A committed event seen in place: views into the stored record, valid only during the call
// that hands it out (EventLog::Scan). For reads that look at many events and keep few.
struct RecordView {
  uint64_t position = 0;
  absl::string_view stream;
  uint64_t version = 0;
  absl::Time recorded_at;
  absl::string_view type;
  absl::string_view request_id;
  absl::string_view metadata;
  absl::string_view data;
  absl::string_view hash;
  // Format 2 (FORMAT.md): the section digests (32 bytes each), the erasures (12 bytes each) and
  // the stored sections, undecoded; SectionsOf and ErasesOf read them. Empty for format 1.
  uint32_t section_count = 0;
  absl::string_view section_digests;
  absl::string_view erases;
  absl::string_view sections;

  RecordedEvent Copy() const;
};

// A stored section seen in place.
struct SectionView {
  absl::string_view bytes;
  absl::string_view salt;
  bool erased = false;
  uint64_t erased_by = 0;
};
// The sections and erasures of a record seen in place (DecodeRecordView checked their form).
std::vector<SectionView> SectionsOf(const RecordView& record);
std::vector<SectionRef> ErasesOf(const RecordView& record);

// The optimistic-concurrency precondition of an Append.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kExists, kExact };

  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  static ExpectedVersion Exists() { return ExpectedVersion(Kind::kExists, 0); }
  // The stream's last event must have exactly this version.
  static ExpectedVersion Exact(uint64_t version) { return ExpectedVersion(Kind::kExact, version); }

  Kind kind() const { return kind_; }
  uint64_t version() const { return version_; }

  // `current` is the stream's last version, or nullopt when the stream does not exist.
  bool IsSatisfiedBy(std::optional<uint64_t> current) const;
  std::string ToString() const;

 private:
  ExpectedVersion(Kind kind, uint64_t version) : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

// What one Append call committed.
struct AppendResult {
  uint64_t first_version = 0;   // version of the first event appended
  uint64_t last_version = 0;    // version of the last event appended: the stream's new version
  uint64_t first_position = 0;  // global position of the first event appended
  uint64_t last_position = 0;   // global position of the last event appended
  absl::Time recorded_at;
  bool replayed = false;  // true when this is the stored result of an earlier call (same request_id)
};

// A wrong-expected-version conflict is an absl::Status with code kAborted whose payload carries
// the stream's current version. This returns that version (nullopt: the stream does not exist),
// or an error when `status` is not such a conflict.
absl::StatusOr<std::optional<uint64_t>> ConflictCurrentVersion(const absl::Status& status);
// Builds such a conflict.
absl::Status MakeConflictError(absl::string_view stream, const ExpectedVersion& expected,
                               std::optional<uint64_t> current);
// kAlreadyExists: `request_id` was committed with other content (stream or events).
absl::Status RequestReusedError(absl::string_view request_id);

}  // namespace scc::storage

#endif  // SCC_STORAGE_EVENT_H_
