#include "services/server/institution_repository.h"

#include "services/server/event_codec.h"
#include "storage/status_macros.h"

namespace scc::server {

absl::StatusOr<std::vector<domain::StoredEvent>> InstitutionRepository::ReadFrom(
    const std::string& urn, uint64_t from_version) const {
  std::vector<domain::StoredEvent> events;
  std::optional<uint64_t> next = from_version;
  while (next) {
    absl::StatusOr<storage::StreamPage> page =
        log_->ReadStream(StreamName(urn), *next, storage::ReadDirection::kForwards, 1000);
    if (absl::IsNotFound(page.status())) return events;
    RETURN_IF_ERROR(page.status());
    for (const storage::RecordedEvent& recorded : page->events) {
      ASSIGN_OR_RETURN(domain::StoredEvent event, Decode(recorded));
      events.push_back(std::move(event));
    }
    next = page->next_version;
  }
  return events;
}

absl::StatusOr<std::shared_ptr<const domain::InstitutionState>> InstitutionRepository::Load(
    const std::string& urn) {
  std::shared_ptr<const domain::InstitutionState> cached;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(urn); it != cache_.end()) cached = it->second;
  }
  const uint64_t from = cached && cached->has_version() ? cached->version() + 1 : 0;
  ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> events, ReadFrom(urn, from));
  if (events.empty() && cached) return cached;

  std::shared_ptr<domain::InstitutionState> state;
  const bool refold = !cached || std::any_of(events.begin(), events.end(), domain::NeedsRefold);
  if (refold && from > 0) {
    ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> all, ReadFrom(urn, 0));
    state = std::make_shared<domain::InstitutionState>(domain::Fold(urn, all));
  } else if (refold) {
    state = std::make_shared<domain::InstitutionState>(domain::Fold(urn, events));
  } else {
    state = std::make_shared<domain::InstitutionState>(*cached);
    for (const domain::StoredEvent& e : events) domain::Evolve(*state, e);
  }
  absl::MutexLock lock(&mu_);
  auto& slot = cache_[urn];
  if (!slot || !slot->has_version() || state->version() > slot->version()) {
    slot = state;
  }
  return std::shared_ptr<const domain::InstitutionState>(state);
}

}  // namespace scc::server
