// evolve(state, event) -> state: how each event changes an institution's decision state. Pure
// functions with no I/O, thread-safe.
#ifndef SCC_SERVICES_DOMAIN_EVOLVE_H_
#define SCC_SERVICES_DOMAIN_EVOLVE_H_

#include <functional>
#include <string>
#include <vector>

#include "scc/v1/events.pb.h"
#include "services/domain/institution_state.h"

namespace scc::domain {

// One stored event of an institution's stream.
struct StoredEvent {
  uint64_t version = 0;
  v1::EventPayload payload;
  v1::EventMetadata metadata;
};

// Applies one event. Corrections only annotate here; Fold applies their replacements.
void Evolve(InstitutionState& state, const StoredEvent& event);

// Folds a whole stream in version order. An event corrected with a replacement is
// applied as its latest replacement says, at its own place in the order. `after_each`, when
// given, sees each event (as stored) and the state it left.
InstitutionState Fold(
    const std::string& urn, const std::vector<StoredEvent>& events,
    const std::function<void(const StoredEvent&, const InstitutionState&)>& after_each = {});

// True when folding `event` onto a state needs the whole stream again (a correction that
// replaces an earlier event).
bool NeedsRefold(const StoredEvent& event);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_EVOLVE_H_
