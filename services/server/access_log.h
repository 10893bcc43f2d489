// AccessLog: one JSON line per request (method, peer, caller, institution, status, latency) on
// a stream, by default stderr. Denied calls (UNAUTHENTICATED, PERMISSION_DENIED) are written even
// when the log is disabled. Thread-safe.
#ifndef SCC_SERVICES_SERVER_ACCESS_LOG_H_
#define SCC_SERVICES_SERVER_ACCESS_LOG_H_

#include <cstdio>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace scc::server {

struct AccessRecord {
  std::string method;
  std::string peer;
  std::string user;
  std::string role;
  std::string urn;
  std::string request_id;
  absl::Duration latency;
};

class AccessLog {
 public:
  explicit AccessLog(FILE* out = stderr, bool enabled = true) : out_(out), enabled_(enabled) {}
  void Record(const AccessRecord& record, const grpc::Status& status);
  // A free-form server message (start-up, shutdown), as a JSON line too.
  void Info(const std::string& message);

 private:
  FILE* const out_;
  const bool enabled_;
  absl::Mutex mu_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_ACCESS_LOG_H_
