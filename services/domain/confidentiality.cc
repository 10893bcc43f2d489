#include "services/domain/confidentiality.h"

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "services/domain/authorization.h"

namespace scc::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Per message type: its marked fields, and the message fields under which marked fields lie.
struct MarkedFields {
  std::vector<std::pair<const FieldDescriptor*, v1::Confidentiality>> marked;
  std::vector<const FieldDescriptor*> descend;
};

// The marks of every message type reachable from EventPayload, read once from the descriptors
// (EventPayload contains itself through a correction's replacement).
class Marks {
 public:
  Marks() { Visit(v1::EventPayload::descriptor()); }

  const MarkedFields* Of(const Descriptor* type) const {
    auto it = by_type_.find(type);
    return it == by_type_.end() ? nullptr : it->second.get();
  }

 private:
  // Whether `type` has marked fields at or under it.
  bool Visit(const Descriptor* type) {
    if (auto it = visiting_.find(type); it != visiting_.end()) return it->second;
    visiting_[type] = type == v1::EventPayload::descriptor();  // the cycle leads back to marks
    auto fields = std::make_unique<MarkedFields>();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const v1::Confidentiality kind = field->options().GetExtension(v1::confidential);
      if (kind != v1::CONFIDENTIALITY_UNSPECIFIED) {
        fields->marked.emplace_back(field, kind);
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 Visit(field->message_type())) {
        fields->descend.push_back(field);
      }
    }
    const bool any = !fields->marked.empty() || !fields->descend.empty();
    visiting_[type] = any;
    if (any) by_type_[type] = std::move(fields);
    return any;
  }

  absl::flat_hash_map<const Descriptor*, bool> visiting_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<MarkedFields>> by_type_;
};

const Marks& AllMarks() {
  static const Marks* const kMarks = new Marks();
  return *kMarks;
}

bool IsSet(const Reflection& reflection, const Message& message, const FieldDescriptor* field) {
  return field->is_repeated() ? reflection.FieldSize(message, field) > 0
                              : reflection.HasField(message, field);
}

void Withhold(const Reader& reader, Message& message, const std::string& prefix,
              std::vector<std::string>& out) {
  const MarkedFields* fields = AllMarks().Of(message.GetDescriptor());
  if (fields == nullptr) return;
  const Reflection& reflection = *message.GetReflection();
  for (const auto& [field, kind] : fields->marked) {
    if (MayRead(reader, kind) || !IsSet(reflection, message, field)) continue;
    reflection.ClearField(&message, field);
    out.push_back(absl::StrCat(prefix, field->name()));
  }
  for (const FieldDescriptor* field : fields->descend) {
    if (!IsSet(reflection, message, field)) continue;
    const std::string path = absl::StrCat(prefix, field->name(), ".");
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        Withhold(reader, *reflection.MutableRepeatedMessage(&message, field, i), path, out);
      }
    } else {
      Withhold(reader, *reflection.MutableMessage(&message, field), path, out);
    }
  }
}

}  // namespace

bool MayRead(const Reader& reader, v1::Confidentiality kind) {
  switch (ConfidentialReach(reader.role, kind)) {
    case Reach::kAll:
      return true;
    case Reach::kNone:
      return false;
    default:
      return reader.works_with;
  }
}

bool NotesAlwaysConfidential(const v1::EventPayload& payload) {
  const v1::EventPayload::KindCase kind =
      payload.has_event_corrected() ? payload.event_corrected().replacement().kind_case()
                                    : payload.kind_case();
  return kind == v1::EventPayload::kActionPlanReviewHeld ||
         kind == v1::EventPayload::kMonitoringAndChallengeMeetingHeld ||
         kind == v1::EventPayload::kSchoolProgressReviewTeamMeetingHeld;
}

Withheld WithholdFrom(const Reader& reader, v1::Notes& notes, v1::EventPayload& payload) {
  Withheld withheld;
  if ((notes.confidential() || NotesAlwaysConfidential(payload)) &&
      !MayRead(reader, v1::CONFIDENTIALITY_LA_RECORD)) {
    withheld.notes = true;
    notes.Clear();
    notes.set_confidential(true);
  }
  Withhold(reader, payload, "", withheld.fields);
  return withheld;
}

}  // namespace scc::domain
