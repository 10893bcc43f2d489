// How SCC events sit in the event log: stream "institutions/<urn>", type = the payload's field
// name, data = serialized EventPayload, metadata = serialized EventMetadata; and how a stored
// event becomes the API's Event, with what the reader may not see left out. Pure,
// thread-safe.
#ifndef SCC_SERVICES_CODEC_EVENT_CODEC_H_
#define SCC_SERVICES_CODEC_EVENT_CODEC_H_

#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"
#include "services/domain/confidentiality.h"
#include "services/domain/evolve.h"
#include "storage/event.h"
#include "storage/event_log.h"

namespace scc::codec {

std::string StreamName(const std::string& urn);
// The urn of "institutions/<urn>"; empty for other streams.
std::string UrnOfStream(const std::string& stream);
// "srg_designated" for an SrgDesignated payload.
std::string EventType(const v1::EventPayload& payload);
// Whether an event stored with this type corrects or redacts an earlier event of its stream, so
// that folding it may mean folding the stream again.
bool CorrectsEarlierEvents(const std::string& type);

// How an event is stored: data = the payload with its names and free text taken out (each
// left an empty string), metadata = the envelope with the notes' text taken out and
// `section_paths` saying what each section holds, sections = those values, one each, so that
// a redaction can erase any of them (docs/data-protection.md). Deterministic bytes.
storage::EventData Encode(const v1::EventPayload& payload, const v1::EventMetadata& metadata);
// Protobuf's deterministic serialization of `message`.
std::string DeterministicBytes(const google::protobuf::Message& message);

// The event as recorded, its kept sections put back and its erased ones listed in `redacted`.
absl::StatusOr<domain::StoredEvent> Decode(const storage::RecordedEvent& recorded);
absl::StatusOr<domain::StoredEvent> Decode(const storage::RecordView& recorded);
// Decodes into `event`, reusing its memory: for loops over many events.
absl::Status DecodeInto(const storage::RecordView& recorded, domain::StoredEvent* event);
// The urn part of a stream name, without copying; empty for other streams.
absl::string_view UrnView(absl::string_view stream);

// google.protobuf.Timestamp <-> absl::Time. FromTimestamp refuses a malformed one, naming
// `field`.
absl::StatusOr<absl::Time> FromTimestamp(const google::protobuf::Timestamp& t, const char* field);
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);

// The API's view of a stored event for `reader`: what R-25 hides from the reader is left out
// (notes_redacted, withheld; domain::WithholdFrom).
v1::Event ToApiEvent(const storage::RecordedEvent& recorded, const domain::StoredEvent& event,
                     const domain::Reader& reader);

// The stored events of `urn` with from_version <= version <= to_version, in order (none when
// the institution has no stream).
absl::StatusOr<std::vector<domain::StoredEvent>> ReadInstitution(
    const storage::EventLog& log, const std::string& urn, uint64_t from_version = 0,
    uint64_t to_version = std::numeric_limits<uint64_t>::max());

}  // namespace scc::codec

#endif  // SCC_SERVICES_CODEC_EVENT_CODEC_H_
