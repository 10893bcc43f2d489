// libFuzzer target: the event log's decoders (storage/record.h) on arbitrary bytes, as a damaged
// or hostile data directory would hand them over. They must never crash or read out of bounds,
// and a record they accept must encode back to bytes that decode to the same record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storage/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace st = scc::storage;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)st::DecodeRecordView(bytes);
  (void)st::DecodeStoredRequest(bytes);
  (void)st::DecodeHead(bytes);
  (void)st::DecodePositionKey(bytes);
  (void)st::DecodeStreamIndexVersion(bytes);
  absl::StatusOr<st::RecordedEvent> record = st::DecodeRecord(bytes);
  if (!record.ok()) return 0;
  const std::string encoded = st::EncodeRecord(*record);
  absl::StatusOr<st::RecordedEvent> again = st::DecodeRecord(encoded);
  if (!again.ok() || st::EncodeRecord(*again) != encoded) std::abort();
  return 0;
}
