#include "services/domain/confidentiality.h"

#include "absl/strings/str_cat.h"
#include "services/domain/authorization.h"
#include "services/domain/field_marks.h"

namespace scc::domain {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const FieldMarks& ConfidentialFields() {
  static const FieldMarks* const kMarks =
      new FieldMarks(v1::EventPayload::descriptor(), [](const FieldDescriptor* field) {
        return static_cast<int>(field->options().GetExtension(v1::confidential));
      });
  return *kMarks;
}

void Withhold(const Reader& reader, Message& message, const std::string& prefix,
              std::vector<std::string>& out) {
  const FieldMarks::Fields* fields = ConfidentialFields().Of(message.GetDescriptor());
  if (fields == nullptr) return;
  const Reflection& reflection = *message.GetReflection();
  for (const auto& [field, kind] : fields->marked) {
    if (MayRead(reader, static_cast<v1::Confidentiality>(kind)) || !IsSet(message, field)) continue;
    reflection.ClearField(&message, field);
    out.push_back(absl::StrCat(prefix, field->name()));
  }
  for (const FieldDescriptor* field : fields->descend) {
    if (!IsSet(message, field)) continue;
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
