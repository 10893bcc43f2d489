// Subscription: an ordered feed of committed events from a global position, first catching up
// on history, then delivering live events as they commit. Waiting is by notification from the
// writer (no polling).
//
// Thread safety: Next is called by one consumer thread at a time; Cancel may be called from any
// thread, at any time, also while Next blocks. Lifetime: must be destroyed before its EventLog.
#ifndef SCC_STORAGE_SUBSCRIPTION_H_
#define SCC_STORAGE_SUBSCRIPTION_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/event.h"

namespace scc::storage {

class EventLog;

class Subscription {
 public:
  Subscription(const EventLog* log, uint64_t from_position) : log_(log), next_(from_position) {}

  // Returns the next events in position order (at most `max_count`, at least one), waiting until
  // one commits. Returns an empty vector when `deadline` passes first, and kCancelled once Cancel
  // was called or the log is closing. Every committed event is delivered exactly once, in order.
  absl::StatusOr<std::vector<RecordedEvent>> Next(size_t max_count, absl::Time deadline);

  // Makes a blocked or future Next return kCancelled. Idempotent.
  void Cancel();

  // The position of the next event Next will deliver.
  uint64_t position() const { return next_.load(); }

 private:
  const EventLog* const log_;
  std::atomic<uint64_t> next_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace scc::storage

#endif  // SCC_STORAGE_SUBSCRIPTION_H_
