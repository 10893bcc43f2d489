// Private to the event log's own files (rocks_event_log*.cc): the appends and groups its write
// pipeline hands between threads, and a helper to read RocksDB's slices. Not for other code.
#ifndef SCC_STORAGE_ROCKS_EVENT_LOG_INTERNAL_H_
#define SCC_STORAGE_ROCKS_EVENT_LOG_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/container/flat_hash_map.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "storage/rocks_event_log.h"

namespace scc::storage {

// The appends the sequencer decided together and the one WriteBatch that commits them.
struct RocksEventLog::PreparedGroup {
  uint64_t seq = 0;
  std::vector<QueuedAppend> appends;
  rocksdb::WriteBatch batch;
  uint64_t first_position = 0;
  uint64_t end_position = 0;  // next position once committed
  std::string end_hash;
  absl::Time end_recorded_at;
  // Committed records whose sections appends of this group erase, as they will be written.
  absl::flat_hash_map<uint64_t, RecordedEvent> erased_in_group;
};

inline absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace scc::storage

#endif  // SCC_STORAGE_ROCKS_EVENT_LOG_INTERNAL_H_
