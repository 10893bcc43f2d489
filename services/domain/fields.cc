#include "services/domain/fields.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "services/domain/dates.h"

namespace scc::domain {
namespace {

using google::protobuf::FieldDescriptor;

bool IsDateField(const std::string& name) {
  return absl::EndsWith(name, "_on") || absl::EndsWith(name, "_date");
}

// Dates set ahead: when an action is due, when a compliance period ends.
bool IsPlannedDate(const std::string& name) {
  return name == "due_on" || name == "compliance_period_ends_on" ||
         name == "action_period_ends_on";
}

// Text an officer writes in sentences and paragraphs; everything else (URNs, ids, names, dates,
// tokens) is one line.
bool IsFreeText(const std::string& name) {
  static const auto* const kFreeText = new std::vector<std::string>{
      "text",         "reason",        "evidence",          "description",
      "details",      "key_issues",    "vision",            "plan_summary",
      "success_measure", "required_action", "recommended_actions", "quality_of_la_support",
      "additional_reason", "attempts_to_agree_action", "matters_relied_upon",
      "action_minded_to_take", "parents_informed", "progress_against_plan", "next_steps",
      "comment", "html"};
  for (const std::string& free : *kFreeText) {
    if (name == free) return true;
  }
  return false;
}

// Why `value` may not be stored as text, if it may not: a control character other than the
// line breaks and tabs free text may hold.
std::optional<std::string> ControlCharacter(const std::string& value, bool free_text) {
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    unsigned code = 0;
    if (c < 0x20 || c == 0x7f) {
      if (free_text && (c == '\n' || c == '\t')) continue;
      if (free_text && c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
      code = c;
    } else if (c == 0xc2 && i + 1 < value.size() &&
               static_cast<unsigned char>(value[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(value[i + 1]) <= 0x9f) {
      code = static_cast<unsigned char>(value[i + 1]);  // C1 controls, U+0080-U+009F
    } else {
      continue;
    }
    return absl::StrFormat("holds the control character U+%04X at byte %d; %s", code, i,
                           free_text ? "free text may hold line breaks and tabs, no other "
                                       "control characters"
                                     : "this field is one line of plain text");
  }
  return std::nullopt;
}

// What a walk over a request checks besides `limits`: the dates of a command.
struct DateBounds {
  absl::CivilDay today;
  absl::CivilDay latest_planned;
};

void CheckDate(const std::string& name, const std::string& value, const std::string& path,
               const DateBounds* bounds, Violations& v) {
  const std::optional<absl::CivilDay> day = ParseDate(value);
  if (!day) {
    v.Add(path, absl::StrCat(Quoted(value), " is not a date (YYYY-MM-DD, from 1900-01-01)"));
    return;
  }
  if (bounds == nullptr) return;
  if (IsPlannedDate(name)) {
    if (*day > bounds->latest_planned) {
      v.Add(path, absl::StrCat(value, " is more than ", kPlanningYears,
                               " years ahead (the latest is ", FormatDate(bounds->latest_planned),
                               ")"));
    }
  } else if (*day > bounds->today) {
    v.Add(path, absl::StrCat(value, " is in the future (today is ", FormatDate(bounds->today),
                             ")"));
  }
}

void CheckScalar(const google::protobuf::Message& m, const FieldDescriptor* f, int index,
                 const std::string& path, const FieldLimits& limits, const DateBounds* bounds,
                 Violations& v) {
  const google::protobuf::Reflection* r = m.GetReflection();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    const std::string value = index < 0 ? r->GetString(m, f) : r->GetRepeatedString(m, f, index);
    const size_t limit = f->name() == "reason" ? limits.max_reason
                         : f->name() == "text" ? limits.max_notes
                         : f->name() == "html" ? limits.max_document
                                               : limits.max_text;
    if (value.size() > limit) {
      v.Add(path, absl::StrCat("is ", value.size(), " characters; the limit is ", limit));
    } else if (std::optional<std::string> control = ControlCharacter(value, IsFreeText(f->name()))) {
      v.Add(path, *std::move(control));
    } else if (IsDateField(f->name()) && !value.empty()) {
      CheckDate(f->name(), value, path, bounds, v);
    }
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    const int value = index < 0 ? r->GetEnumValue(m, f) : r->GetRepeatedEnumValue(m, f, index);
    if (f->enum_type()->FindValueByNumber(value) == nullptr) {
      v.Add(path, absl::StrCat("unknown ", f->enum_type()->name(), " value ", value));
    }
  }
}

void Walk(const google::protobuf::Message& m, const std::string& prefix,
          const FieldLimits& limits, const DateBounds* bounds, Violations& v) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (!f->is_repeated()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Walk(r->GetMessage(m, f), path, limits, bounds, v);
      } else {
        CheckScalar(m, f, -1, path, limits, bounds, v);
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
        Walk(r->GetRepeatedMessage(m, f, i), item, limits, bounds, v);
      } else {
        CheckScalar(m, f, i, item, limits, bounds, v);
      }
    }
  }
}

}  // namespace

void CheckFields(const google::protobuf::Message& m, const std::string& prefix,
                 const FieldLimits& limits, Violations& v) {
  Walk(m, prefix, limits, nullptr, v);
}

absl::CivilDay LatestPlannedDate(absl::CivilDay today) {
  return absl::CivilDay(today.year() + kPlanningYears, today.month(), today.day());
}

void CheckCommandFields(const google::protobuf::Message& m, const std::string& prefix,
                        absl::CivilDay today, Violations& v) {
  const DateBounds bounds{today, LatestPlannedDate(today)};
  Walk(m, prefix, kCommandLimits, &bounds, v);
}

}  // namespace scc::domain
