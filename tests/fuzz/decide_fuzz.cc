// libFuzzer target: command validation and the workflow rules (services/domain Decide, then
// Evolve) on arbitrary states and commands. Input: one role byte, then the institution state, the
// command context and the payload as length-prefixed protobuf bytes. Decide must never crash;
// what it accepts must be at least one event, and evolving the state by them must not crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "services/domain/decide.h"
#include "services/domain/evolve.h"

namespace {

// The next chunk: a 16-bit little-endian length, then that many bytes (fewer at the end).
absl::string_view Chunk(absl::string_view& in) {
  if (in.size() < 2) return in.substr(in.size());
  const size_t n = static_cast<uint8_t>(in[0]) | (static_cast<size_t>(static_cast<uint8_t>(in[1])) << 8);
  in.remove_prefix(2);
  const absl::string_view chunk = in.substr(0, n);
  in.remove_prefix(chunk.size());
  return chunk;
}

}  // namespace

// Invalid UTF-8 in string fields is an expected parse failure here, not news.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = scc::domain;
  if (size < 1) return 0;
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  d::InstitutionState state;
  d::Command command;
  const absl::string_view state_bytes = Chunk(in), context_bytes = Chunk(in);
  if (!state.ParseFromArray(state_bytes.data(), static_cast<int>(state_bytes.size())) ||
      !command.context.ParseFromArray(context_bytes.data(), static_cast<int>(context_bytes.size())) ||
      !command.payload.ParseFromArray(in.data(), static_cast<int>(in.size()))) {
    return 0;
  }
  command.role = static_cast<scc::v1::Role>(data[0] % 8);
  command.actor = "fuzz";
  (void)d::AllowedNextSteps(state);
  absl::StatusOr<std::vector<scc::v1::EventPayload>> events =
      d::Decide(state, command, absl::CivilDay(2026, 11, 23));
  if (!events.ok()) return 0;
  if (events->empty()) std::abort();
  uint64_t version = state.has_version() ? state.version() + 1 : 0;
  for (scc::v1::EventPayload& payload : *events) {
    d::StoredEvent stored;
    stored.version = version++;
    stored.payload = std::move(payload);
    stored.metadata.set_effective_date(d::EffectiveDate(command, absl::CivilDay(2026, 11, 23)));
    d::Evolve(state, stored);
  }
  return 0;
}
