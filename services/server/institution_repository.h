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

 private:
  storage::EventLog* const log_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const domain::InstitutionState>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_INSTITUTION_REPOSITORY_H_
