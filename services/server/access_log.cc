#include "services/server/access_log.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/server/grpc_status.h"

namespace scc::server {
namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", absl::CEscape(s), "\""); }

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

LogLevel LevelOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return LogLevel::kWarn;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return LogLevel::kError;
    default:
      return LogLevel::kInfo;
  }
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(absl::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LevelName(level)) return level;
  }
  return std::nullopt;
}

void AccessLog::Record(const AccessRecord& r, const grpc::Status& status) {
  const LogLevel level = LevelOf(status.error_code());
  const bool denied = level == LogLevel::kWarn;
  if ((!calls_ && !denied) || level < level_) return;
  Write(absl::StrFormat(
      "{\"time\":%s,\"level\":\"%s\",\"method\":%s,\"peer\":%s,\"actor\":%s,\"role\":%s,"
      "\"urn\":%s,\"request_id\":%s,\"status\":%s,\"latency_ms\":%.3f%s}\n",
      Quote(Now()), LevelName(level), Quote(r.method), Quote(r.peer), Quote(r.actor),
      Quote(r.role), Quote(r.urn), Quote(r.request_id), Quote(StatusCodeName(status.error_code())),
      absl::ToDoubleMilliseconds(r.latency),
      status.ok() ? "" : absl::StrCat(",\"error\":", Quote(status.error_message()))));
}

void AccessLog::Message(LogLevel level, const std::string& message) {
  if (level < level_) return;
  Write(absl::StrCat("{\"time\":", Quote(Now()), ",\"level\":\"", LevelName(level),
                     "\",\"message\":", Quote(message), "}\n"));
}

void AccessLog::Write(const std::string& line) {
  absl::MutexLock lock(&mu_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

}  // namespace scc::server
