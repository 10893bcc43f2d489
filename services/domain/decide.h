// decide(state, command) -> events or error: the SCC workflow rules (docs/rules.md R-1 - R-25 and
// the flowchart of section 4). The steps in order: the shape of the command (shape.h), whether
// the institution exists, the command table's kinds and flowchart states (command_table.h),
// the rules beyond them (rules.h), then the events with what the server derives. Pure
// functions with no I/O; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_DECIDE_H_
#define SCC_SERVICES_DOMAIN_DECIDE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "scc/v1/events.pb.h"
#include "services/domain/command.h"
#include "services/domain/command_table.h"
#include "services/domain/institution_state.h"
#include "services/domain/shape.h"

namespace scc::domain {

// Checks the command's shape (INVALID_ARGUMENT with field violations), then the workflow rules
// against `state` (FAILED_PRECONDITION naming the rule, the state and the allowed next steps;
// NOT_FOUND for an unregistered institution; ALREADY_EXISTS for a second registration).
// `today` bounds effective dates. Returns the events to append, in order, with the
// server-derived fields filled in (plan versions, reassignment).
absl::StatusOr<std::vector<v1::EventPayload>> Decide(const InstitutionState& state,
                                                     const Command& command,
                                                     absl::CivilDay today);

// The workflow steps (RPC names) that fit the institution's kind and flowchart state now.
// Facts (Ofsted outcomes, visits, ratings, corrections, updates) are always allowed and not
// listed.
std::vector<std::string> AllowedNextSteps(const InstitutionState& state);

// The effective date a command will carry: its own, or `today` when it has none.
std::string EffectiveDate(const Command& command, absl::CivilDay today);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_DECIDE_H_
