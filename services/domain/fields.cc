#include "services/domain/fields.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "services/domain/dates.h"

namespace scc::domain {
namespace {

using google::protobuf::FieldDescriptor;

bool IsDateField(const std::string& name) {
  return absl::EndsWith(name, "_on") || absl::EndsWith(name, "_date");
}

void CheckScalar(const google::protobuf::Message& m, const FieldDescriptor* f, int index,
                 const std::string& path, const FieldLimits& limits, Violations& v) {
  const google::protobuf::Reflection* r = m.GetReflection();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    const std::string value = index < 0 ? r->GetString(m, f) : r->GetRepeatedString(m, f, index);
    const size_t limit = f->name() == "reason" ? limits.max_reason
                         : f->name() == "text" ? limits.max_notes
                                               : limits.max_text;
    if (value.size() > limit) {
      v.Add(path, absl::StrCat("is ", value.size(), " characters; the limit is ", limit));
    } else if (IsDateField(f->name()) && !value.empty() && !ParseDate(value)) {
      v.Add(path, absl::StrCat("'", value, "' is not a date (YYYY-MM-DD)"));
    }
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    const int value = index < 0 ? r->GetEnumValue(m, f) : r->GetRepeatedEnumValue(m, f, index);
    if (f->enum_type()->FindValueByNumber(value) == nullptr) {
      v.Add(path, absl::StrCat("unknown ", f->enum_type()->name(), " value ", value));
    }
  }
}

}  // namespace

void CheckFields(const google::protobuf::Message& m, const std::string& prefix,
                 const FieldLimits& limits, Violations& v) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (!f->is_repeated()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CheckFields(r->GetMessage(m, f), path, limits, v);
      } else {
        CheckScalar(m, f, -1, path, limits, v);
      }
      continue;
    }
    const int n = r->FieldSize(m, f);
    if (n > limits.max_repeated) {
      v.Add(path, absl::StrCat("has ", n, " entries; the limit is ", limits.max_repeated));
      continue;
    }
    for (int i = 0; i < n; ++i) {
      const std::string item = absl::StrCat(path, "[", i, "]");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CheckFields(r->GetRepeatedMessage(m, f, i), item, limits, v);
      } else {
        CheckScalar(m, f, i, item, limits, v);
      }
    }
  }
}

}  // namespace scc::domain
