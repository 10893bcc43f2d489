// Bitemporal reads: institutions folded from only the events that had happened by a date
// (effective date <= as_of) and that the server had recorded by an instant (recorded_at <=
// known_at). Corrections count from when they were recorded, whatever their own date:
// "what do we now know was true then". Thread-safe; reads the log directly.
#ifndef SCC_SERVICES_PROJECTIONS_AS_OF_H_
#define SCC_SERVICES_PROJECTIONS_AS_OF_H_

#include <optional>
#include <string>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/domain/evolve.h"
#include "services/domain/institution_state.h"
#include "storage/event_log.h"

namespace scc::projections {

struct TimeFilter {
  std::optional<std::string> as_of;     // YYYY-MM-DD
  std::optional<absl::Time> known_at;

  bool empty() const { return !as_of && !known_at; }
  // Whether the server had recorded the event by known_at. The date as_of is applied by the
  // fold, after corrections (a re-dated event counts by its new date, R-24).
  bool Known(const storage::RecordedEvent& recorded) const;
};

// One institution; registered() is false when it had no accepted events.
absl::StatusOr<domain::InstitutionState> FoldAsOf(const storage::EventLog& log,
                                                  const std::string& urn,
                                                  const TimeFilter& filter);

// Every institution, from one scan of the global log up to `end_position` (exclusive).
// DEADLINE_EXCEEDED when the scan is not done by `deadline`.
absl::StatusOr<absl::btree_map<std::string, domain::InstitutionState>> FoldAllAsOf(
    const storage::EventLog& log, const TimeFilter& filter, uint64_t end_position,
    absl::Time deadline = absl::InfiniteFuture());

}  // namespace scc::projections

#endif  // SCC_SERVICES_PROJECTIONS_AS_OF_H_
