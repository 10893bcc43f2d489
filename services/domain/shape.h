// Shape checks of a command: everything that can be said of it without the institution's
// state — the context (URN, request id, reason of a correction), every field by reflection
// (fields.h), what each payload requires and how its own dates relate to the effective date.
// Each violation names the request field ("designation.triggers[0].evidence"). Pure functions;
// thread-safe.
#ifndef SCC_SERVICES_DOMAIN_SHAPE_H_
#define SCC_SERVICES_DOMAIN_SHAPE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "scc/v1/events.pb.h"
#include "services/domain/command.h"

namespace scc::domain {

// True for a well-formed URN: 6 or 7 digits, or "EY" and 6 digits.
bool IsValidUrn(const std::string& urn);

// The request field of a correction's replacement, e.g. "correction.replacement.visit_recorded",
// under the correction's payload field `at`.
std::string ReplacementField(const std::string& at, const v1::EventPayload& replacement);

// INVALID_ARGUMENT listing every shape violation of `command` (OK when none), whose payload is
// the request's field `at` and whose effective date is `effective`; `today` bounds the dates it
// carries. A correction's replacement is checked like a fresh command of its kind, as of the
// corrected event.
absl::Status CheckShape(const Command& command, const std::string& at,
                        const std::string& effective, absl::CivilDay today);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_SHAPE_H_
