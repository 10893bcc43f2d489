// InstitutionRepository: the current decision state of each institution, folded from its
// stream in the event log. Keeps the last folded state per institution and reads only the
// events after it, so a command costs one short stream read. Thread-safe; the log must outlive
// it.
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

  // The latest state (registered == false when the institution has no stream).
  absl::StatusOr<std::shared_ptr<const domain::InstitutionState>> Load(const std::string& urn);

 private:
  storage::EventLog* const log_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const domain::InstitutionState>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_INSTITUTION_REPOSITORY_H_
