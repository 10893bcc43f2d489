#include "services/codec/event_codec.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/domain/confidentiality.h"
#include "services/domain/errors.h"
#include "services/domain/personal_data.h"
#include "storage/status_macros.h"

namespace scc::codec {
namespace {
constexpr absl::string_view kStreamPrefix = "institutions/";
constexpr char kNotesPath[] = "notes";  // the section holding the notes' text
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

bool CorrectsEarlierEvents(const std::string& type) {
  static const std::string* const corrected = new std::string(
      v1::EventPayload::descriptor()->FindFieldByNumber(v1::EventPayload::kEventCorrected)->name());
  static const std::string* const redacted = new std::string(
      v1::EventPayload::descriptor()->FindFieldByNumber(v1::EventPayload::kEventRedacted)->name());
  return type == *corrected || type == *redacted;
}

absl::string_view UrnView(absl::string_view stream) {
  return absl::StartsWith(stream, kStreamPrefix) ? stream.substr(kStreamPrefix.size())
                                                 : absl::string_view();
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

storage::EventData Encode(const v1::EventPayload& payload, const v1::EventMetadata& metadata) {
  storage::EventData data;
  data.type = EventType(payload);
  v1::EventPayload skeleton = payload;
  v1::EventMetadata envelope = metadata;
  envelope.clear_section_paths();
  for (domain::PersonalValue& value : domain::TakeErasableData(skeleton)) {
    envelope.add_section_paths(std::move(value.path));
    data.sections.push_back(std::move(value.value));
  }
  if (!envelope.notes().text().empty()) {
    envelope.add_section_paths(kNotesPath);
    data.sections.push_back(envelope.notes().text());
    envelope.mutable_notes()->clear_text();
  }
  data.data = DeterministicBytes(skeleton);
  data.metadata = DeterministicBytes(envelope);
  return data;
}

namespace {

// Puts the kept sections back into `event` and lists the erased ones (storage::Section or
// storage::SectionView).
template <typename Sections>
absl::Status ApplySections(const Sections& sections, uint64_t position,
                           domain::StoredEvent* event) {
  const auto& paths = event->metadata.section_paths();
  if (static_cast<size_t>(paths.size()) != sections.size()) {
    return absl::DataLossError(absl::StrCat("event at position ", position, " has ",
                                            sections.size(), " sections for ", paths.size(),
                                            " section paths"));
  }
  for (size_t i = 0; i < sections.size(); ++i) {
    const std::string& path = paths[static_cast<int>(i)];
    if (sections[i].erased) {
      event->redacted.push_back(path);
    } else if (path == kNotesPath) {
      event->metadata.mutable_notes()->set_text(std::string(sections[i].bytes));
    } else if (absl::Status put =
                   domain::PutPersonalData(event->payload, path, std::string(sections[i].bytes));
               !put.ok()) {
      return absl::DataLossError(absl::StrCat("event at position ", position, ": ", put.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseEnvelope(absl::string_view data, absl::string_view metadata, uint64_t position,
                           domain::StoredEvent* event) {
  event->redacted.clear();
  if (!event->payload.ParseFromArray(data.data(), static_cast<int>(data.size())) ||
      !event->metadata.ParseFromArray(metadata.data(), static_cast<int>(metadata.size()))) {
    return absl::DataLossError(absl::StrCat("event at position ", position, " does not decode"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeInto(const storage::RecordView& recorded, domain::StoredEvent* event) {
  event->version = recorded.version;
  event->position = recorded.position;
  RETURN_IF_ERROR(ParseEnvelope(recorded.data, recorded.metadata, recorded.position, event));
  if (recorded.section_count == 0) return absl::OkStatus();
  return ApplySections(storage::SectionsOf(recorded), recorded.position, event);
}

absl::StatusOr<domain::StoredEvent> Decode(const storage::RecordView& recorded) {
  domain::StoredEvent event;
  if (absl::Status s = DecodeInto(recorded, &event); !s.ok()) return s;
  return event;
}

absl::StatusOr<domain::StoredEvent> Decode(const storage::RecordedEvent& recorded) {
  domain::StoredEvent event;
  event.version = recorded.version;
  event.position = recorded.position;
  RETURN_IF_ERROR(ParseEnvelope(recorded.data, recorded.metadata, recorded.position, &event));
  RETURN_IF_ERROR(ApplySections(recorded.sections, recorded.position, &event));
  return event;
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
  for (const std::string& path : event.redacted) out.add_redacted(path);
  // What a redaction could still erase, but nothing the reader may not see.
  const auto withheld_under = [&](const std::string& path) {
    if (path == kNotesPath) return withheld.notes;
    for (const std::string& field : out.withheld()) {
      if (path == field || absl::StartsWith(path, field + "[") ||
          absl::StartsWith(path, field + ".")) {
        return true;
      }
    }
    return false;
  };
  for (const std::string& path : event.metadata.section_paths()) {
    if (std::find(event.redacted.begin(), event.redacted.end(), path) == event.redacted.end() &&
        !withheld_under(path)) {
      out.add_redactable(path);
    }
  }
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
