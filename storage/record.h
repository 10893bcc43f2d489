// The byte encodings of the event log (documented in storage/FORMAT.md; keep the two in step).
// Pure functions, thread-safe.
#ifndef SCC_STORAGE_RECORD_H_
#define SCC_STORAGE_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event.h"

namespace scc::storage {

inline constexpr uint8_t kRecordFormatVersion = 1;  // first byte of an event record without sections
inline constexpr uint8_t kSectionedRecordFormat = 2;  // first byte of one with sections or erasures
inline constexpr uint32_t kStoreFormatVersion = 2;  // meta key "format"
inline constexpr uint32_t kOldestStoreFormat = 1;   // a store of format 1 opens and becomes 2
inline constexpr size_t kSectionSaltSize = 16;      // random bytes before a section's digest
inline constexpr size_t kHashSize = 32;             // SHA-256
inline constexpr size_t kFingerprintSize = 16;      // truncated SHA-256 of an Append's content

// Column families (FORMAT.md "Column families").
inline constexpr char kEventsFamily[] = "events";
inline constexpr char kStreamsFamily[] = "streams";
inline constexpr char kRequestsFamily[] = "requests";
inline constexpr char kMetaFamily[] = "meta";
// Every column family, in the order the log opens them (handle index = position here).
inline constexpr const char* kColumnFamilies[] = {"default", kEventsFamily, kStreamsFamily,
                                                  kRequestsFamily, kMetaFamily};
inline constexpr char kMetaFormatKey[] = "format";
inline constexpr char kMetaHeadKey[] = "head";

// The hash that precedes position 0 in the chain.
const std::string& GenesisHash();

// Keys.
std::string PositionKey(uint64_t position);  // 8 bytes big-endian: byte order == numeric order
absl::StatusOr<uint64_t> DecodePositionKey(absl::string_view key);
std::string StreamIndexKey(absl::string_view stream, uint64_t version);  // stream 0x00 version-BE
std::string StreamIndexPrefix(absl::string_view stream);                  // stream 0x00
absl::StatusOr<uint64_t> DecodeStreamIndexVersion(absl::string_view key);

// The canonical bytes of a record: everything the hash covers (all fields but `hash` and the
// stored sections, which it covers through `section_digests`). Format 2 when the record has
// section digests or erasures, else format 1.
std::string CanonicalRecordBytes(const RecordedEvent& event);
// SHA-256(salt || bytes): what the canonical bytes hold of a section.
std::string SectionDigest(absl::string_view salt, absl::string_view bytes);
// SHA-256(prev_hash || canonical).
std::string ChainHash(absl::string_view prev_hash, absl::string_view canonical);
// canonical || hash || crc32c(canonical || hash). REQUIRES: hash.size() == kHashSize.
std::string SealRecord(std::string canonical, absl::string_view hash);
// canonical || hash || crc, then for format 2 the stored sections and their own CRC-32C.
std::string EncodeRecord(const RecordedEvent& event);
// The stored sections of a format-2 record: what follows its sealed canonical bytes.
std::string EncodeSections(const std::vector<Section>& sections);
// Checks the checksum and the format, then parses. kDataLoss names what is wrong.
absl::StatusOr<RecordedEvent> DecodeRecord(absl::string_view value);
// The same, with views into `value` instead of copies (valid while `value` is).
absl::StatusOr<RecordView> DecodeRecordView(absl::string_view value);

// Identifies the content of an Append (stream and events) for request_id checks.
std::string AppendFingerprint(absl::string_view stream, const std::vector<EventData>& events);

// The stored result of an Append with a request_id (FORMAT.md "requests").
struct StoredRequest {
  std::string stream;
  std::string fingerprint;  // kFingerprintSize bytes
  AppendResult result;
};
std::string EncodeStoredRequest(const StoredRequest& request);
absl::StatusOr<StoredRequest> DecodeStoredRequest(absl::string_view value);

// The log's head (FORMAT.md "meta"): how many events exist and the hash of the last one.
struct Head {
  uint64_t next_position = 0;
  std::string last_hash;  // GenesisHash() when empty
  absl::Time last_recorded_at = absl::UnixEpoch();
};
std::string EncodeHead(const Head& head);
absl::StatusOr<Head> DecodeHead(absl::string_view value);

}  // namespace scc::storage

#endif  // SCC_STORAGE_RECORD_H_
