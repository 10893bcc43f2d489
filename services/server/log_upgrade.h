// Upgrading a log of store format 1 so that its records can be redacted field by field, and
// proving afterwards that the upgraded log is the old one (docs/data-protection.md).
//
// UpgradeLog verifies the old log whole, then writes every record again into a new log at the
// same position, stream, version, commit time and request id, its personal data in sections
// (codec::Encode) and its old chain hash in its metadata (legacy_hash), so the new chain binds
// every old hash and the old head. RebuildLegacyChain rebuilds each upgraded record's old bytes
// from the new one and checks each old link: the old head it ends on must be the head recorded
// before the upgrade. A record a redaction has changed since cannot be rebuilt; its stored old
// hash (which the new chain proves unchanged) carries the chain on. Blocking; single-threaded.
#ifndef SCC_SERVICES_SERVER_LOG_UPGRADE_H_
#define SCC_SERVICES_SERVER_LOG_UPGRADE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "storage/event_log.h"

namespace scc::server {

struct UpgradeReport {
  uint64_t records = 0;
  std::string old_head;  // hex
  std::string new_head;  // hex
};

// Writes `from`'s records into a new log at `to` (which must not exist). FAILED_PRECONDITION
// when `from` does not verify or was upgraded already.
absl::StatusOr<UpgradeReport> UpgradeLog(const std::string& from, const std::string& to);

struct LegacyChain {
  std::string head;        // hex; empty when the log holds no upgraded record
  uint64_t checked = 0;    // old links rebuilt and found good
  uint64_t redacted = 0;   // records changed by a redaction since the upgrade
  std::string problem;     // the first link that does not hold, with its position
};
absl::StatusOr<LegacyChain> RebuildLegacyChain(const storage::EventLog& log);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_LOG_UPGRADE_H_
