// The decision state of one institution: what the workflow rules need to know, folded from its
// events (evolve.h), plus the dates the read models need. A protobuf message
// (proto/scc/v1/state.proto) so the projections can store it as it is. A plain value; not
// synchronised.
#ifndef SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_
#define SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_

#include <cstdint>
#include <optional>

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

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_
