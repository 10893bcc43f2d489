// InstitutionProjection: the folded state of every institution, kept up to date from the event
// log by one background thread, and persisted in a KvStore with its checkpoint in the same
// atomic batch, so a restart resumes exactly where it stopped (nothing applied twice).
//
// Versions: each generation of the data is stored under its own key prefix, with the code
// version that built it. When the code version changes (or a rebuild is requested), a new
// generation is built from position 0 in the background while the old one keeps serving and
// keeps following the log; once the new one has caught up it replaces the old one atomically.
//
// Failures: when a batch cannot be applied (the store refuses a write, the log cannot be read,
// an event does not decode), readers keep the state applied so far and the thread tries the
// same batch again after a back-off that doubles from retry_initial up to retry_max, until it
// applies. Status() names the failure, the attempts since applying last worked and since when.
//
// Thread safety: all public methods may be called from any thread. Lifetime: destroy before the
// EventLog and the KvStore.
#ifndef SCC_SERVICES_PROJECTIONS_INSTITUTION_PROJECTION_H_
#define SCC_SERVICES_PROJECTIONS_INSTITUTION_PROJECTION_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scc/v1/projections.pb.h"
#include "services/domain/institution_state.h"
#include "storage/event_log.h"
#include "storage/kv_store.h"
#include "storage/subscription.h"

namespace scc::projections {

class InstitutionProjection {
 public:
  // Bump when the way events are folded changes: a running server then rebuilds in the
  // background.
  static constexpr uint32_t kCodeVersion = 9;

  using StatePtr = std::shared_ptr<const domain::InstitutionState>;

  struct Options {
    uint32_t version = kCodeVersion;
    size_t batch_events = 2000;                        // events per persisted batch
    // Touched states are saved (each once, however often it changed) with the checkpoint once
    // this many events were applied since the last save: at the log's head live_save_events,
    // far behind it (more than 20 batches) catch_up_save_events. A restart applies what was
    // not saved again, so these bound the work of a restart.
    uint64_t live_save_events = 50'000;
    uint64_t catch_up_save_events = 500'000;
    std::function<void(const std::string&)> progress;  // log lines about rebuilds; may be empty
    absl::Duration retry_initial = absl::Milliseconds(200);  // back-off after a failed batch
    absl::Duration retry_max = absl::Seconds(30);
    // Runs before each batch is applied (`rebuilding`: to a rebuild, else to the serving
    // generation); an error fails the batch as a failing store would. Lets tests fail and heal
    // the projection; empty in the server.
    std::function<absl::Status(bool rebuilding)> inject_fault;
    // The state a committed command left an institution in, while its writer still holds it:
    // the institution's stream folded up to and including `last` (an event it recorded), or
    // nullptr. For a batch
    // whose events of an institution correct none, the projection takes that state (the same
    // object, not a copy) instead of folding the events again. Called on the projection's
    // thread: must be cheap and must not call back into the projection. May be empty.
    std::function<StatePtr(const std::string& urn, const storage::RecordedEvent& last)>
        committed_state;
  };

  static absl::StatusOr<std::unique_ptr<InstitutionProjection>> Open(storage::EventLog* log,
                                                                     storage::KvStore* store,
                                                                     Options options);
  ~InstitutionProjection();

  // nullptr when the institution is unknown to the projection.
  StatePtr Get(const std::string& urn) const;
  // Every institution, sorted by URN.
  std::vector<StatePtr> All() const;
  // The institutions for which `keep` is true, sorted by URN. `keep` runs under the read lock:
  // keep it cheap and do not call back into the projection.
  std::vector<StatePtr> Select(const std::function<bool(const domain::InstitutionState&)>& keep) const;

  // Every event before this position has been applied.
  uint64_t applied_position() const;
  // Waits until applied_position() > position... precisely: until every event before
  // `next_position` is applied. kDeadlineExceeded when the deadline passes first.
  absl::Status WaitFor(uint64_t next_position, absl::Time deadline) const;

  // Starts a rebuild from position 0 in the background (no-op when one is running).
  void RequestRebuild();
  // Waits until no rebuild is pending or running; kDeadlineExceeded when the deadline passes.
  absl::Status WaitUntilRebuilt(absl::Time deadline) const;
  v1::ProjectionStatus Status() const;

  // Rebuilds from scratch with no server running: drops every generation, folds the whole log
  // into a new one. `progress(done, total)` is called after each batch.
  static absl::Status RebuildOffline(storage::EventLog* log, storage::KvStore* store,
                                     Options options,
                                     const std::function<void(uint64_t, uint64_t)>& progress);

 private:
  using Map = absl::flat_hash_map<std::string, StatePtr>;
  using SortedMap = absl::btree_map<std::string, StatePtr>;
  struct Generation;

  InstitutionProjection(storage::EventLog* log, storage::KvStore* store, Options options);
  absl::Status Load();
  void Run();
  // One round of Run: follows the log with the serving generation and takes a step of the
  // rebuild, if any. kCancelled when stopping.
  absl::Status Step(std::unique_ptr<Generation>& rebuild, uint64_t& next_progress);
  // Folds `events` into the serving generation, persists and publishes them.
  absl::Status ApplyLive(const std::vector<storage::RecordedEvent>& events,
                         uint64_t next_position);
  // Records a failed round and waits `backoff`; false when stopping.
  bool Failed(const absl::Status& status, absl::Duration backoff) ABSL_LOCKS_EXCLUDED(mu_);
  // Clears the failure after a round that worked.
  void Succeeded() ABSL_LOCKS_EXCLUDED(mu_);
  // The subscription Run reads from; only Run replaces it, so the pointer stays valid there.
  storage::Subscription* subscription() const ABSL_LOCKS_EXCLUDED(mu_);
  // Makes `next` the subscription (cancelled at once when stopping).
  void ReplaceSubscription(std::unique_ptr<storage::Subscription> next) ABSL_LOCKS_EXCLUDED(mu_);
  // Folds `events` into `gen` and, when SaveNow says so, persists the touched institutions and
  // the unsaved ones with the new position in one atomic batch; appends the
  // touched URNs to `touched_urns` when given. On a failed write `gen` is as it was.
  static absl::Status ApplyTo(const storage::EventLog& log, storage::KvStore& store,
                              const Options& options, Generation& gen,
                              const std::vector<storage::RecordedEvent>& events,
                              uint64_t next_position, std::vector<std::string>* touched_urns);
  // Whether a batch of `events` taking `gen` towards `head` saves (else it stays in memory).
  static bool SaveNow(const Generation& gen, const Options& options, size_t events, uint64_t head);
  // Adds the states of `gen` applied and not yet saved to `batch` (those `keep` is true for,
  // when given).
  static void AddUnsaved(const Generation& gen, storage::KvStore::Batch& batch,
                         const std::function<bool(const std::string&)>& keep = {});
  // A batch saving `gen`'s unsaved states and its position.
  static storage::KvStore::Batch Checkpoint(const Generation& gen);
  // `urn`'s state once its `events` (in log order, all of this batch) are folded into `gen`'s:
  // the committed state when Options::committed_state has it (counted in `from_commands`), else
  // folded here. Sets `corrects_any` when an event of `events` corrects or redacts.
  static absl::StatusOr<StatePtr> FoldTouched(
      const storage::EventLog& log, const Options& options, const Generation& gen,
      const std::string& urn, const std::vector<const storage::RecordedEvent*>& events,
      uint64_t& from_commands, bool& corrects_any);
  // Makes the given institutions of `gen`, and its position, visible to readers.
  void Publish(const Generation& gen, const std::vector<std::string>& urns)
      ABSL_LOCKS_EXCLUDED(mu_);

  storage::EventLog* const log_;
  storage::KvStore* const store_;
  const Options options_;

  // What readers see.
  mutable absl::Mutex mu_;
  SortedMap serving_ ABSL_GUARDED_BY(mu_);
  uint64_t serving_position_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool rebuild_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool rebuilding_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t rebuild_position_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<storage::Subscription> subscription_ ABSL_GUARDED_BY(mu_);
  // The failure of the last round; OK when it worked.
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  uint64_t failed_attempts_ ABSL_GUARDED_BY(mu_) = 0;  // since a round last worked
  absl::Time failing_since_ ABSL_GUARDED_BY(mu_);
  uint64_t failures_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t states_from_commands_ ABSL_GUARDED_BY(mu_) = 0;  // published, since Open

  std::unique_ptr<Generation> live_;  // owned by the thread after Open
  std::thread thread_;
};

}  // namespace scc::projections

#endif  // SCC_SERVICES_PROJECTIONS_INSTITUTION_PROJECTION_H_
