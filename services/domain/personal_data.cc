#include "services/domain/personal_data.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/domain/errors.h"
#include "services/domain/field_marks.h"

namespace scc::domain {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const FieldMarks& PersonalFields() {
  static const FieldMarks* const kMarks =
      new FieldMarks(v1::EventPayload::descriptor(), [](const FieldDescriptor* field) {
        if (field->type() != FieldDescriptor::TYPE_STRING) return 0;
        return static_cast<int>(field->options().GetExtension(v1::personal));
      });
  return *kMarks;
}

// Calls `fn(path, message, field, index)` for every non-empty marked string value under
// `message` (index -1 for a singular field); `fn` may change the value.
void Walk(Message& message, const std::string& prefix,
          const std::function<void(const std::string&, Message&, const FieldDescriptor*, int,
                                   v1::PersonalData)>& fn) {
  const FieldMarks::Fields* fields = PersonalFields().Of(message.GetDescriptor());
  if (fields == nullptr) return;
  const Reflection& r = *message.GetReflection();
  for (const auto& [field, mark] : fields->marked) {
    const auto kind = static_cast<v1::PersonalData>(mark);
    if (!field->is_repeated()) {
      if (!r.GetString(message, field).empty()) fn(prefix + field->name(), message, field, -1, kind);
      continue;
    }
    for (int i = 0; i < r.FieldSize(message, field); ++i) {
      if (r.GetRepeatedString(message, field, i).empty()) continue;
      fn(absl::StrCat(prefix, field->name(), "[", i, "]"), message, field, i, kind);
    }
  }
  for (const FieldDescriptor* field : fields->descend) {
    if (!IsSet(message, field)) continue;
    if (!field->is_repeated()) {
      Walk(*r.MutableMessage(&message, field), absl::StrCat(prefix, field->name(), "."), fn);
      continue;
    }
    for (int i = 0; i < r.FieldSize(message, field); ++i) {
      Walk(*r.MutableRepeatedMessage(&message, field, i),
           absl::StrCat(prefix, field->name(), "[", i, "]."), fn);
    }
  }
}

std::string ValueAt(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection& r = *message.GetReflection();
  return index < 0 ? r.GetString(message, field) : r.GetRepeatedString(message, field, index);
}

}  // namespace

std::vector<PersonalValue> PersonalDataIn(const v1::EventPayload& payload) {
  std::vector<PersonalValue> out;
  v1::EventPayload copy = payload;  // Walk hands out mutable messages
  Walk(copy, "", [&](const std::string& path, Message& m, const FieldDescriptor* f, int i,
                     v1::PersonalData kind) { out.push_back({path, ValueAt(m, f, i), kind}); });
  return out;
}

std::vector<PersonalValue> TakeErasableData(v1::EventPayload& payload) {
  std::vector<PersonalValue> out;
  Walk(payload, "", [&](const std::string& path, Message& m, const FieldDescriptor* f, int i,
                        v1::PersonalData kind) {
    if (!IsErasable(kind)) return;
    out.push_back({path, ValueAt(m, f, i), kind});
    const Reflection& r = *m.GetReflection();
    if (i < 0) {
      r.SetString(&m, f, "");
    } else {
      r.SetRepeatedString(&m, f, i, "");
    }
  });
  return out;
}

absl::Status PutPersonalData(v1::EventPayload& payload, const std::string& path,
                             const std::string& value) {
  Message* message = &payload;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t p = 0; p < parts.size(); ++p) {
    std::string name = parts[p];
    int index = -1;
    if (const size_t open = name.find('['); open != std::string::npos && name.back() == ']') {
      if (!absl::SimpleAtoi(name.substr(open + 1, name.size() - open - 2), &index) || index < 0) {
        return InvalidField("path", absl::StrCat("'", path, "' has a bad index"));
      }
      name.resize(open);
    }
    const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(name);
    if (field == nullptr || field->is_repeated() != (index >= 0)) {
      return InvalidField("path", absl::StrCat("'", path, "' names no field of an event"));
    }
    const Reflection& r = *message->GetReflection();
    const bool last = p + 1 == parts.size();
    if (last) {
      if (field->type() != FieldDescriptor::TYPE_STRING ||
          field->options().GetExtension(v1::personal) == v1::PERSONAL_DATA_UNSPECIFIED) {
        return InvalidField("path", absl::StrCat("'", path, "' is not personal data"));
      }
      if (index < 0) {
        r.SetString(message, field, value);
        return absl::OkStatus();
      }
      while (r.FieldSize(*message, field) <= index) r.AddString(message, field, "");
      r.SetRepeatedString(message, field, index, value);
      return absl::OkStatus();
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return InvalidField("path", absl::StrCat("'", path, "' names no field of an event"));
    }
    if (index < 0) {
      message = r.MutableMessage(message, field);
      continue;
    }
    while (r.FieldSize(*message, field) <= index) r.AddMessage(message, field);
    message = r.MutableRepeatedMessage(message, field, index);
  }
  return InvalidField("path", "is empty");
}

}  // namespace scc::domain
