// Editable letter templates in a small Mustache subset: {{name}}, {{#name}}...{{/name}} and
// {{^name}}...{{/name}}. Templates are checked strictly (a line number in every error) so that a
// typo is caught when the server loads them. Pure functions; thread-safe.
//
//   {{name}}       the value of `name`, HTML-escaped (& < > " '); an error if `name` is not
//                  defined (here or in an enclosing list's records) or is a list.
//   {{#name}}..{{/name}}  once for each record of the list `name` (inside, the record's fields
//                  shadow outer names, which stay visible), or once if `name` is a non-empty
//                  string; not at all if `name` is missing, empty or an empty list.
//   {{^name}}..{{/name}}  once if `name` is missing, an empty string or an empty list.
//
// Names are [a-z0-9_]+, with optional whitespace inside the braces ({{ name }}); sections nest
// at most 16 deep. Anything else inside {{ }} (comments, partials, {{{triple}}}, ...) is a syntax
// error. As in Mustache, a line holding only a section tag ({{#a}}, {{^a}} or {{/a}}) and
// whitespace leaves no blank line behind. Text outside tags is copied as it is.
#ifndef SCC_SERVICES_REPORTS_LETTER_TEMPLATE_H_
#define SCC_SERVICES_REPORTS_LETTER_TEMPLATE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace scc::reports {

class TemplateValue;
using TemplateRecord = std::map<std::string, TemplateValue>;

// A string or a list of records. Converts implicitly from either, so values can be written as
// TemplateRecord{{"name", "Ann"}, {"visits", std::vector<TemplateRecord>{{{"date", "1 May"}}}}}.
class TemplateValue {
 public:
  // The empty string.
  TemplateValue() = default;
  TemplateValue(std::string text) : value_(std::move(text)) {}  // NOLINT: implicit by design
  TemplateValue(const char* text)  // NOLINT: implicit by design; null is the empty string
      : value_(std::string(text == nullptr ? "" : text)) {}
  TemplateValue(std::vector<TemplateRecord> list)  // NOLINT: implicit by design
      : value_(std::move(list)) {}

  bool is_list() const { return value_.index() == 1; }
  // The string; empty for a list.
  const std::string& text() const;
  // The records; empty for a string.
  const std::vector<TemplateRecord>& list() const;
  // An empty string or an empty list.
  bool empty() const { return is_list() ? list().empty() : text().empty(); }

 private:
  std::variant<std::string, std::vector<TemplateRecord>> value_;
};

// OK if `text` is a well-formed template; otherwise INVALID_ARGUMENT starting "line N: ".
absl::Status CheckTemplate(std::string_view text);

// The template filled in from `values`. INVALID_ARGUMENT starting "line N: " for a syntax error
// (as CheckTemplate), or for a {{name}} that is not defined or is a list where it is rendered.
absl::StatusOr<std::string> RenderTemplate(std::string_view text, const TemplateRecord& values);

}  // namespace scc::reports

#endif  // SCC_SERVICES_REPORTS_LETTER_TEMPLATE_H_
