// AccessLog: the server's log, one JSON object per line on a stream (by default stderr): a line
// per call (time, level, method, peer, actor, role, institution, request id, status, latency,
// error) and free-form server messages. Levels: calls that succeed or are refused for the
// caller's input are "info", denied calls (UNAUTHENTICATED, PERMISSION_DENIED) "warn", server
// faults (UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS) "error". Lines below the configured level
// are dropped; denied calls are written even when call lines are turned off.
//
// Every line is valid JSON whatever the fields hold: strings are escaped as JSON (control
// characters as \u escapes, bytes that are not UTF-8 as U+FFFD) and each string is cut at
// kMaxFieldBytes (escaped) with a marker saying how much was cut, so no caller can make a line
// long: a line holds at most about 5 KB, a full queue about 20 MB.
//
// Writing is done by a thread of the log's own: Record, Info and Warn only queue the line and
// never wait for the stream. When `queue_lines` lines are waiting, further lines are dropped and
// counted (dropped_lines()); the next line written after that says how many. Thread-safe. The
// destructor writes every queued line before it returns.
#ifndef SCC_SERVICES_SERVER_ACCESS_LOG_H_
#define SCC_SERVICES_SERVER_ACCESS_LOG_H_

#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace scc::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(absl::string_view name);

// `text` as a JSON string (with its quotes), cut where the escaped text would pass `max_bytes`,
// with a marker saying how many bytes of `text` were left out.
std::string JsonString(absl::string_view text, size_t max_bytes);

struct AccessRecord {
  std::string method;
  std::string peer;
  std::string actor;
  std::string role;
  std::string urn;
  std::string request_id;
  absl::Duration latency;
  int role_code = 0;  // the v1::Role, for the read audit
};

class AccessLog {
 public:
  static constexpr size_t kMaxFieldBytes = 512;      // of any one string in a line
  static constexpr size_t kDefaultQueueLines = 4096;  // waiting to be written

  // `calls`: write a line per call (denied calls are written regardless).
  explicit AccessLog(FILE* out = stderr, bool calls = true, LogLevel level = LogLevel::kInfo,
                     size_t queue_lines = kDefaultQueueLines);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Record(const AccessRecord& record, const grpc::Status& status);
  // A free-form server message (start-up, token reloads, shutdown).
  void Info(const std::string& message) { Message(LogLevel::kInfo, message); }
  void Warn(const std::string& message) { Message(LogLevel::kWarn, message); }

  // Lines dropped since start because the queue was full.
  uint64_t dropped_lines() const;

 private:
  void Message(LogLevel level, const std::string& message);
  void Enqueue(std::string line);
  void WriteLoop();

  FILE* const out_;
  const bool calls_;
  const LogLevel level_;
  const size_t queue_lines_;

  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_unreported_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_ACCESS_LOG_H_
