#include "services/codec/event_codec.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "services/domain/confidentiality.h"
#include "services/domain/errors.h"

namespace scc::codec {
namespace {
constexpr absl::string_view kStreamPrefix = "institutions/";
}  // namespace

std::string StreamName(const std::string& urn) { return absl::StrCat(kStreamPrefix, urn); }

std::string UrnOfStream(const std::string& stream) {
  return absl::StartsWith(stream, kStreamPrefix) ? stream.substr(kStreamPrefix.size()) : "";
}

std::string EventType(const v1::EventPayload& payload) {
  const google::protobuf::FieldDescriptor* field =
      v1::EventPayload::descriptor()->FindFieldByNumber(payload.kind_case());
  return field == nullptr ? "unknown" : field->name();
}

absl::string_view UrnView(absl::string_view stream) {
  return absl::StartsWith(stream, kStreamPrefix) ? stream.substr(kStreamPrefix.size())
                                                 : absl::string_view();
}

absl::Status DecodeInto(const storage::RecordView& recorded, domain::StoredEvent* event) {
  event->version = recorded.version;
  if (!event->payload.ParseFromArray(recorded.data.data(), static_cast<int>(recorded.data.size())) ||
      !event->metadata.ParseFromArray(recorded.metadata.data(),
                                      static_cast<int>(recorded.metadata.size()))) {
    return absl::DataLossError(
        absl::StrCat("event at position ", recorded.position, " does not decode"));
  }
  return absl::OkStatus();
}

absl::StatusOr<domain::StoredEvent> Decode(const storage::RecordView& recorded) {
  domain::StoredEvent event;
  if (absl::Status s = DecodeInto(recorded, &event); !s.ok()) return s;
  return event;
}

absl::StatusOr<domain::StoredEvent> Decode(const storage::RecordedEvent& recorded) {
  storage::RecordView view;
  view.position = recorded.position;
  view.version = recorded.version;
  view.data = recorded.data;
  view.metadata = recorded.metadata;
  return Decode(view);
}

absl::StatusOr<absl::Time> FromTimestamp(const google::protobuf::Timestamp& t, const char* field) {
  if (t.seconds() < 0 || t.nanos() < 0 || t.nanos() > 999999999) {
    return domain::InvalidField(field, "is not a valid timestamp");
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

v1::Event ToApiEvent(const storage::RecordedEvent& recorded, const domain::StoredEvent& event,
                     const domain::Reader& reader) {
  v1::Event out;
  const v1::EventMetadata& m = event.metadata;
  out.set_event_id(m.event_id());
  out.set_urn(UrnOfStream(recorded.stream));
  out.set_version(recorded.version);
  out.set_global_position(recorded.position);
  SetTimestamp(recorded.recorded_at, out.mutable_recorded_at());
  out.set_effective_date(m.effective_date());
  out.set_actor(m.actor());
  out.set_role(m.role());
  out.set_reason(m.reason());
  *out.mutable_notes() = m.notes();
  out.set_request_id(recorded.request_id);
  out.set_correlation_id(m.correlation_id());
  out.set_causation_id(m.causation_id());
  out.set_type(recorded.type);
  *out.mutable_payload() = event.payload;
  domain::Withheld withheld =
      domain::WithholdFrom(reader, *out.mutable_notes(), *out.mutable_payload());
  out.set_notes_redacted(withheld.notes);
  for (std::string& field : withheld.fields) out.add_withheld(std::move(field));
  out.set_hash(absl::BytesToHexString(recorded.hash));
  return out;
}

absl::StatusOr<std::vector<domain::StoredEvent>> ReadInstitution(const storage::EventLog& log,
                                                                 const std::string& urn,
                                                                 uint64_t from_version,
                                                                 uint64_t to_version) {
  std::vector<domain::StoredEvent> events;
  std::optional<uint64_t> next = from_version;
  while (next && *next <= to_version) {
    absl::StatusOr<storage::StreamPage> page =
        log.ReadStream(StreamName(urn), *next, storage::ReadDirection::kForwards, 1000);
    if (absl::IsNotFound(page.status())) return events;
    if (!page.ok()) return page.status();
    for (const storage::RecordedEvent& recorded : page->events) {
      if (recorded.version > to_version) return events;
      absl::StatusOr<domain::StoredEvent> event = Decode(recorded);
      if (!event.ok()) return event.status();
      events.push_back(*std::move(event));
    }
    next = page->next_version;
  }
  return events;
}

}  // namespace scc::codec
