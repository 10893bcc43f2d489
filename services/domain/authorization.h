// Who may do what: the authorization matrix of every RPC x every role, and the scope of the
// roles limited to some institutions. The one place the server asks, for commands and reads
// alike (the gateway before any RPC runs, the command handler once it knows the institution).
// docs/authorization.md is rendered from here and a test keeps the two equal. Pure functions;
// thread-safe.
#ifndef SCC_SERVICES_DOMAIN_AUTHORIZATION_H_
#define SCC_SERVICES_DOMAIN_AUTHORIZATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/options.pb.h"
#include "services/domain/decide.h"
#include "services/domain/institution_state.h"

namespace scc::domain {

// How far a role's permission to call an RPC reaches.
enum class Reach {
  kNone,              // may not call it
  kAll,               // every institution
  kLedInstitutions,   // Lead Officer: institutions they lead (their Lead Officer, or named LNI)
  kSettings,          // Early Years Standards Team: early-years settings only
  kOwnSchool,         // headteacher, chair of governors: the schools their credentials name
};

// Whether `role` reaches only the schools its credentials name (headteacher, chair of
// governors): every call names one of them, and lists show only them.
bool RoleHasOwnSchoolOnly(v1::Role role);
// Whether a caller of `role` whose credentials name `own_schools` may see or act on `urn`.
bool InReach(v1::Role role, const std::vector<std::string>& own_schools, const std::string& urn);
// PERMISSION_DENIED, in words for a headteacher, unless InReach.
absl::Status CheckReach(const std::string& user, v1::Role role,
                        const std::vector<std::string>& own_schools, const std::string& urn);

// How far `role` reads confidential content of `kind`: every institution (the HoSI, the
// SRG, auditors), the institutions the role works with (a Lead Officer those they lead, the
// Early Years team settings, a school's people their own school's plan only) or none (report
// readers, other systems). Content of no kind (CONFIDENTIALITY_UNSPECIFIED) reaches everyone.
Reach ConfidentialReach(v1::Role role, v1::Confidentiality kind);

// Whether a caller works with the institution in `state`, as the role's partial reach says: a
// Lead Officer with those whose Lead Officer or named Learning Network Inspector they
// are, the Early Years Standards Team with settings, a headteacher or chair with their own
// school. Every other role works with all of them.
bool WorksWith(const std::string& user, v1::Role role, const std::vector<std::string>& own_schools,
               const InstitutionState& state);

// Whether a successful call of `rpc` is recorded in the read audit: it reads an institution's
// file (status, history, workflow state, a letter) or the whole log (the event feed, Watch,
// audit search, a backup). The termly report records each of its pages itself.
bool IsAuditedRead(absl::string_view rpc);

// The roles a caller can have, in the order the matrix lists them.
const std::vector<v1::Role>& MatrixRoles();

// What `role` may do with `rpc` (a method name, e.g. "DesignateSchool" or "GetHistory").
// kNone for RPCs the matrix does not name.
Reach ReachOf(v1::Role role, absl::string_view rpc);

// The first check of every call: PERMISSION_DENIED "role R may not call RPC (user U)" when the
// matrix says kNone.
absl::Status AuthorizeCall(const std::string& user, v1::Role role, absl::string_view rpc);

// The second check of a command, against the institution it names: PERMISSION_DENIED when the
// caller's reach does not cover it. A Lead Officer writes only for institutions whose current
// Lead Officer or named Learning Network Inspector they are; the Early Years Standards
// Team writes only for early-years settings (a registration by the kind it registers). An
// unregistered institution passes (Decide answers NOT_FOUND). A correction of a known event
// (command.corrected) is authorized as the command that recorded that event: the same roles
// and the same reach, the refusal naming the corrected kind and that command's RPC.
absl::Status AuthorizeCommandScope(const InstitutionState& state, const Command& command);

// Every RPC the matrix names, commands first, in the order of the documented table.
std::vector<std::string> MatrixRpcs();

// The matrix as Markdown (RPC, then one column per role): the table of docs/authorization.md.
std::string AuthorizationMarkdown();

// Every kind of event a correction may name: each command's, and the reassignment the server
// records for AssignLeadOfficer. Not corrections (a correction is corrected by correcting the
// original event again) and not redactions (what they erased is gone).
std::vector<v1::EventPayload::KindCase> CorrectableKinds();

// CorrectEvent by the kind of event corrected, as Markdown (event, the RPC it is authorized
// as, then one column per role): the second table of docs/authorization.md.
std::string CorrectionMarkdown();

// ConfidentialReach as Markdown (kind of content, the fields marked with it, then one column
// per role): the confidential-content table of docs/authorization.md.
std::string ConfidentialityMarkdown();

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_AUTHORIZATION_H_
