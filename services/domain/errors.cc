#include "services/domain/errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace scc::domain {

absl::Status Violations::Status() const {
  return list_.empty() ? absl::OkStatus() : InvalidArgument(list_);
}

absl::Status InvalidArgument(const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest details;
  std::vector<std::string> parts;
  for (size_t i = 0; i < violations.size() && i < kMaxListedViolations; ++i) {
    const FieldViolation& v = violations[i];
    auto* out = details.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  if (violations.size() > kMaxListedViolations) {
    parts.push_back(absl::StrCat("and ", violations.size() - kMaxListedViolations,
                                 " more problems"));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestUrl, absl::Cord(details.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  return InvalidArgument({{std::move(field), std::move(description)}});
}

std::string Quoted(absl::string_view value) {
  constexpr size_t kShown = 32;
  if (value.size() <= kShown) return absl::StrCat("'", value, "'");
  size_t cut = kShown;  // not inside a UTF-8 sequence
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat("'", value.substr(0, cut), "...' (", value.size(), " characters)");
}

std::string StateName(v1::FlowchartState state) {
  std::string name = v1::FlowchartState_Name(state);
  constexpr absl::string_view kPrefix = "FLOWCHART_STATE_";
  if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
  return name;
}

std::string RoleName(v1::Role role) {
  std::string name = v1::Role_Name(role);
  constexpr absl::string_view kPrefix = "ROLE_";
  if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
  return absl::AsciiStrToLower(name);
}

absl::Status RuleViolation(absl::string_view rule, absl::string_view urn,
                           v1::FlowchartState state, const std::vector<std::string>& allowed,
                           absl::string_view message) {
  const std::string allowed_text = allowed.empty() ? "none" : absl::StrJoin(allowed, ", ");
  absl::Status status = absl::FailedPreconditionError(
      absl::StrCat(rule, ": ", message, " (state: ", StateName(state),
                   "; allowed next steps: ", allowed_text, ")"));
  google::rpc::PreconditionFailure failure;
  auto* violation = failure.add_violations();
  violation->set_type(std::string(rule));
  violation->set_subject(absl::StrCat("institutions/", urn));
  violation->set_description(std::string(message));
  status.SetPayload(kPreconditionFailureUrl, absl::Cord(failure.SerializeAsString()));
  google::rpc::ErrorInfo info;
  info.set_reason("WORKFLOW_RULE");
  info.set_domain("scc.v1");
  (*info.mutable_metadata())["rule"] = std::string(rule);
  (*info.mutable_metadata())["state"] = StateName(state);
  (*info.mutable_metadata())["allowed_next_steps"] = absl::StrJoin(allowed, ",");
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

}  // namespace scc::domain
