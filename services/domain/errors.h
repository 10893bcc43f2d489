// Errors of the SCC domain as absl::Status values carrying google.rpc detail messages as
// payloads (keyed by their type URL), so the gRPC layer can forward them unchanged:
// - InvalidArgument: malformed input, with google.rpc.BadRequest field violations;
// - RuleViolation: a workflow rule refuses the command (FAILED_PRECONDITION), with
//   google.rpc.PreconditionFailure naming the rule and google.rpc.ErrorInfo carrying the
//   flowchart state and the allowed next steps.
// Pure functions, thread-safe.
#ifndef SCC_SERVICES_DOMAIN_ERRORS_H_
#define SCC_SERVICES_DOMAIN_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "scc/v1/common.pb.h"

namespace scc::domain {

struct FieldViolation {
  std::string field;        // e.g. "designation.triggers[0].evidence"
  std::string description;
};

// Collects field violations; Status() is OK when there are none.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  bool empty() const { return list_.empty(); }
  const std::vector<FieldViolation>& list() const { return list_; }
  absl::Status Status() const;

 private:
  std::vector<FieldViolation> list_;
};

// At most kMaxListedViolations are listed (message and details), then how many more there were,
// so an answer always fits in gRPC's trailers.
inline constexpr size_t kMaxListedViolations = 20;
absl::Status InvalidArgument(const std::vector<FieldViolation>& violations);
absl::Status InvalidField(std::string field, std::string description);

// FAILED_PRECONDITION: "<rule>: <message> (state: X; allowed next steps: A, B)".
absl::Status RuleViolation(absl::string_view rule, absl::string_view urn,
                           v1::FlowchartState state, const std::vector<std::string>& allowed,
                           absl::string_view message);

// The type URLs under which the details are stored.
inline constexpr char kBadRequestUrl[] = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kPreconditionFailureUrl[] =
    "type.googleapis.com/google.rpc.PreconditionFailure";
inline constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";

// A value quoted for a message: "'100001'", or its first 32 characters and its length when
// longer, so an error never echoes a huge input.
std::string Quoted(absl::string_view value);

// "ACTION_PLAN_ACTIVE" for FLOWCHART_STATE_ACTION_PLAN_ACTIVE.
std::string StateName(v1::FlowchartState state);
// "lead_officer" for ROLE_LEAD_OFFICER, as tokens files and messages spell roles; empty for a
// number that is no role.
std::string RoleName(v1::Role role);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_ERRORS_H_
