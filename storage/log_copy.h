// Copying an event log between its homes (a directory and a PostgreSQL database), record for
// record: the copy keeps every position, hash, section and stored request, so it continues the
// same chain and answers the same retries. Offline: nothing may write the source meanwhile.
#ifndef SCC_STORAGE_LOG_COPY_H_
#define SCC_STORAGE_LOG_COPY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace scc::storage {

struct CopyReport {
  uint64_t records = 0;
  std::string head_hash;  // of both logs
};

// Verifies the log at `from` whole, writes it into the empty log at `to` (created if missing),
// verifies the copy whole and checks that both end in the same head. kDataLoss when either check
// fails (the copy is then removed, for a directory), kFailedPrecondition when `to` holds a log.
absl::StatusOr<CopyReport> CopyEventLog(const std::string& from, const std::string& to);

}  // namespace scc::storage

#endif  // SCC_STORAGE_LOG_COPY_H_
