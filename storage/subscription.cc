#include "storage/subscription.h"

#include "storage/event_log.h"

namespace scc::storage {

absl::StatusOr<std::vector<RecordedEvent>> Subscription::Next(size_t max_count,
                                                              absl::Time deadline) {
  if (max_count == 0) return absl::InvalidArgumentError("max_count must be positive");
  const uint64_t from = next_.load();
  const absl::Status waited = log_->WaitForPosition(from, deadline, &cancelled_);
  if (absl::IsDeadlineExceeded(waited)) return std::vector<RecordedEvent>{};
  if (!waited.ok()) return waited;
  absl::StatusOr<AllPage> page = log_->ReadAll(from, max_count);
  if (!page.ok()) return page.status();
  next_.store(page->next_position);
  return std::move(page->events);
}

void Subscription::Cancel() {
  cancelled_.store(true);
  log_->WakeWaiters();
}

}  // namespace scc::storage
