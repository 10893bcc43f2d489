#include "services/projections/institution_projection.h"

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

  std::string Prefix() const { return absl::StrCat("g", id, "/"); }
  std::string StateKey(const std::string& urn) const { return absl::StrCat(Prefix(), "i/", urn); }
  std::string PositionKey() const { return absl::StrCat(Prefix(), "pos"); }
  std::string ActiveValue() const { return absl::StrCat(id, " ", version); }
};

namespace {

}  // namespace

InstitutionProjection::InstitutionProjection(storage::EventLog* log, storage::KvStore* store,
                                             Options options)
    : log_(log), store_(store), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<InstitutionProjection>> InstitutionProjection::Open(
    storage::EventLog* log, storage::KvStore* store, Options options) {
  std::unique_ptr<InstitutionProjection> p(new InstitutionProjection(log, store, std::move(options)));
  RETURN_IF_ERROR(p->Load());
  p->subscription_ = log->Subscribe(p->live_->next_position);
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
  }
  if (subscription_) subscription_->Cancel();
  if (thread_.joinable()) thread_.join();
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
                                            Generation& gen,
                                            const std::vector<storage::RecordedEvent>& events,
                                            uint64_t next_position,
                                            std::vector<std::string>* touched_urns) {
  // Each touched state is copied once per batch; readers keep the copies they hold.
  absl::flat_hash_map<std::string, std::shared_ptr<domain::InstitutionState>> touched;
  for (const storage::RecordedEvent& recorded : events) {
    const std::string urn = codec::UrnOfStream(recorded.stream);
    if (urn.empty()) continue;
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
    std::shared_ptr<domain::InstitutionState>& working = touched[urn];
    if (working == nullptr) {
      auto it = gen.states.find(urn);
      working = it != gen.states.end() ? std::make_shared<domain::InstitutionState>(*it->second)
                                       : std::make_shared<domain::InstitutionState>();
      working->set_urn(urn);
    }
    if (domain::NeedsRefold(event)) {
      // A correction replaces an earlier event: fold the stream again up to this event.
      ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> stream,
                       codec::ReadInstitution(log, urn, 0, recorded.version));
      *working = domain::Fold(urn, stream);
    } else {
      domain::Evolve(*working, event);
    }
  }
  storage::KvStore::Batch batch;
  for (const auto& [urn, state] : touched) {
    batch.puts.emplace_back(gen.StateKey(urn), state->SerializeAsString());
  }
  batch.puts.emplace_back(gen.PositionKey(), absl::StrCat(next_position));
  RETURN_IF_ERROR(store.Write(batch));
  for (auto& [urn, state] : touched) {
    if (touched_urns != nullptr) touched_urns->push_back(urn);
    gen.states[urn] = std::move(state);
  }
  gen.next_position = next_position;
  return absl::OkStatus();
}

void InstitutionProjection::Publish(const Generation& gen, const std::vector<std::string>& urns) {
  absl::MutexLock lock(&mu_);
  for (const std::string& urn : urns) serving_[urn] = gen.states.at(urn);
  serving_position_ = gen.next_position;
}

void InstitutionProjection::Run() {
  std::unique_ptr<Generation> rebuild;
  uint64_t next_progress = 0;
  for (;;) {
    bool start_rebuild = false;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (rebuild_requested_ && !rebuilding_) {
        rebuild_requested_ = false;
        rebuilding_ = true;
        start_rebuild = true;
      }
    }
    if (start_rebuild) {
      rebuild = std::make_unique<Generation>();
      rebuild->id = live_->id + 1;
      rebuild->version = options_.version;
      storage::KvStore::Batch clear;
      clear.delete_prefixes.push_back(rebuild->Prefix());
      if (absl::Status s = store_->Write(clear); !s.ok() && options_.progress) {
        options_.progress(absl::StrCat("projection rebuild: ", s.ToString()));
      }
      next_progress = 0;
      if (options_.progress) {
        options_.progress(absl::StrCat("projection rebuild: generation ", rebuild->id,
                                       " from position 0 of ", log_->NextPosition()));
      }
    }

    // Follow the log with the serving generation: block only when there is nothing to rebuild.
    const absl::Time deadline = rebuild ? absl::Now() : absl::InfiniteFuture();
    absl::StatusOr<std::vector<storage::RecordedEvent>> live =
        subscription_->Next(options_.batch_events, deadline);
    if (absl::IsCancelled(live.status())) return;
    if (live.ok() && !live->empty()) {
      std::vector<std::string> urns;
      absl::Status s = ApplyTo(*log_, *store_, *live_, *live, subscription_->position(), &urns);
      if (!s.ok()) {
        if (options_.progress) options_.progress(absl::StrCat("projection: ", s.ToString()));
        return;  // reads keep serving what was applied; a restart resumes from the checkpoint
      }
      Publish(*live_, urns);
    }
    if (!rebuild) continue;

    absl::StatusOr<storage::AllPage> page =
        log_->ReadAll(rebuild->next_position, options_.batch_events);
    absl::Status s = page.status();
    if (s.ok()) s = ApplyTo(*log_, *store_, *rebuild, page->events, page->next_position, nullptr);
    if (!s.ok()) {
      if (options_.progress) options_.progress(absl::StrCat("projection rebuild: ", s.ToString()));
      return;
    }
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
    if (rebuild->next_position < live_->next_position) continue;

    // Caught up: the new generation takes over, atomically on disk and for readers.
    storage::KvStore::Batch swap;
    swap.puts.emplace_back(kActiveKey, rebuild->ActiveValue());
    swap.delete_prefixes.push_back(live_->Prefix());
    if (absl::Status w = store_->Write(swap, /*sync=*/true); !w.ok()) {
      if (options_.progress) options_.progress(absl::StrCat("projection rebuild: ", w.ToString()));
      return;
    }
    live_ = std::move(rebuild);
    subscription_->Cancel();
    std::unique_ptr<storage::Subscription> next = log_->Subscribe(live_->next_position);
    {
      absl::MutexLock lock(&mu_);
      serving_ = SortedMap(live_->states.begin(), live_->states.end());
      serving_position_ = live_->next_position;
      generation_ = live_->id;
      rebuilding_ = false;
      if (stopping_) next->Cancel();
    }
    subscription_ = std::move(next);
    if (options_.progress) {
      options_.progress(absl::StrCat("projection rebuild: generation ", live_->id,
                                     " serves from position ", live_->next_position));
    }
  }
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
      " (min_position); try again or allow a longer deadline"));
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
    RETURN_IF_ERROR(ApplyTo(*log, *store, gen, page.events, page.next_position, nullptr));
    if (progress) progress(gen.next_position, total);
  }
  storage::KvStore::Batch done;
  done.puts.emplace_back(kActiveKey, gen.ActiveValue());
  done.puts.emplace_back(gen.PositionKey(), absl::StrCat(gen.next_position));
  return store->Write(done, /*sync=*/true);
}

}  // namespace scc::projections
