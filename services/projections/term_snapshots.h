// TermSnapshots: every institution folded as of a half-term boundary (the day before a half term
// starts), held in memory so that a read "as of" a date up to the next boundary starts from the
// snapshot and folds only the events dated after the boundary, and those recorded since the
// snapshot was taken, instead of the whole log.
//
// Exactness: a read from a snapshot equals FoldAllAsOf / FoldAsOf (as_of.h) for the same filter.
// A snapshot knows the position it was taken at and the latest recording instant before it: a
// read whose known_at is earlier than that instant, or with no as_of, or dated outside the
// calendar, is folded from the log as before. An institution whose stream has a correction that
// changes how an earlier event counts, or a redaction, or an event recorded out of date order
// across the boundary, is folded again from its own stream (its snapshot state is dropped, so
// no erased personal data stays in memory).
//
// Snapshots are built on demand (the first read for a half term waits for one scan of the log)
// and by Prepare, by one background thread, one at a time; at most Options::keep are held, the
// least recently used going first. A held snapshot is brought forward in the background once
// more than Options::refresh_after events were recorded after it. They are derived data: a
// restart builds them again.
//
// Thread safety: all public methods may be called from any thread. Lifetime: Stop (or destroy)
// before the EventLog is closed; either stops a build in progress.
#ifndef SCC_SERVICES_PROJECTIONS_TERM_SNAPSHOTS_H_
#define SCC_SERVICES_PROJECTIONS_TERM_SNAPSHOTS_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "services/domain/evolve.h"
#include "services/projections/as_of.h"
#include "services/projections/term_calendar.h"
#include "storage/event_log.h"

namespace scc::projections {

class TermSnapshots {
 public:
  using StatePtr = std::shared_ptr<const domain::InstitutionState>;

  struct Options {
    size_t keep = 2;                   // snapshots held in memory; 0: none, every read folds
    uint64_t refresh_after = 50'000;   // events recorded after a snapshot before it is refreshed
    size_t keep_dates = 4;             // views of single dates held (see FoldAll)
  };

  struct Stats {
    std::vector<std::string> held;   // the boundaries of the snapshots in memory, YYYY-MM-DD
    std::vector<std::string> dates;  // the dates of the views in memory
    uint64_t built = 0;              // built or refreshed since start
    uint64_t reads_from_snapshot = 0;  // FoldAll and OverPeriod calls answered from snapshots
    uint64_t reads_folded_in_full = 0;  // no snapshot applied (known_at too early, no as_of...)
    uint64_t periods_read = 0;  // OverPeriod calls answered from snapshots (termly reports)
    uint64_t institutions_refolded = 0;  // from their own stream, in reads from a snapshot
    std::string building;            // the boundary being built, empty when none
  };

  TermSnapshots(const storage::EventLog* log, const TermCalendar* calendar, Options options);
  ~TermSnapshots();
  TermSnapshots(const TermSnapshots&) = delete;
  TermSnapshots& operator=(const TermSnapshots&) = delete;

  // Every institution registered as `filter` sees it among the events before `end_position`,
  // sorted by URN: what FoldAllAsOf gives, from the snapshot of the boundary before
  // filter.as_of when one applies (waiting for it to be built). The states as of that date are
  // kept as a view (a snapshot of that very date, sharing the states that did not change), so
  // that further reads of the same date (pages, filters, other lists) copy nothing.
  // DEADLINE_EXCEEDED, saying how far the build has got, when `deadline` passes first; the
  // build goes on.
  absl::StatusOr<std::vector<StatePtr>> FoldAll(const TimeFilter& filter, uint64_t end_position,
                                                absl::Time deadline);

  // One institution, as FoldAsOf gives it; from a snapshot only when one is held already.
  absl::StatusOr<domain::InstitutionState> Fold(const std::string& urn, const TimeFilter& filter);

  // One institution over a period of whole half terms: its state on the day before the period
  // starts, and its known events dated within the period, in version order, as the fold counts
  // them. `from_stream` when the snapshots cannot say (a correction that changes how an earlier
  // event counts, a redaction, an event recorded out of date order across a boundary): fold it
  // from its own stream instead; `start` and `events` are then empty.
  struct PeriodEntry {
    std::string urn;
    StatePtr start;
    std::vector<std::shared_ptr<const domain::StoredEvent>> events;
    bool from_stream = false;
  };

  // Every institution the log holds before `end_position` over `period`, sorted by URN, from the
  // held snapshots of the boundaries before each of its half terms, brought forward to
  // `end_position`: what a fold of each stream known at `known_at` up to the period's last day
  // gives, split at its first day. With `build_missing`, a snapshot not held is asked for and
  // waited for until `wait_until`; nullopt when one is still not held then (its build goes on,
  // or failed), when `known_at` is earlier than a snapshot's latest recording, or when the
  // period does not start on a half term's first day. CANCELLED once stopping.
  absl::StatusOr<std::optional<std::vector<PeriodEntry>>> OverPeriod(
      const Period& period, std::optional<absl::Time> known_at, uint64_t end_position,
      bool build_missing, absl::Time wait_until);

  // Builds the snapshot of the boundary before `day` in the background if it is not held.
  void Prepare(absl::CivilDay day);

  // Ends the background builds, waiting for the one in progress to stop; reads that would wait
  // for a build are then CANCELLED. Idempotent, from one thread at a time; the destructor calls
  // it.
  void Stop();

  // The boundary a read as of `day` starts from: the day before the half term in effect on
  // `day` starts (in a holiday, the half term before it); nullopt outside the calendar.
  std::optional<absl::CivilDay> BoundaryFor(absl::CivilDay day) const;

  Stats stats() const;

 private:
  struct Entry;
  struct Snapshot;
  struct Kept {
    std::shared_ptr<const Snapshot> snapshot;
    uint64_t last_used = 0;
  };

  // Folds one event into an entry as Fold would for any as_of up to the window's end.
  static void Absorb(const domain::StoredEvent& event, const Snapshot& snapshot, Entry& entry);
  // The entry's state as of `as_of` (after the boundary, up to the window's end): the entry's
  // own when no later event counts, else a copy (on `arena` when given, which must then
  // outlive it).
  static StatePtr AsOf(const Entry& entry, const std::string& as_of,
                       google::protobuf::Arena* arena = nullptr);
  // A snapshot of the date `as_of` (no window) from `base`, the states that change copied onto
  // its own arena.
  static std::shared_ptr<const Snapshot> Derive(const Snapshot& base, absl::CivilDay day);
  // An institution the snapshot has not seen: no events yet.
  static Entry Fresh(absl::string_view urn);
  // The entry of `urn` in `snapshot` to fold forward: shared state, copied when it changes.
  static Entry Forward(const Snapshot& snapshot, absl::string_view urn);
  // Folds the known events of [snapshot.position, end_position) into `overlay`, entries taken
  // from the snapshot on first touch.
  absl::Status Overlay(const Snapshot& snapshot, uint64_t end_position, const TimeFilter& filter,
                       absl::btree_map<std::string, Entry>& overlay) const;
  // Builds the snapshot of `boundary` up to the log's end, from `base` when given (a refresh).
  absl::StatusOr<std::shared_ptr<const Snapshot>> Build(absl::CivilDay boundary,
                                                        const Snapshot* base) const;
  // The held snapshot of `boundary`, building it first if need be (and refreshing it in the
  // background when more than refresh_after events follow it).
  absl::StatusOr<std::shared_ptr<const Snapshot>> Acquire(absl::CivilDay boundary,
                                                          uint64_t end_position,
                                                          absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The held snapshot of `boundary`, or nullptr; builds nothing.
  std::shared_ptr<const Snapshot> Held(absl::CivilDay boundary) const ABSL_LOCKS_EXCLUDED(mu_);
  // The view of `day` if one is held that reads of events before `end_position` may use.
  std::shared_ptr<const Snapshot> View(absl::CivilDay day, uint64_t end_position)
      ABSL_LOCKS_EXCLUDED(mu_);
  void HoldView(std::shared_ptr<const Snapshot> view) ABSL_LOCKS_EXCLUDED(mu_);
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  void Request(absl::CivilDay boundary) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Count(uint64_t Stats::*counter, uint64_t n = 1) const ABSL_LOCKS_EXCLUDED(mu_);

  const storage::EventLog* const log_;
  const TermCalendar* const calendar_;
  const Options options_;

  mutable absl::Mutex mu_;
  absl::btree_map<absl::CivilDay, Kept> held_ ABSL_GUARDED_BY(mu_);
  absl::btree_map<absl::CivilDay, Kept> views_ ABSL_GUARDED_BY(mu_);  // by date
  std::vector<absl::CivilDay> requested_ ABSL_GUARDED_BY(mu_);  // to build, oldest first
  std::optional<absl::CivilDay> building_ ABSL_GUARDED_BY(mu_);
  absl::Status build_failure_ ABSL_GUARDED_BY(mu_);  // of the last build; OK when it worked
  uint64_t tick_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  mutable Stats stats_ ABSL_GUARDED_BY(mu_);
  mutable std::atomic<uint64_t> build_progress_{0};  // events scanned by the running build
  std::atomic<bool> stop_scan_{false};  // set with stopping_: a build's scan ends early
  std::thread thread_;
};

}  // namespace scc::projections

#endif  // SCC_SERVICES_PROJECTIONS_TERM_SNAPSHOTS_H_
