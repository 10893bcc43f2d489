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
  uint64_t position = 0;              // in the log (0 for an event not yet recorded)
  std::vector<std::string> redacted;  // personal-data paths a redaction erased (EventRedacted)
};

// Applies one event. Corrections only annotate here; Fold applies their replacements.
void Evolve(InstitutionState& state, const StoredEvent& event);

// Walks a stream in version order with its corrections applied: `fn(counted, stored)`
// sees each event as stored and, in `counted`, the event as it counts — its latest
// correction's replacement and new date applied — or nullptr when it does not count: withdrawn,
// or (when `as_of` is not empty) dated after `as_of` once re-dated. Corrections themselves
// always count (Evolve only notes them). `fn` must not keep `counted` past the call.
void ForEachCounting(const std::vector<StoredEvent>& events, const std::string& as_of,
                     const std::function<void(const StoredEvent* counted,
                                              const StoredEvent& stored)>& fn);

// Folds a whole stream in version order, as ForEachCounting presents it: an event corrected
// counts as its latest correction says, at its own place in the order; a withdrawn one
// not at all. With `as_of`, only events dated on or before it count. `after_each`, when given,
// sees each event (as stored) and the state it left.
InstitutionState Fold(
    const std::string& urn, const std::vector<StoredEvent>& events,
    const std::function<void(const StoredEvent&, const InstitutionState&)>& after_each = {},
    const std::string& as_of = "");

// True when folding `event` onto a state needs the whole stream again (a correction that
// replaces, re-dates or withdraws an earlier event, or a redaction, which changes what an
// earlier event holds).
bool NeedsRefold(const StoredEvent& event);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_EVOLVE_H_
