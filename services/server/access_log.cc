#include "services/server/access_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/server/grpc_status.h"

namespace scc::server {
namespace {

std::string Quote(absl::string_view s) { return JsonString(s, AccessLog::kMaxFieldBytes); }

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF); 0 when it is not one.
size_t Utf8Length(absl::string_view s) {
  const auto byte = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto tail = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char b = byte(0);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return tail(1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    if (!tail(1) || !tail(2)) return 0;
    if (b == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (b == 0xED && byte(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    if (!tail(1) || !tail(2) || !tail(3)) return 0;
    if (b == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (b == 0xF4 && byte(1) > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

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

std::string JsonString(absl::string_view text, size_t max_bytes) {
  std::string out = "\"";
  std::string piece;
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = Utf8Length(text.substr(i));
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (length == 0) {
      piece = "\\ufffd";  // not UTF-8
    } else if (length > 1) {
      piece.assign(text.data() + i, length);
    } else if (c == '"' || c == '\\') {
      piece = {'\\', static_cast<char>(c)};
    } else if (c == '\n') {
      piece = "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      piece = absl::StrFormat("\\u%04x", c);
    } else {
      piece.assign(1, static_cast<char>(c));
    }
    if (out.size() - 1 + piece.size() > max_bytes) break;
    out += piece;
    i += std::max<size_t>(length, 1);
  }
  if (i < text.size()) absl::StrAppend(&out, "...[cut ", text.size() - i, " bytes]");
  out += '"';
  return out;
}

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
  Enqueue(absl::StrFormat(
      "{\"time\":%s,\"level\":\"%s\",\"method\":%s,\"peer\":%s,\"actor\":%s,\"role\":%s,"
      "\"urn\":%s,\"request_id\":%s,\"status\":%s,\"latency_ms\":%.3f%s}\n",
      Quote(Now()), LevelName(level), Quote(r.method), Quote(r.peer), Quote(r.actor),
      Quote(r.role), Quote(r.urn), Quote(r.request_id), Quote(StatusCodeName(status.error_code())),
      absl::ToDoubleMilliseconds(r.latency),
      status.ok() ? "" : absl::StrCat(",\"error\":", Quote(status.error_message()))));
}

void AccessLog::Message(LogLevel level, const std::string& message) {
  if (level < level_) return;
  Enqueue(absl::StrCat("{\"time\":", Quote(Now()), ",\"level\":\"", LevelName(level),
                       "\",\"message\":", Quote(message), "}\n"));
}

AccessLog::AccessLog(FILE* out, bool calls, LogLevel level, size_t queue_lines)
    : out_(out), calls_(calls), level_(level), queue_lines_(std::max<size_t>(queue_lines, 1)) {
  writer_ = std::thread([this] { WriteLoop(); });
}

AccessLog::~AccessLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

uint64_t AccessLog::dropped_lines() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void AccessLog::Enqueue(std::string line) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= queue_lines_) {
    ++dropped_;
    ++dropped_unreported_;
    return;
  }
  queue_.push_back(std::move(line));
}

void AccessLog::WriteLoop() {
  for (;;) {
    std::deque<std::string> lines;
    uint64_t dropped = 0;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](AccessLog* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->mu_) {
            return !log->queue_.empty() || log->dropped_unreported_ > 0 || log->stopping_;
          },
          this));
      lines.swap(queue_);
      std::swap(dropped, dropped_unreported_);
      stopping = stopping_;
    }
    for (const std::string& line : lines) std::fputs(line.c_str(), out_);
    if (dropped > 0) {
      std::fputs(absl::StrCat("{\"time\":", Quote(Now()),
                              ",\"level\":\"warn\",\"message\":\"log queue full: lines dropped\","
                              "\"dropped_lines\":", dropped, "}\n")
                     .c_str(),
                 out_);
    }
    std::fflush(out_);
    if (stopping) return;
  }
}

}  // namespace scc::server
