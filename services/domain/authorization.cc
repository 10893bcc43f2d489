#include "services/domain/authorization.h"

#include <algorithm>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "services/domain/errors.h"
#include "services/domain/role_bits.h"

namespace scc::domain {
namespace {

using namespace role_bits;  // NOLINT: the table reads best with short role names

// The RPCs that are not one command, and who may call them. Commands are in the command table
// (command_table.cc), where each row names its roles.
// `audited`: a successful call reads an institution's file (or the whole log) and is recorded
// in the read audit (the termly report records each of its pages instead).
struct ReadRpc {
  const char* rpc;
  unsigned roles;
  bool audited = false;
};

constexpr bool kAudited = true;

const std::vector<ReadRpc>& ReadRpcs() {
  static const auto* const kReads = new std::vector<ReadRpc>{
      // Many commands per call, for whoever may send commands; each command is then
      // authorized as its own RPC (kind and institution).
      {"SubmitCommands", kHosi | kLo | kSrg | kEy | kService},
      // One institution at a time, or the LA-wide lists: every role (notes redacted by R-25);
      // a headteacher or chair of governors sees their own school only.
      {"GetWorkflowState", kEveryone | kSchoolUsers, kAudited},
      {"GetHistory", kEveryone | kSchoolUsers, kAudited},
      {"GetInstitution", kEveryone | kSchoolUsers, kAudited},
      {"ListInstitutions", kEveryone | kSchoolUsers},
      {"ListObligations", kEveryone | kSchoolUsers},
      {"GetProjectionStatus", kEveryone},
      // The termly progress report is for the SRG and the SSSPB, and the officers in them.
      {"GenerateTermReport", kEveryone},
      // The whole log: the audit and the systems that follow it.
      {"ReadEvents", kHosi | kSrg | kAuditor | kService, kAudited},
      {"Watch", kHosi | kSrg | kAuditor | kService, kAudited},
      {"SearchAudit", kHosi | kSrg | kAuditor | kService, kAudited},
      {"VerifyLog", kHosi | kSrg | kAuditor | kReader | kService},
      // A letter as produced: whoever reads the institution (a school its own).
      {"GetLetter", kEveryone | kSchoolUsers, kAudited},
      // The read audit: who viewed which file (docs/data-protection.md).
      {"ListFileReads", kHosi | kAuditor},
      // The caller's own identity and permissions.
      {"WhoAmI", kEveryone | kSchoolUsers},
      // The directory: whom a Lead Officer is assigned from, and who recorded what (a school's
      // users see the officers and themselves).
      {"ListUsers", kEveryone | kSchoolUsers},
      // A person's own calendar feed of what falls due (not a system's).
      {"IssueCalendarFeed", kHosi | kLo | kSrg | kEy | kAuditor | kReader | kSchoolUsers},
      {"RevokeCalendarFeed", kHosi | kLo | kSrg | kEy | kAuditor | kReader | kSchoolUsers},
      // Data protection: retention runs, and subject access (an export reads every file).
      {"RunRetention", kHosi | kService},
      {"RecordSubjectAccessRequest", kHosi},
      {"ListSubjectAccessRequests", kHosi | kAuditor},
      {"ExportSubjectAccess", kHosi, kAudited},
      {"AnswerSubjectAccessRequest", kHosi},
      // Operations.
      {"RebuildProjections", kHosi | kService},
      {"GetServerStatus", kHosi | kAuditor | kService},
      {"BackupLog", kHosi | kService, kAudited},
  };
  return *kReads;
}

}  // namespace

const std::vector<v1::Role>& MatrixRoles() {
  static const auto* const kRoles = new std::vector<v1::Role>{
      v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, v1::ROLE_LEAD_OFFICER,  v1::ROLE_SRG_MEMBER,
      v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, v1::ROLE_AUDITOR,       v1::ROLE_REPORT_READER,
      v1::ROLE_SERVICE_ACCOUNT,            v1::ROLE_HEADTEACHER,    v1::ROLE_CHAIR_OF_GOVERNORS};
  return *kRoles;
}

bool RoleHasOwnSchoolOnly(v1::Role role) {
  return role == v1::ROLE_HEADTEACHER || role == v1::ROLE_CHAIR_OF_GOVERNORS;
}

bool InReach(v1::Role role, const std::vector<std::string>& own_schools, const std::string& urn) {
  if (!RoleHasOwnSchoolOnly(role)) return true;
  return std::find(own_schools.begin(), own_schools.end(), urn) != own_schools.end();
}

absl::Status CheckReach(const std::string& user, v1::Role role,
                        const std::vector<std::string>& own_schools, const std::string& urn) {
  if (InReach(role, own_schools, urn)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      user, " is the ", role == v1::ROLE_HEADTEACHER ? "headteacher" : "chair of governors",
      " of ", absl::StrJoin(own_schools, ", "), " and sees only their own school, not ", urn));
}

Reach ReachOf(v1::Role role, absl::string_view rpc) {
  if (role <= v1::ROLE_UNSPECIFIED || role >= 32) return Reach::kNone;
  if (const CommandEntry* entry = FindCommandEntryByRpc(rpc)) {
    if (!RoleMayRecord(role, entry->spec.kind)) return Reach::kNone;
    if (role == v1::ROLE_LEAD_OFFICER) return Reach::kLedInstitutions;
    if (role == v1::ROLE_EARLY_YEARS_STANDARDS_TEAM) return Reach::kSettings;
    if (RoleHasOwnSchoolOnly(role)) return Reach::kOwnSchool;
    return Reach::kAll;
  }
  for (const ReadRpc& read : ReadRpcs()) {
    if (read.rpc != rpc) continue;
    if ((read.roles & Bit(role)) == 0) return Reach::kNone;
    return RoleHasOwnSchoolOnly(role) ? Reach::kOwnSchool : Reach::kAll;
  }
  return Reach::kNone;
}

Reach ConfidentialReach(v1::Role role, v1::Confidentiality kind) {
  if (kind == v1::CONFIDENTIALITY_UNSPECIFIED) return Reach::kAll;
  switch (role) {
    case v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT:
    case v1::ROLE_SRG_MEMBER:
    case v1::ROLE_AUDITOR:
      return Reach::kAll;
    case v1::ROLE_LEAD_OFFICER:
      return Reach::kLedInstitutions;
    case v1::ROLE_EARLY_YEARS_STANDARDS_TEAM:
      return Reach::kSettings;
    case v1::ROLE_HEADTEACHER:
    case v1::ROLE_CHAIR_OF_GOVERNORS:
      return kind == v1::CONFIDENTIALITY_SCHOOL_PLAN ? Reach::kOwnSchool : Reach::kNone;
    default:
      return Reach::kNone;
  }
}

namespace {

bool LeadsInstitution(const std::string& user, const InstitutionState& state) {
  return user == state.episode().lead_officer().lead_officer_id() ||
         user == state.details().learning_network_inspector();
}

}  // namespace

bool WorksWith(const std::string& user, v1::Role role, const std::vector<std::string>& own_schools,
               const InstitutionState& state) {
  switch (role) {
    case v1::ROLE_LEAD_OFFICER:
      return LeadsInstitution(user, state);
    case v1::ROLE_EARLY_YEARS_STANDARDS_TEAM:
      return state.details().kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;
    default:
      return InReach(role, own_schools, state.urn());
  }
}

bool IsAuditedRead(absl::string_view rpc) {
  for (const ReadRpc& read : ReadRpcs()) {
    if (read.rpc == rpc) return read.audited;
  }
  return false;
}

absl::Status AuthorizeCall(const std::string& user, v1::Role role, absl::string_view rpc) {
  if (ReachOf(role, rpc) != Reach::kNone) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("role ", RoleName(role), " may not call ", rpc,
                                                  " (user ", user, "); see docs/authorization.md"));
}

absl::Status AuthorizeCommandScope(const InstitutionState& state, const Command& command) {
  const CommandSpec* spec = FindCommand(command.payload.kind_case());
  if (spec == nullptr) return absl::OkStatus();  // Decide refuses it
  // What the refusal names: the RPC, or for a correction the RPC it is authorized as.
  std::string what = spec->rpc;
  if (command.payload.has_event_corrected() && command.corrected) {
    const v1::EventPayload::KindCase kind = command.corrected->payload.kind_case();
    const CommandSpec* recorded = RecordingCommand(kind);
    // A correction of a correction: Decide refuses it.
    if (recorded == nullptr || recorded == spec) return absl::OkStatus();
    if (ReachOf(command.role, recorded->rpc) == Reach::kNone) {
      return absl::PermissionDeniedError(absl::StrCat(
          "role ", RoleName(command.role), " may not correct ", EventKindName(kind),
          " events: a correction is authorized as the command that recorded the event, and ",
          RoleName(command.role), " may not call ", recorded->rpc, " (user ", command.actor,
          "); see docs/authorization.md"));
    }
    what = absl::StrCat("CorrectEvent of ", EventKindName(kind), ", authorized as ", recorded->rpc);
    spec = recorded;
  }
  const Reach reach = ReachOf(command.role, spec->rpc);
  const std::string& urn = command.context.urn();
  switch (reach) {
    case Reach::kNone:
      return AuthorizeCall(command.actor, command.role, spec->rpc);
    case Reach::kAll:
      return absl::OkStatus();
    case Reach::kOwnSchool:
      return CheckReach(command.actor, command.role, command.own_schools, urn);
    case Reach::kSettings: {
      v1::InstitutionKind kind = state.details().kind();
      if (!state.registered() && command.payload.has_institution_registered()) {
        kind = command.payload.institution_registered().details().kind();
      }
      if (!state.registered() && kind == v1::INSTITUTION_KIND_UNSPECIFIED) return absl::OkStatus();
      if (kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          "the Early Years Standards Team acts on early-years settings only; ", urn,
          " is not a setting (user ", command.actor, ", ", what, ")"));
    }
    case Reach::kLedInstitutions: {
      if (!state.registered()) return absl::OkStatus();
      if (LeadsInstitution(command.actor, state)) return absl::OkStatus();
      const std::string& lead_officer = state.episode().lead_officer().lead_officer_id();
      const std::string& lni = state.details().learning_network_inspector();
      return absl::PermissionDeniedError(absl::StrCat(
          "Lead Officer ", command.actor, " does not lead ", urn, " (its Lead Officer: ",
          lead_officer.empty() ? "none" : lead_officer, "; its Learning Network Inspector: ",
          lni.empty() ? "none" : lni, "); a Lead Officer writes only for the institutions they "
          "lead (", what, ")"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> MatrixRpcs() {
  std::vector<std::string> rpcs;
  for (const CommandSpec* spec : Commands()) rpcs.push_back(spec->rpc);
  for (const ReadRpc& read : ReadRpcs()) rpcs.push_back(read.rpc);
  return rpcs;
}

namespace {

// The header of a table with `first` columns before one column per role.
std::string TableHeader(const std::vector<std::string>& first) {
  std::string md = "|";
  std::string rule = "|";
  for (const std::string& column : first) {
    absl::StrAppend(&md, " ", column, " |");
    absl::StrAppend(&rule, "---|");
  }
  for (v1::Role role : MatrixRoles()) {
    absl::StrAppend(&md, " ", RoleName(role), " |");
    absl::StrAppend(&rule, "---|");
  }
  return absl::StrCat(md, "\n", rule, "\n");
}

// One cell per role: what `reach_of` says of it.
std::string Cells(absl::FunctionRef<Reach(v1::Role)> reach_of) {
  std::string md;
  for (v1::Role role : MatrixRoles()) {
    const char* cell = "no";
    switch (reach_of(role)) {
      case Reach::kNone: cell = "no"; break;
      case Reach::kAll: cell = "yes"; break;
      case Reach::kLedInstitutions: cell = "led only"; break;
      case Reach::kSettings: cell = "settings only"; break;
      case Reach::kOwnSchool: cell = "own school"; break;
    }
    absl::StrAppend(&md, " ", cell, " |");
  }
  return md;
}

// One cell per role: what ReachOf says of `rpc` ("no" where the role may not call `gate`, when
// one is given).
std::string ReachCells(absl::string_view rpc, absl::string_view gate = "") {
  return Cells([&](v1::Role role) {
    const bool gated = !gate.empty() && ReachOf(role, gate) == Reach::kNone;
    return gated ? Reach::kNone : ReachOf(role, rpc);
  });
}

// The fields marked `kind` in the events, as "message.field", in the contract's order.
std::vector<std::string> MarkedFields(v1::Confidentiality kind) {
  std::vector<std::string> out;
  const google::protobuf::FileDescriptor* file = v1::EventPayload::descriptor()->file();
  for (int m = 0; m < file->message_type_count(); ++m) {
    const google::protobuf::Descriptor* type = file->message_type(m);
    for (int f = 0; f < type->field_count(); ++f) {
      if (type->field(f)->options().GetExtension(v1::confidential) == kind) {
        out.push_back(absl::StrCat(type->name(), ".", type->field(f)->name()));
      }
    }
  }
  return out;
}

}  // namespace

std::string AuthorizationMarkdown() {
  std::string md = TableHeader({"RPC"});
  for (const std::string& rpc : MatrixRpcs()) {
    absl::StrAppend(&md, "| ", rpc, " |", ReachCells(rpc), "\n");
  }
  return md;
}

std::vector<v1::EventPayload::KindCase> CorrectableKinds() {
  std::vector<v1::EventPayload::KindCase> kinds;
  for (const CommandSpec* spec : Commands()) {
    if (spec->kind == v1::EventPayload::kEventCorrected ||
        spec->kind == v1::EventPayload::kEventRedacted) {
      continue;
    }
    kinds.push_back(spec->kind);
    if (spec->kind == v1::EventPayload::kLeadOfficerAssigned) {
      kinds.push_back(v1::EventPayload::kLeadOfficerReassigned);
    }
  }
  return kinds;
}

std::string ConfidentialityMarkdown() {
  std::string md = TableHeader({"Confidential content", "fields"});
  const struct {
    v1::Confidentiality kind;
    const char* words;
    const char* also;
  } kKinds[] = {
      {v1::CONFIDENTIALITY_SCHOOL_PLAN, "The school's plan", ""},
      {v1::CONFIDENTIALITY_LA_RECORD, "The LA's record of a meeting",
       "the notes of reviews, MCMs and progress-review meetings, notes flagged confidential, "},
  };
  for (const auto& k : kKinds) {
    absl::StrAppend(&md, "| ", k.words, " | ", k.also, absl::StrJoin(MarkedFields(k.kind), ", "),
                    " |", Cells([&](v1::Role role) { return ConfidentialReach(role, k.kind); }),
                    "\n");
  }
  return md;
}

std::string CorrectionMarkdown() {
  std::string md = TableHeader({"Corrected event", "authorized as"});
  for (v1::EventPayload::KindCase kind : CorrectableKinds()) {
    const char* rpc = RecordingCommand(kind)->rpc;
    absl::StrAppend(&md, "| ", EventKindName(kind), " | ", rpc, " |", ReachCells(rpc, "CorrectEvent"),
                    "\n");
  }
  return md;
}

}  // namespace scc::domain
