#include "services/projections/institution_projection.h"

#include "absl/container/flat_hash_set.h"

#include <pthread.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/codec/event_codec.h"
#include "services/domain/evolve.h"
#include "storage/status_macros.h"

namespace scc::projections {
namespace {

constexpr char kActiveKey[] = "active";  // "<generation> <code version>"

}  // namespace

struct InstitutionProjection::Generation {
  uint64_t id = 1;
  uint32_t version = 0;
  Map states;
  uint64_t next_position = 0;
  bool cleared = false;  // a rebuild's: what an earlier attempt left under its prefix is gone
  // Applied in memory and not yet written (catching up saves less often); on disk, the position
  // is still the one of the last save, so a restart applies these events again.
  absl::flat_hash_set<std::string> unsaved;
  uint64_t unsaved_events = 0;
  uint64_t taken_from_commands = 0;  // by the last batch, from Options::committed_state

  std::string Prefix() const { return absl::StrCat("g", id, "/"); }
  std::string StateKey(const std::string& urn) const { return absl::StrCat(Prefix(), "i/", urn); }
  std::string PositionKey() const { return absl::StrCat(Prefix(), "pos"); }
  std::string ActiveValue() const { return absl::StrCat(id, " ", version); }
};

namespace {

// Saving every touched state per batch writes about one state per event: serializing and
// writing the states was the largest cost of a busy projection. Far behind the log (a first
// start on a big log, a rebuild) a batch touches a different set of institutions each time, so
// while more than this many batches behind states are saved only every
// Options::catch_up_save_events events; at the head every Options::live_save_events.
constexpr uint64_t kCatchingUpBatches = 20;

}  // namespace

void InstitutionProjection::AddUnsaved(const Generation& gen, storage::KvStore::Batch& batch,
                                       const std::function<bool(const std::string&)>& keep) {
  for (const std::string& urn : gen.unsaved) {
    if (!keep || keep(urn)) {
      batch.puts.emplace_back(gen.StateKey(urn), gen.states.at(urn)->SerializeAsString());
    }
  }
}

storage::KvStore::Batch InstitutionProjection::Checkpoint(const Generation& gen) {
  storage::KvStore::Batch batch;
  AddUnsaved(gen, batch);
  batch.puts.emplace_back(gen.PositionKey(), absl::StrCat(gen.next_position));
  return batch;
}

bool InstitutionProjection::SaveNow(const Generation& gen, const Options& options, size_t events,
                                    uint64_t head) {
  const uint64_t behind = head > gen.next_position ? head - gen.next_position : 0;
  const uint64_t every = behind <= kCatchingUpBatches * options.batch_events
                             ? options.live_save_events
                             : options.catch_up_save_events;
  return gen.unsaved_events + events >= every;
}

InstitutionProjection::InstitutionProjection(storage::EventLog* log, storage::KvStore* store,
                                             Options options)
    : log_(log), store_(store), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<InstitutionProjection>> InstitutionProjection::Open(
    storage::EventLog* log, storage::KvStore* store, Options options) {
  std::unique_ptr<InstitutionProjection> p(new InstitutionProjection(log, store, std::move(options)));
  RETURN_IF_ERROR(p->Load());
  p->ReplaceSubscription(log->Subscribe(p->live_->next_position));
  p->thread_ = std::thread([raw = p.get()] {
    pthread_setname_np(pthread_self(), "projection");  // named for top and perf
    raw->Run();
  });
  return p;
}

InstitutionProjection::~InstitutionProjection() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (subscription_) subscription_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
}

storage::Subscription* InstitutionProjection::subscription() const {
  absl::MutexLock lock(&mu_);
  return subscription_.get();
}

void InstitutionProjection::ReplaceSubscription(std::unique_ptr<storage::Subscription> next) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) next->Cancel();
    subscription_.swap(next);
  }
  // `next` now holds the old subscription, destroyed here, outside the lock.
}

absl::Status InstitutionProjection::Load() {
  live_ = std::make_unique<Generation>();
  live_->version = options_.version;
  ASSIGN_OR_RETURN(std::optional<std::string> active, store_->Get(kActiveKey));
  bool stale = false;
  if (active) {
    const std::vector<std::string> parts = absl::StrSplit(*active, ' ');
    uint32_t version = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &live_->id) ||
        !absl::SimpleAtoi(parts[1], &version)) {
      return absl::DataLossError(absl::StrCat("projection marker '", *active, "' is malformed"));
    }
    live_->version = version;
    stale = version != options_.version;
    const std::string prefix = absl::StrCat(live_->Prefix(), "i/");
    RETURN_IF_ERROR(store_->Scan(prefix, [&](absl::string_view key, absl::string_view value) {
      auto state = std::make_shared<domain::InstitutionState>();
      if (!state->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return absl::DataLossError(absl::StrCat("projection record ", key, " does not decode"));
      }
      live_->states.emplace(std::string(key.substr(prefix.size())), std::move(state));
      return absl::OkStatus();
    }));
    ASSIGN_OR_RETURN(std::optional<std::string> position, store_->Get(live_->PositionKey()));
    if (position && !absl::SimpleAtoi(*position, &live_->next_position)) {
      return absl::DataLossError("projection checkpoint is malformed");
    }
  } else {
    storage::KvStore::Batch batch;
    batch.puts.emplace_back(kActiveKey, live_->ActiveValue());
    RETURN_IF_ERROR(store_->Write(batch, /*sync=*/true));
  }
  if (live_->next_position > log_->NextPosition()) {
    return absl::DataLossError(absl::StrCat("projection checkpoint ", live_->next_position,
                                            " is ahead of the event log (",
                                            log_->NextPosition(), " events)"));
  }
  absl::MutexLock lock(&mu_);
  serving_ = SortedMap(live_->states.begin(), live_->states.end());
  serving_position_ = live_->next_position;
  generation_ = live_->id;
  if (stale) {
    rebuild_requested_ = true;
    if (options_.progress) {
      options_.progress(absl::StrCat("projection code version changed from ", live_->version,
                                     " to ", options_.version,
                                     ": rebuilding in the background; the old data serves "
                                     "until the new has caught up"));
    }
  }
  return absl::OkStatus();
}

absl::Status InstitutionProjection::ApplyTo(const storage::EventLog& log, storage::KvStore& store,
                                            const Options& options, Generation& gen,
                                            const std::vector<storage::RecordedEvent>& events,
                                            uint64_t next_position,
                                            std::vector<std::string>* touched_urns) {
  // Each touched institution is folded once per batch; readers keep the states they hold.
  absl::flat_hash_map<std::string, std::vector<const storage::RecordedEvent*>> events_of;
  for (const storage::RecordedEvent& recorded : events) {
    std::string urn = codec::UrnOfStream(recorded.stream);
    if (!urn.empty()) events_of[std::move(urn)].push_back(&recorded);
  }
  absl::flat_hash_map<std::string, StatePtr> touched;
  touched.reserve(events_of.size());
  uint64_t from_commands = 0;
  bool corrects = false;
  for (const auto& [urn, its_events] : events_of) {
    ASSIGN_OR_RETURN(touched[urn],
                     FoldTouched(log, options, gen, urn, its_events, from_commands, corrects));
  }
  // A correction or a redaction is saved at once: the store must not keep for long what it
  // replaced or erased (docs/data-protection.md).
  const bool save = corrects || SaveNow(gen, options, events.size(), log.NextPosition());
  if (save) {
    storage::KvStore::Batch batch;
    for (const auto& [urn, state] : touched) {
      batch.puts.emplace_back(gen.StateKey(urn), state->SerializeAsString());
    }
    AddUnsaved(gen, batch, [&touched](const std::string& urn) { return !touched.contains(urn); });
    batch.puts.emplace_back(gen.PositionKey(), absl::StrCat(next_position));
    RETURN_IF_ERROR(store.Write(batch));
    gen.unsaved.clear();
    gen.unsaved_events = 0;
  } else {
    gen.unsaved_events += events.size();
  }
  for (auto& [urn, state] : touched) {
    if (touched_urns != nullptr) touched_urns->push_back(urn);
    if (!save) gen.unsaved.insert(urn);
    gen.states[urn] = std::move(state);
  }
  gen.next_position = next_position;
  gen.taken_from_commands = from_commands;
  return absl::OkStatus();
}

absl::StatusOr<InstitutionProjection::StatePtr> InstitutionProjection::FoldTouched(
    const storage::EventLog& log, const Options& options, const Generation& gen,
    const std::string& urn, const std::vector<const storage::RecordedEvent*>& events,
    uint64_t& from_commands, bool& corrects_any) {
  const bool corrects = std::any_of(events.begin(), events.end(),
                                    [](const storage::RecordedEvent* e) {
                                      return codec::CorrectsEarlierEvents(e->type);
                                    });
  corrects_any = corrects_any || corrects;
  if (options.committed_state && !corrects) {
    if (StatePtr committed = options.committed_state(urn, *events.back())) {
      ++from_commands;
      return committed;
    }
  }
  auto it = gen.states.find(urn);
  auto working = it != gen.states.end() ? std::make_shared<domain::InstitutionState>(*it->second)
                                        : std::make_shared<domain::InstitutionState>();
  working->set_urn(urn);
  for (const storage::RecordedEvent* recorded : events) {
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(*recorded));
    if (domain::NeedsRefold(event)) {
      // A correction replaces an earlier event: fold the stream again up to this event.
      ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> stream,
                       codec::ReadInstitution(log, urn, 0, recorded->version));
      *working = domain::Fold(urn, stream);
    } else {
      domain::Evolve(*working, event);
    }
  }
  return StatePtr(std::move(working));
}

void InstitutionProjection::Publish(const Generation& gen, const std::vector<std::string>& urns) {
  absl::MutexLock lock(&mu_);
  for (const std::string& urn : urns) serving_[urn] = gen.states.at(urn);
  serving_position_ = gen.next_position;
  states_from_commands_ += gen.taken_from_commands;
}

void InstitutionProjection::Run() {
  std::unique_ptr<Generation> rebuild;
  uint64_t next_progress = 0;
  absl::Duration backoff = options_.retry_initial;
  for (;;) {
    const absl::Status step = Step(rebuild, next_progress);
    if (absl::IsCancelled(step)) break;
    if (step.ok()) {
      Succeeded();
      backoff = options_.retry_initial;
      continue;
    }
    if (!Failed(step, backoff)) break;
    backoff = std::min(backoff * 2, options_.retry_max);
  }
  // Stopping: the serving generation's unsaved states are saved, so that a restart need not
  // apply their events again (after a crash it does).
  if (live_->unsaved.empty() && live_->unsaved_events == 0) return;
  if (absl::Status saved = store_->Write(Checkpoint(*live_)); !saved.ok()) {
    if (options_.progress) {
      options_.progress(absl::StrCat("projection: not saved on stopping (a restart applies ",
                                     live_->unsaved_events, " events again): ", saved.message()));
    }
  }
}

bool InstitutionProjection::Failed(const absl::Status& status, absl::Duration backoff) {
  uint64_t attempts;
  {
    absl::MutexLock lock(&mu_);
    if (failed_attempts_ == 0) failing_since_ = absl::Now();
    attempts = ++failed_attempts_;
    ++failures_total_;
    failure_ = status;
  }
  if (options_.progress) {
    options_.progress(absl::StrCat("projection: ", status.ToString(), " (attempt ", attempts,
                                   " failed; reads serve what was applied; trying again in ",
                                   absl::FormatDuration(backoff), ")"));
  }
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
  return !stopping_;
}

void InstitutionProjection::Succeeded() {
  uint64_t attempts;
  {
    absl::MutexLock lock(&mu_);
    if (failed_attempts_ == 0) return;
    attempts = failed_attempts_;
    failed_attempts_ = 0;
    failure_ = absl::OkStatus();
  }
  if (options_.progress) {
    options_.progress(absl::StrCat("projection: applying again after ", attempts,
                                   " failed attempts"));
  }
}

absl::Status InstitutionProjection::ApplyLive(const std::vector<storage::RecordedEvent>& events,
                                              uint64_t next_position) {
  std::vector<std::string> urns;
  absl::Status s = options_.inject_fault ? options_.inject_fault(false) : absl::OkStatus();
  if (s.ok()) s = ApplyTo(*log_, *store_, options_, *live_, events, next_position, &urns);
  if (!s.ok()) {
    // The subscription has moved past the batch: follow again from what was applied.
    ReplaceSubscription(log_->Subscribe(live_->next_position));
    return s;
  }
  Publish(*live_, urns);
  return absl::OkStatus();
}

absl::Status InstitutionProjection::Step(std::unique_ptr<Generation>& rebuild,
                                         uint64_t& next_progress) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    if (rebuild_requested_ && !rebuilding_) {
      rebuild_requested_ = false;
      rebuilding_ = true;
      rebuild = std::make_unique<Generation>();
      rebuild->id = live_->id + 1;
      rebuild->version = options_.version;
      next_progress = 0;
    }
  }
  if (rebuild != nullptr && !rebuild->cleared) {
    storage::KvStore::Batch clear;
    clear.delete_prefixes.push_back(rebuild->Prefix());
    if (absl::Status s = store_->Write(clear); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("projection rebuild: ", s.message()));
    }
    rebuild->cleared = true;
    if (options_.progress) {
      options_.progress(absl::StrCat("projection rebuild: generation ", rebuild->id,
                                     " from position 0 of ", log_->NextPosition()));
    }
  }

  // Follow the log with the serving generation: block only when there is nothing to rebuild.
  storage::Subscription* const feed = subscription();
  const absl::Time deadline = rebuild ? absl::Now() : absl::InfiniteFuture();
  absl::StatusOr<std::vector<storage::RecordedEvent>> live =
      feed->Next(options_.batch_events, deadline);
  if (!live.ok()) return live.status();
  if (!live->empty()) RETURN_IF_ERROR(ApplyLive(*live, feed->position()));
  if (!rebuild) return absl::OkStatus();

  absl::StatusOr<storage::AllPage> page =
      log_->ReadAll(rebuild->next_position, options_.batch_events);
  absl::Status s = page.status();
  if (s.ok() && options_.inject_fault) s = options_.inject_fault(true);
  if (s.ok()) {
    s = ApplyTo(*log_, *store_, options_, *rebuild, page->events, page->next_position, nullptr);
  }
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("projection rebuild: ", s.message()));
  const uint64_t head = log_->NextPosition();
  {
    absl::MutexLock lock(&mu_);
    rebuild_position_ = rebuild->next_position;
  }
  if (options_.progress && rebuild->next_position >= next_progress && head > 0) {
    options_.progress(absl::StrCat("projection rebuild: ", rebuild->next_position * 100 / head,
                                   "% (", rebuild->next_position, " of ", head, " events)"));
    next_progress = rebuild->next_position + std::max<uint64_t>(head / 10, 1);
  }
  if (rebuild->next_position < live_->next_position) return absl::OkStatus();

  // Caught up: the new generation takes over, atomically on disk and for readers.
  storage::KvStore::Batch swap = Checkpoint(*rebuild);
  swap.puts.emplace_back(kActiveKey, rebuild->ActiveValue());
  swap.delete_prefixes.push_back(live_->Prefix());
  if (absl::Status w = store_->Write(swap, /*sync=*/true); !w.ok()) {
    return absl::Status(w.code(), absl::StrCat("projection rebuild: ", w.message()));
  }
  rebuild->unsaved.clear();
  rebuild->unsaved_events = 0;
  live_ = std::move(rebuild);
  ReplaceSubscription(log_->Subscribe(live_->next_position));
  {
    absl::MutexLock lock(&mu_);
    serving_ = SortedMap(live_->states.begin(), live_->states.end());
    serving_position_ = live_->next_position;
    generation_ = live_->id;
    rebuilding_ = false;
  }
  if (options_.progress) {
    options_.progress(absl::StrCat("projection rebuild: generation ", live_->id,
                                   " serves from position ", live_->next_position));
  }
  return absl::OkStatus();
}

InstitutionProjection::StatePtr InstitutionProjection::Get(const std::string& urn) const {
  absl::MutexLock lock(&mu_);
  auto it = serving_.find(urn);
  return it == serving_.end() ? nullptr : it->second;
}

std::vector<InstitutionProjection::StatePtr> InstitutionProjection::All() const {
  return Select([](const domain::InstitutionState&) { return true; });
}

std::vector<InstitutionProjection::StatePtr> InstitutionProjection::Select(
    const std::function<bool(const domain::InstitutionState&)>& keep) const {
  std::vector<StatePtr> selected;
  absl::MutexLock lock(&mu_);
  for (const auto& [urn, state] : serving_) {
    if (keep(*state)) selected.push_back(state);
  }
  return selected;
}

uint64_t InstitutionProjection::applied_position() const {
  absl::MutexLock lock(&mu_);
  return serving_position_;
}

absl::Status InstitutionProjection::WaitFor(uint64_t next_position, absl::Time deadline) const {
  struct Args {
    const InstitutionProjection* self;
    uint64_t position;
  } args{this, next_position};
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(
                            +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                              return a->self->serving_position_ >= a->position ||
                                     a->self->stopping_;
                            },
                            &args),
                        deadline);
  if (serving_position_ >= next_position) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat(
      "the read model has applied ", serving_position_, " events, not yet ", next_position,
      " (min_position); ",
      failure_.ok() ? "try again or allow a longer deadline"
                    : absl::StrCat("it cannot apply more at the moment: ", failure_.message())));
}

absl::Status InstitutionProjection::WaitUntilRebuilt(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(
                            +[](const InstitutionProjection* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                              return (!self->rebuilding_ && !self->rebuild_requested_) ||
                                     self->stopping_;
                            },
                            this),
                        deadline);
  if (!rebuilding_ && !rebuild_requested_) return absl::OkStatus();
  return absl::DeadlineExceededError("the projection rebuild has not finished yet");
}

void InstitutionProjection::RequestRebuild() {
  absl::MutexLock lock(&mu_);
  if (!rebuilding_) rebuild_requested_ = true;
}

v1::ProjectionStatus InstitutionProjection::Status() const {
  absl::MutexLock lock(&mu_);
  v1::ProjectionStatus status;
  status.set_version(options_.version);
  status.set_generation(generation_);
  status.set_applied_position(serving_position_);
  status.set_rebuilding(rebuilding_ || rebuild_requested_);
  status.set_rebuild_position(rebuild_position_);
  if (!failure_.ok()) {
    status.set_error(failure_.ToString());
    status.set_failed_attempts(failed_attempts_);
    status.set_failing_since(
        absl::FormatTime(absl::RFC3339_sec, failing_since_, absl::UTCTimeZone()));
  }
  status.set_failures_total(failures_total_);
  status.set_states_from_commands(states_from_commands_);
  return status;
}

absl::Status InstitutionProjection::RebuildOffline(
    storage::EventLog* log, storage::KvStore* store, Options options,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  Generation gen;
  gen.version = options.version;
  ASSIGN_OR_RETURN(std::optional<std::string> active, store->Get(kActiveKey));
  if (active) {
    uint64_t id = 0;
    if (absl::SimpleAtoi(std::vector<std::string>(absl::StrSplit(*active, ' '))[0], &id)) {
      gen.id = id + 1;
    }
  }
  storage::KvStore::Batch clear;
  clear.delete_prefixes = {"g", kActiveKey};
  RETURN_IF_ERROR(store->Write(clear));
  const uint64_t total = log->NextPosition();
  while (gen.next_position < total) {
    ASSIGN_OR_RETURN(storage::AllPage page,
                     log->ReadAll(gen.next_position, options.batch_events));
    RETURN_IF_ERROR(ApplyTo(*log, *store, options, gen, page.events, page.next_position, nullptr));
    if (progress) progress(gen.next_position, total);
  }
  storage::KvStore::Batch done = Checkpoint(gen);
  done.puts.emplace_back(kActiveKey, gen.ActiveValue());
  return store->Write(done, /*sync=*/true);
}

}  // namespace scc::projections
