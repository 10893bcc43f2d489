// The letters the authority sends (docs/letters.md): designation, the formal warning
// notice and removal from the list, written from templates the
// authority edits (letter_template.h) and the institution's record. LetterBook is immutable
// once loaded; thread-safe.
#ifndef SCC_SERVICES_REPORTS_LETTERS_H_
#define SCC_SERVICES_REPORTS_LETTERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "scc/v1/events.pb.h"
#include "scc/v1/state.pb.h"
#include "services/reports/letter_template.h"

namespace scc::reports {

// Who the letters come from: authority.txt in the templates folder, "key: value" lines.
struct LetterAuthority {
  std::string name;
  std::vector<std::string> address_lines;
  std::string phone, email;
  std::string signatory_name, signatory_title;
};

class LetterBook {
 public:
  // Reads designation.html, warning-notice.html, removal.html and authority.txt from `dir` and
  // checks each template's syntax and names now, so that a typo stops the server at start,
  // naming the file and line. `authority_name` is used when authority.txt gives none.
  static absl::StatusOr<LetterBook> Load(const std::string& dir, const std::string& authority_name);

  // Writes `letter` (its kind set): the HTML, recipients, reference and the template's hash,
  // from `state` on `dated`. `action_plan_due_on` (may be empty) goes in a designation letter.
  absl::Status Write(const v1::InstitutionState& state, absl::CivilDay dated,
                     const std::string& action_plan_due_on, v1::LetterProduced& letter) const;

  // The values a template of `kind` is given (exposed for tests and docs).
  TemplateRecord Values(const v1::InstitutionState& state, v1::LetterKind kind,
                        absl::CivilDay dated, const std::string& action_plan_due_on) const;

 private:
  struct Template {
    std::string file;
    std::string text;
    std::string sha256;
  };
  LetterAuthority authority_;
  std::map<v1::LetterKind, Template> templates_;
};

// "2026-12-02" -> "2 December 2026"; the text itself when it is not a date.
std::string LongDate(const std::string& iso);

}  // namespace scc::reports

#endif  // SCC_SERVICES_REPORTS_LETTERS_H_
