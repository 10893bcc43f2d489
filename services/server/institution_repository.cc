#include "services/server/institution_repository.h"

#include "services/codec/event_codec.h"
#include "storage/status_macros.h"

namespace scc::server {

absl::StatusOr<std::shared_ptr<const domain::InstitutionState>> InstitutionRepository::Load(
    const std::string& urn, Freshness freshness) {
  std::shared_ptr<const domain::InstitutionState> cached;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(urn); it != cache_.end()) cached = it->second;
  }
  if (cached && freshness == Freshness::kCached) return cached;
  const uint64_t from = cached && cached->has_version() ? cached->version() + 1 : 0;
  ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> events, codec::ReadInstitution(*log_, urn, from));
  if (events.empty() && cached) return cached;

  std::shared_ptr<domain::InstitutionState> state;
  const bool refold = !cached || std::any_of(events.begin(), events.end(), domain::NeedsRefold);
  if (refold && from > 0) {
    ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> all, codec::ReadInstitution(*log_, urn, 0));
    state = std::make_shared<domain::InstitutionState>(domain::Fold(urn, all));
  } else if (refold) {
    state = std::make_shared<domain::InstitutionState>(domain::Fold(urn, events));
  } else {
    state = std::make_shared<domain::InstitutionState>(*cached);
    for (const domain::StoredEvent& e : events) domain::Evolve(*state, e);
  }
  Remember(urn, state);
  return std::shared_ptr<const domain::InstitutionState>(state);
}

void InstitutionRepository::Remember(const std::string& urn,
                                     std::shared_ptr<const domain::InstitutionState> state) {
  absl::MutexLock lock(&mu_);
  auto& slot = cache_[urn];
  if (!slot || !slot->has_version() || state->version() > slot->version()) {
    slot = std::move(state);
  }
}

void InstitutionRepository::Forget(const std::string& urn) {
  absl::MutexLock lock(&mu_);
  cache_.erase(urn);
}

void InstitutionRepository::Expect(const std::string& request_id, const std::string& urn,
                                   const storage::EventData& last_event,
                                   std::shared_ptr<const domain::InstitutionState> after) {
  Expected expected{urn, last_event.data, last_event.metadata, std::move(after)};
  absl::MutexLock lock(&mu_);
  expected_.insert_or_assign(request_id, std::move(expected));
}

void InstitutionRepository::Settle(const std::string& request_id,
                                   const domain::InstitutionState* after) {
  absl::MutexLock lock(&mu_);
  auto it = expected_.find(request_id);
  if (it != expected_.end() && it->second.after.get() == after) expected_.erase(it);
}

std::shared_ptr<const domain::InstitutionState> InstitutionRepository::Committed(
    const std::string& urn, const storage::RecordedEvent& last) {
  absl::MutexLock lock(&mu_);
  if (!last.request_id.empty()) {
    auto it = expected_.find(last.request_id);
    // The same bytes name the same command (its hash is in the metadata) decided against the
    // same version (the append's exact expected version): the same state.
    if (it != expected_.end() && it->second.urn == urn && it->second.after->has_version() &&
        it->second.after->version() == last.version && it->second.last_data == last.data &&
        it->second.last_metadata == last.metadata) {
      return it->second.after;
    }
  }
  return nullptr;
}

}  // namespace scc::server
