// decide(state, command) -> events or error: the SCC workflow rules (docs/rules.md R-1 - R-25 and
// the flowchart of section 4). Pure functions with no I/O; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_DECIDE_H_
#define SCC_SERVICES_DOMAIN_DECIDE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"
#include "services/domain/evolve.h"
#include "services/domain/institution_state.h"

namespace scc::domain {

// A request to record one event, with who asks (from credentials, never from the request).
struct Command {
  v1::CommandContext context;
  v1::EventPayload payload;  // exactly one kind set: the event the command asks to record
  std::string actor;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  // For a correction: the event it names as recorded, looked up in the institution's stream by
  // whoever reads it (nullopt: no such event there). The correction is authorized as the
  // command that recorded it and its replacement keeps what the server derived for it.
  std::optional<StoredEvent> corrected;
};

// What the command table says about one kind of command.
struct CommandSpec {
  v1::EventPayload::KindCase kind;
  const char* rpc;           // the RPC that carries it, e.g. "DesignateSchool"
  const char* payload_field; // the request's payload field, e.g. "designation"
  bool fact;                 // a fact: allowed in any flowchart state
};

// The spec of a command kind; nullptr for kinds no command records (e.g. reassignment).
const CommandSpec* FindCommand(v1::EventPayload::KindCase kind);
// The command that records events of `kind`: its own, or AssignLeadOfficer for the
// reassignment the server records in its place; nullptr for none.
const CommandSpec* RecordingCommand(v1::EventPayload::KindCase kind);
// "LeadOfficerAssigned" for kLeadOfficerAssigned: the event's name as messages give it.
std::string EventKindName(v1::EventPayload::KindCase kind);
// Every command, in the order of the command table.
std::vector<const CommandSpec*> Commands();

// Whether `role` may send commands of `kind` (the authorization matrix, in one place).
bool RoleMayRecord(v1::Role role, v1::EventPayload::KindCase kind);

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

// The command table as Markdown (RPC, institutions, from states, rule, roles): the source of
// docs/workflow-commands.md, which a test keeps equal to it.
std::string CommandTableMarkdown();

// True for a well-formed URN: 6 or 7 digits, or "EY" and 6 digits.
bool IsValidUrn(const std::string& urn);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_DECIDE_H_
