#include "services/server/log_upgrade.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/codec/event_codec.h"
#include "storage/record.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

// The record as store format 1 wrote it, from its decoded content: the payload and the
// metadata as they were (sections back in place, no section paths, no legacy hash).
storage::RecordedEvent OldRecord(const storage::RecordedEvent& now, const domain::StoredEvent& e) {
  storage::RecordedEvent old;
  old.position = now.position;
  old.stream = now.stream;
  old.version = now.version;
  old.recorded_at = now.recorded_at;
  old.type = now.type;
  old.request_id = now.request_id;
  v1::EventMetadata metadata = e.metadata;
  metadata.clear_section_paths();
  metadata.clear_legacy_hash();
  old.metadata = codec::DeterministicBytes(metadata);
  old.data = codec::DeterministicBytes(e.payload);
  return old;
}

}  // namespace

absl::StatusOr<UpgradeReport> UpgradeLog(const std::string& from, const std::string& to) {
  if (std::filesystem::exists(to)) {
    return absl::FailedPreconditionError(absl::StrCat(to, " exists already"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<storage::EventLog> old, storage::EventLog::Open(from));
  ASSIGN_OR_RETURN(storage::VerifyReport verified,
                   old->Verify(0, std::numeric_limits<uint64_t>::max()));
  if (!verified.ok) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the log to upgrade does not verify at position ",
        verified.first_bad_position.value_or(0), ": ", verified.problem));
  }
  // Each record keeps its commit time: the new log's clock is the record being written.
  absl::Time writing = absl::UnixEpoch();
  storage::EventLogOptions options;
  options.clock = [&writing] { return writing; };
  ASSIGN_OR_RETURN(std::unique_ptr<storage::EventLog> upgraded,
                   storage::EventLog::Open(to, options));
  UpgradeReport report;
  report.old_head = absl::BytesToHexString(old->HeadHash());
  for (uint64_t next = 0; next < old->NextPosition();) {
    ASSIGN_OR_RETURN(storage::AllPage page, old->ReadAll(next, 1000));
    // One append per original append: the events of one stream with one request id, in order.
    for (size_t i = 0; i < page.events.size();) {
      const storage::RecordedEvent& first = page.events[i];
      std::vector<storage::EventData> events;
      size_t j = i;
      for (; j < page.events.size(); ++j) {
        const storage::RecordedEvent& r = page.events[j];
        if (j > i && (first.request_id.empty() || r.request_id != first.request_id ||
                      r.stream != first.stream)) {
          break;
        }
        if (!r.section_digests.empty() || !r.erases.empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "position ", r.position, " is in store format 2 already: nothing to upgrade"));
        }
        ASSIGN_OR_RETURN(domain::StoredEvent e, codec::Decode(r));
        e.metadata.set_legacy_hash(absl::BytesToHexString(r.hash));
        events.push_back(codec::Encode(e.payload, e.metadata));
      }
      writing = first.recorded_at;
      ASSIGN_OR_RETURN(storage::AppendResult appended,
                       upgraded->Append(first.stream, storage::ExpectedVersion::Any(),
                                        std::move(events), first.request_id));
      if (appended.first_position != first.position) {
        return absl::InternalError(absl::StrCat("position ", first.position, " was written at ",
                                                appended.first_position));
      }
      i = j;
    }
    next = page.next_position;
    if (page.events.empty()) break;
  }
  report.records = upgraded->NextPosition();
  report.new_head = absl::BytesToHexString(upgraded->HeadHash());
  ASSIGN_OR_RETURN(LegacyChain legacy, RebuildLegacyChain(*upgraded));
  if (!legacy.problem.empty() || legacy.head != report.old_head) {
    return absl::InternalError(absl::StrCat("the upgraded log does not rebuild the old chain: ",
                                            legacy.problem.empty() ? "another head" : legacy.problem));
  }
  return report;
}

absl::StatusOr<LegacyChain> RebuildLegacyChain(const storage::EventLog& log) {
  LegacyChain chain;
  std::string previous = storage::GenesisHash();
  for (uint64_t next = 0; next < log.NextPosition();) {
    ASSIGN_OR_RETURN(storage::AllPage page, log.ReadAll(next, 1000));
    for (const storage::RecordedEvent& r : page.events) {
      ASSIGN_OR_RETURN(domain::StoredEvent e, codec::Decode(r));
      if (e.metadata.legacy_hash().empty()) continue;  // written after the upgrade
      const std::string& hex = e.metadata.legacy_hash();
      std::string stored = absl::HexStringToBytes(hex);
      if (hex.size() != 2 * storage::kHashSize ||
          !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
        chain.problem = absl::StrCat("position ", r.position, ": its old hash is not a hash");
        return chain;
      }
      if (!e.redacted.empty()) {
        ++chain.redacted;  // its old bytes are partly gone; the new chain vouches for `stored`
      } else if (storage::ChainHash(previous, storage::CanonicalRecordBytes(OldRecord(r, e))) !=
                 stored) {
        chain.problem = absl::StrCat("position ", r.position,
                                     ": its old bytes do not give its old hash");
        return chain;
      } else {
        ++chain.checked;
      }
      previous = std::move(stored);
    }
    next = page.next_position;
    if (page.events.empty()) break;
  }
  if (chain.checked + chain.redacted > 0) chain.head = absl::BytesToHexString(previous);
  return chain;
}

}  // namespace scc::server
