// Personal data in an event, found from the contract's marks ((scc.v1.personal), options.proto):
// names and free text, which are stored as sections of their own so that a redaction can erase
// them (docs/data-protection.md), and user ids, which subject access finds but nothing erases.
// A path names one value: "visit_recorded.visitor", "action_plan_agreed.plan.actions[2]
// .owner_name", "monitoring_and_challenge_meeting_held.attendees[1]". Pure; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_PERSONAL_DATA_H_
#define SCC_SERVICES_DOMAIN_PERSONAL_DATA_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scc/v1/events.pb.h"
#include "scc/v1/options.pb.h"

namespace scc::domain {

struct PersonalValue {
  std::string path;
  std::string value;
  v1::PersonalData kind = v1::PERSONAL_DATA_UNSPECIFIED;
};

// Every non-empty marked value in `payload`, in field order.
std::vector<PersonalValue> PersonalDataIn(const v1::EventPayload& payload);

// Takes the names and free text out of `payload`, leaving an empty string where each was (so
// the elements of a list keep their places), and returns them in field order.
std::vector<PersonalValue> TakeErasableData(v1::EventPayload& payload);

// Sets `value` at `path` (a path TakeErasableData or PersonalDataIn gave). INVALID_ARGUMENT
// for a path that does not name a marked string field of an event.
absl::Status PutPersonalData(v1::EventPayload& payload, const std::string& path,
                             const std::string& value);

// Whether a field of this kind is stored as a section of its own.
inline bool IsErasable(v1::PersonalData kind) {
  return kind == v1::PERSONAL_DATA_NAME || kind == v1::PERSONAL_DATA_FREE_TEXT;
}

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_PERSONAL_DATA_H_
