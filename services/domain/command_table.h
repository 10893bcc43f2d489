// The command table: for every command, the RPC that carries it, the institutions it applies
// to, the flowchart states it may be sent from, the rule cited when the state does not fit and
// the roles that may send it — the flowchart (section 4) and the authorization matrix in one
// place. docs/workflow-commands.md is rendered from it and a test keeps the two equal. Built
// once on first use and never changed; thread-safe. Pointers into it live for the process.
#ifndef SCC_SERVICES_DOMAIN_COMMAND_TABLE_H_
#define SCC_SERVICES_DOMAIN_COMMAND_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"

namespace scc::domain {

// Which institutions a command applies to, as bits of a set.
namespace applies {
constexpr unsigned kSchool = 1;
constexpr unsigned kAcademy = 2;
constexpr unsigned kSetting = 4;
constexpr unsigned kAll = kSchool | kAcademy | kSetting;
}  // namespace applies

// What the command table says about one kind of command, as callers outside the domain see it.
struct CommandSpec {
  v1::EventPayload::KindCase kind;
  const char* rpc;           // the RPC that carries it, e.g. "DesignateSchool"
  const char* payload_field; // the request's payload field, e.g. "designation"
  bool fact;                 // a fact: allowed in any flowchart state
};

// One row of the command table.
struct CommandEntry {
  CommandSpec spec;
  unsigned applies;                      // applies:: bits
  unsigned roles;                        // role_bits:: bits of the roles that may send it
  std::vector<v1::FlowchartState> from;  // empty: any state (facts)
  const char* rule;                      // cited when the state does not fit
};

// Every row, in the table's order.
const std::vector<CommandEntry>& CommandTable();
// The row of a command kind; nullptr for kinds no command records (e.g. reassignment).
const CommandEntry* FindCommandEntry(v1::EventPayload::KindCase kind);
// The row of the command `rpc` carries ("AssignLeadOfficer"); nullptr for RPCs that record none.
const CommandEntry* FindCommandEntryByRpc(absl::string_view rpc);
// The applies:: bit of an institution kind; 0 for none.
unsigned AppliesTo(v1::InstitutionKind kind);
// Whether the row's command may be sent from `state` (a fact: from any).
bool AllowedFrom(const CommandEntry& entry, v1::FlowchartState state);

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

// The command table as Markdown (RPC, institutions, from states, rule, roles): the source of
// docs/workflow-commands.md, which a test keeps equal to it.
std::string CommandTableMarkdown();

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_COMMAND_TABLE_H_
