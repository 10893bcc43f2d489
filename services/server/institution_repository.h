// InstitutionRepository: the current decision state of each institution, folded from its
// stream in the event log, and kept per institution once folded.
//
// The command handler is the only writer of institution streams in the server and tells the
// repository the state each committed command left (Remember) or that a state must be folded
// again (Forget), so a cached state is current except for the moments between a commit and its
// Remember. Commands therefore decide against the cache without reading the log; the append's
// exact expected version refuses a decision taken against a stale state, and the handler then
// loads kFresh (which reads the log) and decides again. Thread-safe; the log must outlive it.
#ifndef SCC_SERVICES_SERVER_INSTITUTION_REPOSITORY_H_
#define SCC_SERVICES_SERVER_INSTITUTION_REPOSITORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/domain/evolve.h"
#include "services/domain/institution_state.h"
#include "storage/event_log.h"

namespace scc::server {

class InstitutionRepository {
 public:
  explicit InstitutionRepository(storage::EventLog* log) : log_(log) {}

  enum class Freshness {
    kCached,  // the cached state if there is one (current but for a commit in progress)
    kFresh,   // the cached state brought up to date with the log
  };

  // The latest state (registered == false when the institution has no stream).
  absl::StatusOr<std::shared_ptr<const domain::InstitutionState>> Load(
      const std::string& urn, Freshness freshness = Freshness::kFresh);

  // The state a committed command left; kept unless a later version is cached already.
  void Remember(const std::string& urn, std::shared_ptr<const domain::InstitutionState> state);
  // Drops the cached state: the next Load folds the stream again.
  void Forget(const std::string& urn);
  // Before an append: `after` is the state `urn` will have once the append of `request_id`
  // commits with `last_event` (as stored) as its last event. The projection may take it as soon
  // as it reads that event, before the append has answered (Committed). Settle withdraws it
  // once the append has answered, whatever the outcome; a second Expect under the same request
  // id replaces the first.
  void Expect(const std::string& request_id, const std::string& urn,
              const storage::EventData& last_event,
              std::shared_ptr<const domain::InstitutionState> after) ABSL_LOCKS_EXCLUDED(mu_);
  void Settle(const std::string& request_id, const domain::InstitutionState* after)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The state of `urn`'s stream folded up to and including `last` (an event it has recorded):
  // the one an expected append left when `last` is that append's last event byte for byte at
  // the same version; else nullptr. Never reads the log.
  std::shared_ptr<const domain::InstitutionState> Committed(const std::string& urn,
                                                            const storage::RecordedEvent& last)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  storage::EventLog* const log_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const domain::InstitutionState>> cache_
      ABSL_GUARDED_BY(mu_);
  struct Expected {
    std::string urn;
    std::string last_data;      // the append's last event as stored
    std::string last_metadata;
    std::shared_ptr<const domain::InstitutionState> after;
  };
  absl::flat_hash_map<std::string, Expected> expected_ ABSL_GUARDED_BY(mu_);  // by request id
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_INSTITUTION_REPOSITORY_H_
