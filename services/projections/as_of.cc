#include "services/projections/as_of.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/codec/event_codec.h"
#include "storage/status_macros.h"

namespace scc::projections {

bool TimeFilter::Known(const storage::RecordedEvent& recorded) const {
  return !known_at || recorded.recorded_at <= *known_at;
}

absl::StatusOr<domain::InstitutionState> FoldAsOf(const storage::EventLog& log,
                                                  const std::string& urn,
                                                  const TimeFilter& filter) {
  std::vector<domain::StoredEvent> accepted;
  std::optional<uint64_t> next = 0;
  while (next) {
    absl::StatusOr<storage::StreamPage> page =
        log.ReadStream(codec::StreamName(urn), *next, storage::ReadDirection::kForwards, 1000);
    if (absl::IsNotFound(page.status())) break;
    RETURN_IF_ERROR(page.status());
    for (const storage::RecordedEvent& recorded : page->events) {
      ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
      if (filter.Known(recorded)) accepted.push_back(std::move(event));
    }
    next = page->next_version;
  }
  return domain::Fold(urn, accepted, {}, filter.as_of.value_or(""));
}

absl::StatusOr<absl::btree_map<std::string, domain::InstitutionState>> FoldAllAsOf(
    const storage::EventLog& log, const TimeFilter& filter, uint64_t end_position,
    absl::Time deadline) {
  absl::flat_hash_map<std::string, std::vector<domain::StoredEvent>> streams;
  for (uint64_t position = 0; position < end_position;) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "folding the log as of a date took longer than allowed (", position, " of ",
          end_position, " events read); ask for a longer deadline"));
    }
    ASSIGN_OR_RETURN(storage::AllPage page,
                     log.ReadAll(position, std::min<uint64_t>(5000, end_position - position)));
    if (page.events.empty()) break;
    for (const storage::RecordedEvent& recorded : page.events) {
      const std::string urn = codec::UrnOfStream(recorded.stream);
      if (urn.empty()) continue;
      ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
      if (filter.Known(recorded)) streams[urn].push_back(std::move(event));
    }
    position = page.next_position;
  }
  absl::btree_map<std::string, domain::InstitutionState> states;
  for (auto& [urn, events] : streams) states.emplace(urn, domain::Fold(urn, events, {}, filter.as_of.value_or("")));
  return states;
}

}  // namespace scc::projections
