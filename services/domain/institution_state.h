// The decision state of one institution: what the workflow rules need to know, folded from its
// events (evolve.h), plus the dates the read models need. A protobuf message
// (proto/scc/v1/state.proto) so the projections can store it as it is. A plain value; not
// synchronised.
#ifndef SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_
#define SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

#include "scc/v1/common.pb.h"
#include "scc/v1/state.pb.h"

namespace scc::domain {

using InstitutionState = v1::InstitutionState;

// The version of the institution's last event; nullopt when it has no stream yet.
inline std::optional<uint64_t> LastVersion(const InstitutionState& s) {
  return s.has_version() ? std::optional<uint64_t>(s.version()) : std::nullopt;
}

// Whether the institution is on the list of those causing concern in `state`.
bool IsCausingConcern(v1::FlowchartState state);

// The visits whose note awaits the headteacher's response, as the state keeps them: the
// event ids in InstitutionState.unagreed_visit_ids, each after its length in two bytes
// (little-endian), in the order of unagreed_visit_days. The views point into `s`.
std::vector<absl::string_view> UnagreedVisitIds(const InstitutionState& s);
bool AwaitsResponse(const InstitutionState& s, absl::string_view event_id);
void AddUnagreedVisit(InstitutionState& s, absl::string_view event_id, int32_t day);
// Drops the visit and its day; false when it was not waiting.
bool RemoveUnagreedVisit(InstitutionState& s, absl::string_view event_id);

// One change of the flowchart state, as InstitutionState.state_changes keeps it: the effective
// day of the event that made it (days since 1970-01-01) and the state it moved to.
struct StateChange {
  int32_t day = 0;
  v1::FlowchartState state = v1::FLOWCHART_STATE_UNSPECIFIED;
};
// Every change of the state in the order it was folded (Evolve records them).
std::vector<StateChange> StateChanges(const InstitutionState& s);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_
