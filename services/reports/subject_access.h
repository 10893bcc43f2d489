// Subject access exports (UK GDPR Art. 15; docs/data-protection.md): every record that holds
// data about one person — who recorded it, a field marked as a name or user id that is theirs,
// free text or notes that name them — with other people's personal data replaced, as JSON and as
// a readable HTML page. Reads the whole log; pure otherwise; thread-safe.
#ifndef SCC_SERVICES_REPORTS_SUBJECT_ACCESS_H_
#define SCC_SERVICES_REPORTS_SUBJECT_ACCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scc/v1/data_protection.pb.h"
#include "services/domain/evolve.h"
#include "storage/event_log.h"

namespace scc::reports {

struct Person {
  std::string name;     // matched whole against names, and within free text (any case)
  std::string user_id;  // matched against who recorded a record and user-id fields
};

// Why `event` holds data about `person`, in words ("recorded it", "headteacher name",
// "named in notes"); empty when it holds none.
std::vector<std::string> FoundAs(const domain::StoredEvent& event, const Person& person);

// Replaces in `event` what is about other people: their names and user ids by "[another
// person]", free text, notes and reasons that do not name `person` by "[withheld: not about
// the person]", and who recorded it, unless it was them, by "[an officer]".
void RedactOthers(v1::Event& event, const Person& person);

// The export for `request`: every matching record, oldest first, and the JSON and HTML.
// `authority` heads the page. DEADLINE_EXCEEDED when the log could not be read by `deadline`.
absl::StatusOr<v1::SubjectAccessExport> BuildSubjectAccessExport(
    const storage::EventLog& log, const v1::SubjectAccessRequest& request,
    const std::string& authority, absl::Time deadline);

}  // namespace scc::reports

#endif  // SCC_SERVICES_REPORTS_SUBJECT_ACCESS_H_
