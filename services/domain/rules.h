// The workflow rules beyond the command table's flowchart states: what a step needs from the
// institution's state (also what decides the allowed next steps, so a refusal and the list
// never disagree), what it needs of the command itself, why a command does not apply to a kind
// of institution, and the checks and derived fields of a correction. Each refusal names
// the rule (R-n) it applies. Pure functions; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_RULES_H_
#define SCC_SERVICES_DOMAIN_RULES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "scc/v1/events.pb.h"
#include "services/domain/command.h"
#include "services/domain/command_table.h"
#include "services/domain/institution_state.h"

namespace scc::domain {

// A refusal by a workflow rule, before it is turned into a status.
struct Refusal {
  std::string rule;  // "R-9"
  std::string message;
};

// Conditions beyond the flowchart state that a step of `kind` needs, from the state alone.
std::optional<Refusal> StatePrecondition(const InstitutionState& s,
                                         v1::EventPayload::KindCase kind);

// Decisions that depend on the command `p` (effective on `effective`) as well as the state.
std::optional<Refusal> CommandPrecondition(const InstitutionState& s, const v1::EventPayload& p,
                                           const std::string& effective);

// What a closed institution still accepts (docs/life-cycle.md): corrections, updates of its
// details, predecessor links, and facts dated on or before the closure (an Ofsted outcome: of
// an inspection on or before it). Everything else — every workflow step, a second closure — is
// refused naming the closure. Nothing for an open institution.
std::optional<Refusal> ClosedPrecondition(const InstitutionState& s, const CommandEntry& entry,
                                          const v1::EventPayload& p,
                                          const std::string& effective);

// Why `entry`'s command, for other kinds of institution, does not apply to one of `kind`.
Refusal WrongKind(const CommandEntry& entry, v1::InstitutionKind kind);

// Checks a correction (its payload the request's field `at`) against the event it corrects
// INVALID_ARGUMENT naming the field when it does not fit.
absl::Status CheckCorrection(const InstitutionState& s, const Command& cmd,
                             const std::string& at);

// Checks a redaction (the request's field `at`) against the event it names (R-24,
// docs/data-protection.md): the event is the institution's, and each field is one it still
// holds as a section (its `redactable` list), named once. INVALID_ARGUMENT naming the field.
absl::Status CheckRedaction(const InstitutionState& s, const Command& cmd, const std::string& at);

// What the server derived for the corrected event stays as it was: a replacement corrects what
// was decided, not the plan versions, the previous Lead Officer or the school's Lead Officer at
// a quality-assurance meeting (the fields Decide fills in for a fresh command).
void KeepDerivedFields(const v1::EventPayload& original, v1::EventPayload& replacement);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_RULES_H_
