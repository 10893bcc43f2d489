#include "services/projections/term_snapshots.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "absl/time/clock.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "storage/status_macros.h"

namespace scc::projections {

using domain::InstitutionState;
using domain::StoredEvent;

// One institution at the boundary. `state` has every event that counts by the boundary;
// `window` the later events dated up to the window's end, in version order, every one after the
// last event in `state` (or the entry is `refold`).
struct TermSnapshots::Entry {
  std::shared_ptr<InstitutionState> state;
  bool owned = true;  // `state` is this entry's own; else it is a snapshot's, copied to change
  std::vector<std::shared_ptr<const StoredEvent>> window;
  uint64_t next_version = 0;  // of the stream, after the last event absorbed
  // Fold from the stream instead: a correction that changes how an earlier event counts,
  // a redaction, or an event that counts by the boundary recorded after one that does not.
  bool refold = false;
};

struct TermSnapshots::Snapshot {
  absl::CivilDay boundary;
  std::string boundary_date;  // YYYY-MM-DD
  std::string window_end;     // reads as of dates after the boundary up to this one start here
  uint64_t position = 0;      // every event before it is folded in
  absl::Time known_through = absl::InfinitePast();  // the latest recorded_at before `position`
  absl::btree_map<std::string, Entry> institutions;
  std::shared_ptr<google::protobuf::Arena> arena;  // a view's: holds the states it copied
};

namespace {

// Drops the least recently used of `kept` until at most `capacity` remain.
template <typename Map>
void KeepAtMost(Map& kept, size_t capacity) {
  while (kept.size() > capacity) {
    kept.erase(std::min_element(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    }));
  }
}

absl::StatusOr<std::vector<TermSnapshots::StatePtr>> FoldInFull(const storage::EventLog& log,
                                                               const TimeFilter& filter,
                                                               uint64_t end_position,
                                                               absl::Time deadline) {
  ASSIGN_OR_RETURN(auto folded, FoldAllAsOf(log, filter, end_position, deadline));
  std::vector<TermSnapshots::StatePtr> states;
  states.reserve(folded.size());
  for (auto& [urn, state] : folded) {
    if (state.registered()) states.push_back(std::make_shared<const InstitutionState>(std::move(state)));
  }
  return states;
}

}  // namespace

TermSnapshots::TermSnapshots(const storage::EventLog* log, const TermCalendar* calendar,
                             Options options)
    : log_(log), calendar_(calendar), options_(options), thread_([this] { Run(); }) {}

TermSnapshots::~TermSnapshots() { Stop(); }

void TermSnapshots::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  stop_scan_ = true;
  if (thread_.joinable()) thread_.join();
}

std::optional<absl::CivilDay> TermSnapshots::BoundaryFor(absl::CivilDay day) const {
  const Period* half = calendar_->HalfTermAt(day);
  if (half == nullptr) return std::nullopt;
  return half->start - 1;
}

void TermSnapshots::Absorb(const StoredEvent& event, const Snapshot& snapshot, Entry& entry) {
  entry.next_version = event.version + 1;
  if (entry.refold) return;
  auto refold = [&entry] {
    entry.state.reset();  // a redaction must not leave what it erased in memory
    entry.window.clear();
    entry.refold = true;
  };
  if (domain::NeedsRefold(event)) return refold();
  const std::string& on = event.metadata.effective_date();
  // Corrections count whatever their date (ForEachCounting).
  if (event.payload.has_event_corrected() || on <= snapshot.boundary_date) {
    if (!entry.window.empty()) return refold();
    if (!entry.owned) {
      entry.state = std::make_shared<InstitutionState>(*entry.state);
      entry.owned = true;
    }
    domain::Evolve(*entry.state, event);
  } else if (on <= snapshot.window_end) {
    entry.window.push_back(std::make_shared<const StoredEvent>(event));
  }
}

TermSnapshots::StatePtr TermSnapshots::AsOf(const Entry& entry, const std::string& as_of,
                                             google::protobuf::Arena* arena) {
  auto counts = [&](const std::shared_ptr<const StoredEvent>& e) {
    return e->metadata.effective_date() <= as_of;
  };
  if (std::none_of(entry.window.begin(), entry.window.end(), counts)) return entry.state;
  std::shared_ptr<InstitutionState> state;
  if (arena != nullptr) {
    // Owned by the arena: the caller keeps it alive with the arena's owner.
    state = std::shared_ptr<InstitutionState>(
        std::shared_ptr<InstitutionState>(), google::protobuf::Arena::CreateMessage<InstitutionState>(arena));
    state->CopyFrom(*entry.state);
  } else {
    state = std::make_shared<InstitutionState>(*entry.state);
  }
  for (const auto& e : entry.window) {
    if (counts(e)) domain::Evolve(*state, *e);
  }
  return state;
}

std::shared_ptr<const TermSnapshots::Snapshot> TermSnapshots::Derive(const Snapshot& base,
                                                                    absl::CivilDay day) {
  auto view = std::make_shared<Snapshot>();
  view->boundary = day;
  view->boundary_date = domain::FormatDate(day);
  view->window_end = view->boundary_date;
  view->position = base.position;
  view->known_through = base.known_through;
  view->arena = std::make_shared<google::protobuf::Arena>();
  for (const auto& [urn, entry] : base.institutions) {
    Entry e;
    e.owned = false;
    e.next_version = entry.next_version;
    e.refold = entry.refold;
    if (!entry.refold) {
      StatePtr state = AsOf(entry, view->boundary_date, view->arena.get());
      // Shared with `base`, or on the view's arena: either way nobody changes it.
      e.state = std::const_pointer_cast<InstitutionState>(
          state == entry.state ? std::move(state) : StatePtr(view->arena, state.get()));
    }
    view->institutions.emplace_hint(view->institutions.end(), urn, std::move(e));
  }
  return view;
}

std::shared_ptr<const TermSnapshots::Snapshot> TermSnapshots::View(absl::CivilDay day,
                                                                   uint64_t end_position) {
  absl::MutexLock lock(&mu_);
  auto it = views_.find(day);
  if (it == views_.end()) return nullptr;
  if (end_position > it->second.snapshot->position + options_.refresh_after) {
    views_.erase(it);  // derived again from the refreshed snapshot
    return nullptr;
  }
  it->second.last_used = ++tick_;
  return it->second.snapshot;
}

void TermSnapshots::HoldView(std::shared_ptr<const Snapshot> view) {
  const absl::CivilDay day = view->boundary;
  absl::MutexLock lock(&mu_);
  views_[day] = {std::move(view), ++tick_};
  KeepAtMost(views_, options_.keep_dates);
}

TermSnapshots::Entry TermSnapshots::Forward(const Snapshot& snapshot, absl::string_view urn) {
  auto it = snapshot.institutions.find(urn);
  if (it != snapshot.institutions.end()) {
    Entry entry = it->second;
    entry.owned = false;
    return entry;
  }
  return Fresh(urn);
}

TermSnapshots::Entry TermSnapshots::Fresh(absl::string_view urn) {
  Entry entry;
  entry.state = std::make_shared<InstitutionState>();
  entry.state->set_urn(std::string(urn));
  return entry;
}

absl::Status TermSnapshots::Overlay(const Snapshot& snapshot, uint64_t end_position,
                                    const TimeFilter& filter,
                                    absl::btree_map<std::string, Entry>& overlay) const {
  StoredEvent event;  // reused: parsing into it keeps its memory
  return log_->Scan(snapshot.position, end_position, [&](const storage::RecordView& recorded) {
    const absl::string_view urn = codec::UrnView(recorded.stream);
    if (urn.empty() || (filter.known_at && recorded.recorded_at > *filter.known_at)) {
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(codec::DecodeInto(recorded, &event));
    auto it = overlay.find(urn);
    if (it == overlay.end()) it = overlay.emplace(std::string(urn), Forward(snapshot, urn)).first;
    Absorb(event, snapshot, it->second);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::shared_ptr<const TermSnapshots::Snapshot>> TermSnapshots::Build(
    absl::CivilDay boundary, const Snapshot* base) const {
  auto next = std::make_shared<Snapshot>();
  if (base != nullptr) {
    *next = *base;
    for (auto& [urn, entry] : next->institutions) entry.owned = false;
  } else {
    next->boundary = boundary;
    next->boundary_date = domain::FormatDate(boundary);
    const Period* half = calendar_->HalfTermAt(boundary + 1);
    const Period* following = nullptr;
    for (const Period& h : calendar_->half_terms()) {
      if (h.start > boundary + 1 && (following == nullptr || h.start < following->start)) {
        following = &h;
      }
    }
    next->window_end = domain::FormatDate(following != nullptr ? following->start - 1
                                          : half != nullptr    ? half->end
                                                               : boundary);
  }
  const uint64_t end = log_->NextPosition();
  build_progress_ = next->position;
  // Found by hash while scanning (a sorted map's look-up per event cost a fifth of the build),
  // sorted once at the end.
  absl::flat_hash_map<std::string, Entry> entries;
  entries.reserve(next->institutions.size());
  for (auto& [urn, entry] : next->institutions) entries.emplace(urn, std::move(entry));
  StoredEvent event;
  uint64_t seen = 0;
  RETURN_IF_ERROR(log_->Scan(next->position, end, [&](const storage::RecordView& recorded) {
    constexpr uint64_t kProgressEvery = 1 << 14;
    if (++seen % kProgressEvery == 0) {
      build_progress_ = next->position + seen;
      if (stop_scan_) return absl::CancelledError("the server is stopping");
    }
    next->known_through = std::max(next->known_through, recorded.recorded_at);
    const absl::string_view urn = codec::UrnView(recorded.stream);
    if (urn.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(codec::DecodeInto(recorded, &event));
    auto it = entries.find(urn);
    if (it == entries.end()) it = entries.emplace(std::string(urn), Fresh(urn)).first;
    Absorb(event, *next, it->second);
    return absl::OkStatus();
  }));
  next->institutions.clear();
  for (auto& [urn, entry] : entries) next->institutions.emplace(urn, std::move(entry));
  next->position = end;
  return next;
}

void TermSnapshots::Request(absl::CivilDay boundary) {
  if (building_ == boundary ||
      std::find(requested_.begin(), requested_.end(), boundary) != requested_.end()) {
    return;
  }
  requested_.push_back(boundary);
}

void TermSnapshots::Prepare(absl::CivilDay day) {
  const std::optional<absl::CivilDay> boundary = BoundaryFor(day);
  if (!boundary || options_.keep == 0) return;
  absl::MutexLock lock(&mu_);
  if (!held_.contains(*boundary)) Request(*boundary);
}

void TermSnapshots::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](TermSnapshots* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return self->stopping_ || !self->requested_.empty();
        },
        this));
    if (stopping_) return;
    const absl::CivilDay boundary = requested_.front();
    requested_.erase(requested_.begin());
    building_ = boundary;
    auto it = held_.find(boundary);
    const std::shared_ptr<const Snapshot> base =
        it == held_.end() ? nullptr : it->second.snapshot;
    mu_.Unlock();
    absl::StatusOr<std::shared_ptr<const Snapshot>> built = Build(boundary, base.get());
    mu_.Lock();
    building_.reset();
    if (!built.ok()) {
      build_failure_ = built.status();
      continue;
    }
    build_failure_ = absl::OkStatus();
    ++stats_.built;
    held_[boundary] = {*std::move(built), ++tick_};
    KeepAtMost(held_, options_.keep);
  }
}

absl::StatusOr<std::shared_ptr<const TermSnapshots::Snapshot>> TermSnapshots::Acquire(
    absl::CivilDay boundary, uint64_t end_position, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  // Until it is held: a build that finished may have been dropped again to make room.
  while (!held_.contains(boundary)) {
    Request(boundary);
    auto settled = [this, boundary]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || held_.contains(boundary) ||
             (building_ != boundary &&
              std::find(requested_.begin(), requested_.end(), boundary) == requested_.end());
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&settled), deadline)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the snapshot of the half-term boundary ", domain::FormatDate(boundary),
          " that this date is read from is being built (", build_progress_.load(), " of ",
          log_->NextPosition(), " events read); ask again shortly, or with a longer deadline"));
    }
    if (stopping_) return absl::CancelledError("the server is stopping");
    if (!held_.contains(boundary) && !build_failure_.ok()) {
      return absl::UnavailableError(absl::StrCat("the snapshot of ", domain::FormatDate(boundary),
                                                 " could not be built: ",
                                                 build_failure_.message()));
    }
  }
  Kept& kept = held_[boundary];
  kept.last_used = ++tick_;
  if (end_position > kept.snapshot->position + options_.refresh_after) Request(boundary);
  return kept.snapshot;
}

std::shared_ptr<const TermSnapshots::Snapshot> TermSnapshots::Held(absl::CivilDay boundary) const {
  absl::MutexLock lock(&mu_);
  auto it = held_.find(boundary);
  return it == held_.end() ? nullptr : it->second.snapshot;
}

void TermSnapshots::Count(uint64_t Stats::*counter, uint64_t n) const {
  absl::MutexLock lock(&mu_);
  stats_.*counter += n;
}

absl::StatusOr<std::vector<TermSnapshots::StatePtr>> TermSnapshots::FoldAll(
    const TimeFilter& filter, uint64_t end_position, absl::Time deadline) {
  const std::optional<absl::CivilDay> day =
      filter.as_of ? domain::ParseDate(*filter.as_of) : std::nullopt;
  const std::optional<absl::CivilDay> boundary =
      day && options_.keep > 0 ? BoundaryFor(*day) : std::nullopt;
  auto usable = [&](const std::shared_ptr<const Snapshot>& s) {
    return s != nullptr && s->position <= end_position &&
           !(filter.known_at && *filter.known_at < s->known_through);
  };
  std::shared_ptr<const Snapshot> snapshot = boundary ? View(*day, end_position) : nullptr;
  if (boundary && !usable(snapshot)) {
    ASSIGN_OR_RETURN(snapshot, Acquire(*boundary, end_position, deadline));
    if (usable(snapshot) && *day != *boundary) {
      snapshot = Derive(*snapshot, *day);
      HoldView(snapshot);
    }
  }
  if (!usable(snapshot)) {
    Count(&Stats::reads_folded_in_full);
    return FoldInFull(*log_, filter, end_position, deadline);
  }
  absl::btree_map<std::string, Entry> overlay;
  RETURN_IF_ERROR(Overlay(*snapshot, end_position, filter, overlay));
  std::vector<StatePtr> states;
  states.reserve(snapshot->institutions.size() + overlay.size());
  uint64_t refolded = 0;
  auto add = [&](const std::string& urn, const Entry& entry) -> absl::Status {
    StatePtr state;
    if (entry.refold) {
      ++refolded;
      ASSIGN_OR_RETURN(InstitutionState folded, FoldAsOf(*log_, urn, filter));
      state = std::make_shared<const InstitutionState>(std::move(folded));
    } else {
      state = AsOf(entry, *filter.as_of);
    }
    if (state->registered()) states.push_back(std::move(state));
    return absl::OkStatus();
  };
  // Both are sorted by URN: merge them, the overlay's entry replacing the snapshot's.
  auto next = overlay.begin();
  for (const auto& [urn, entry] : snapshot->institutions) {
    for (; next != overlay.end() && next->first < urn; ++next) RETURN_IF_ERROR(add(next->first, next->second));
    if (next != overlay.end() && next->first == urn) {
      RETURN_IF_ERROR(add(urn, next->second));
      ++next;
    } else {
      RETURN_IF_ERROR(add(urn, entry));
    }
  }
  for (; next != overlay.end(); ++next) RETURN_IF_ERROR(add(next->first, next->second));
  absl::MutexLock lock(&mu_);
  ++stats_.reads_from_snapshot;
  stats_.institutions_refolded += refolded;
  return states;
}

absl::StatusOr<std::optional<std::vector<TermSnapshots::PeriodEntry>>> TermSnapshots::OverPeriod(
    const Period& period, std::optional<absl::Time> known_at, uint64_t end_position,
    bool build_missing, absl::Time wait_until) {
  std::vector<absl::CivilDay> boundaries;
  for (const Period& h : calendar_->half_terms()) {
    if (period.Contains(h.start)) boundaries.push_back(h.start - 1);
  }
  std::sort(boundaries.begin(), boundaries.end());
  // Every snapshot of the period is needed at once: with fewer held they would evict each other.
  if (boundaries.empty() || boundaries.front() != period.start - 1 ||
      boundaries.size() > options_.keep) {
    return std::nullopt;
  }
  std::vector<std::shared_ptr<const Snapshot>> chain;
  bool all_held = true;
  for (absl::CivilDay boundary : boundaries) {
    if (!build_missing) {
      std::shared_ptr<const Snapshot> held = Held(boundary);
      if (held == nullptr) return std::nullopt;
      chain.push_back(std::move(held));
      continue;
    }
    // Each one is asked for, even after one is missing, so that a later call finds them all.
    absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
        Acquire(boundary, end_position, wait_until);
    if (absl::IsCancelled(snapshot.status())) return snapshot.status();
    if (!snapshot.ok()) {  // still being built, or its build failed: the caller reads the log
      all_held = false;
      continue;
    }
    chain.push_back(*std::move(snapshot));
  }
  if (!all_held) return std::nullopt;
  const std::string last_day = domain::FormatDate(period.end);
  for (size_t k = 0; k < chain.size(); ++k) {
    const Snapshot& s = *chain[k];
    // Each window must end where the next snapshot starts, the last at the period's end or after.
    const bool joined = k + 1 < chain.size() ? s.window_end == chain[k + 1]->boundary_date
                                             : s.window_end >= last_day;
    if (s.position > end_position || (known_at && *known_at < s.known_through) || !joined) {
      return std::nullopt;
    }
  }
  TimeFilter filter;
  filter.known_at = known_at;
  std::vector<absl::btree_map<std::string, Entry>> overlays(chain.size());
  for (size_t k = 0; k < chain.size(); ++k) {
    RETURN_IF_ERROR(Overlay(*chain[k], end_position, filter, overlays[k]));
  }
  // Snapshot k's entry of `urn` brought forward to end_position; nullptr when it has none.
  auto entry_of = [&](size_t k, const std::string& urn) -> const Entry* {
    if (auto it = overlays[k].find(urn); it != overlays[k].end()) return &it->second;
    auto it = chain[k]->institutions.find(urn);
    return it != chain[k]->institutions.end() ? &it->second : nullptr;
  };
  // Every snapshot brought forward holds the same institutions (all with a known event before
  // end_position): those of the first, with its overlay.
  std::vector<std::string> urns;
  urns.reserve(chain[0]->institutions.size() + overlays[0].size());
  for (const auto& [urn, entry] : chain[0]->institutions) urns.push_back(urn);
  for (const auto& [urn, entry] : overlays[0]) {
    if (!chain[0]->institutions.contains(urn)) urns.push_back(urn);
  }
  std::sort(urns.begin(), urns.end());
  std::vector<PeriodEntry> entries;
  entries.reserve(urns.size());
  uint64_t from_stream = 0;
  for (std::string& urn : urns) {
    PeriodEntry period_entry;
    // The state at the period's start, then each half term's window in turn: the events a
    // snapshot left in its window all follow, in version order, those folded into the next
    // snapshot's state, or the entry would be marked to refold.
    for (size_t k = 0; k < chain.size(); ++k) {
      const Entry* entry = entry_of(k, urn);
      if (entry != nullptr && entry->refold) {
        period_entry.from_stream = true;
        period_entry.start.reset();
        period_entry.events.clear();
        break;
      }
      if (k == 0) period_entry.start = entry != nullptr ? entry->state : Fresh(urn).state;
      if (entry == nullptr) continue;
      for (const auto& event : entry->window) {
        if (event->metadata.effective_date() <= last_day) period_entry.events.push_back(event);
      }
    }
    from_stream += period_entry.from_stream;
    period_entry.urn = std::move(urn);
    entries.push_back(std::move(period_entry));
  }
  absl::MutexLock lock(&mu_);
  ++stats_.periods_read;
  ++stats_.reads_from_snapshot;
  stats_.institutions_refolded += from_stream;
  return entries;
}

absl::StatusOr<InstitutionState> TermSnapshots::Fold(const std::string& urn,
                                                     const TimeFilter& filter) {
  const std::optional<absl::CivilDay> day =
      filter.as_of ? domain::ParseDate(*filter.as_of) : std::nullopt;
  const std::optional<absl::CivilDay> boundary = day ? BoundaryFor(*day) : std::nullopt;
  const std::shared_ptr<const Snapshot> snapshot = boundary ? Held(*boundary) : nullptr;
  if (snapshot == nullptr || (filter.known_at && *filter.known_at < snapshot->known_through)) {
    return FoldAsOf(*log_, urn, filter);
  }
  Entry entry = Forward(*snapshot, urn);
  StoredEvent event;
  for (std::optional<uint64_t> next = entry.next_version; next && !entry.refold;) {
    absl::StatusOr<storage::StreamPage> page = log_->ReadStream(
        codec::StreamName(urn), *next, storage::ReadDirection::kForwards, 1000);
    if (absl::IsNotFound(page.status())) break;
    RETURN_IF_ERROR(page.status());
    for (const storage::RecordedEvent& recorded : page->events) {
      if (!filter.Known(recorded)) continue;
      ASSIGN_OR_RETURN(event, codec::Decode(recorded));
      Absorb(event, *snapshot, entry);
    }
    next = page->next_version;
  }
  if (entry.refold) return FoldAsOf(*log_, urn, filter);
  return *AsOf(entry, *filter.as_of);
}

TermSnapshots::Stats TermSnapshots::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats = stats_;
  for (const auto& [boundary, kept] : held_) stats.held.push_back(domain::FormatDate(boundary));
  for (const auto& [day, kept] : views_) stats.dates.push_back(domain::FormatDate(day));
  if (building_) stats.building = domain::FormatDate(*building_);
  return stats;
}

}  // namespace scc::projections
