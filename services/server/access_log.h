// AccessLog: the server's log, one JSON object per line on a stream (by default stderr): a line
// per call (time, level, method, peer, actor, role, institution, request id, status, latency,
// error) and free-form server messages. Levels: calls that succeed or are refused for the
// caller's input are "info", denied calls (UNAUTHENTICATED, PERMISSION_DENIED) "warn", server
// faults (UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS) "error". Lines below the configured level
// are dropped; denied calls are written even when call lines are turned off. Thread-safe.
#ifndef SCC_SERVICES_SERVER_ACCESS_LOG_H_
#define SCC_SERVICES_SERVER_ACCESS_LOG_H_

#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace scc::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(absl::string_view name);

struct AccessRecord {
  std::string method;
  std::string peer;
  std::string actor;
  std::string role;
  std::string urn;
  std::string request_id;
  absl::Duration latency;
};

class AccessLog {
 public:
  // `calls`: write a line per call (denied calls are written regardless).
  explicit AccessLog(FILE* out = stderr, bool calls = true, LogLevel level = LogLevel::kInfo)
      : out_(out), calls_(calls), level_(level) {}
  void Record(const AccessRecord& record, const grpc::Status& status);
  // A free-form server message (start-up, token reloads, shutdown).
  void Info(const std::string& message) { Message(LogLevel::kInfo, message); }
  void Warn(const std::string& message) { Message(LogLevel::kWarn, message); }

 private:
  void Message(LogLevel level, const std::string& message);
  void Write(const std::string& line);

  FILE* const out_;
  const bool calls_;
  const LogLevel level_;
  absl::Mutex mu_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_ACCESS_LOG_H_
