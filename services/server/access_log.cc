#include "services/server/access_log.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace scc::server {
namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", absl::CEscape(s), "\""); }

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
}

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK",           "CANCELLED",         "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "UNKNOWN";
}

}  // namespace

void AccessLog::Record(const AccessRecord& r, const grpc::Status& status) {
  const bool denied = status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                      status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
  if (!enabled_ && !denied) return;
  const std::string line = absl::StrFormat(
      "{\"time\":%s,\"method\":%s,\"peer\":%s,\"user\":%s,\"role\":%s,\"urn\":%s,"
      "\"request_id\":%s,\"status\":%s,\"latency_ms\":%.3f%s}\n",
      Quote(Now()), Quote(r.method), Quote(r.peer), Quote(r.user), Quote(r.role), Quote(r.urn),
      Quote(r.request_id), Quote(CodeName(status.error_code())),
      absl::ToDoubleMilliseconds(r.latency),
      status.ok() ? "" : absl::StrCat(",\"error\":", Quote(status.error_message())));
  absl::MutexLock lock(&mu_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void AccessLog::Info(const std::string& message) {
  const std::string line =
      absl::StrCat("{\"time\":", Quote(Now()), ",\"message\":", Quote(message), "}\n");
  absl::MutexLock lock(&mu_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

}  // namespace scc::server
