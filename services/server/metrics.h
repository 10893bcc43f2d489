// Metrics: what the server did, in the Prometheus text format (version 0.0.4), served on a
// port of its own. Calls are counted by method and status and timed in histograms as the
// gateway finishes them; everything else (appends and group-commit sizes, projection lag,
// RocksDB figures, disk use, open watches, denied calls, projection failures, access-log lines
// dropped) is read when scraped. Thread-safe.
#ifndef SCC_SERVICES_SERVER_METRICS_H_
#define SCC_SERVICES_SERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "services/server/http_listener.h"

namespace httplib {
class Server;
}

namespace scc::storage {
class EventLog;
struct WriterRole;
}
namespace scc::projections {
class InstitutionProjection;
}

namespace scc::server {

class AccessLog;
class CallFrame;
class DeniedAttempts;
class WatchRegistry;

class CallMetrics {
 public:
  // Upper bounds (seconds) of the latency buckets.
  static constexpr std::array<double, 14> kLatencyBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void Record(const std::string& method, grpc::StatusCode code, absl::Duration latency);
  // Appends scc_calls_total and scc_call_duration_seconds.
  void Render(std::string* out) const;

 private:
  struct Latency {
    std::array<uint64_t, kLatencyBounds.size()> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  mutable absl::Mutex mu_;
  absl::btree_map<std::pair<std::string, std::string>, uint64_t> calls_ ABSL_GUARDED_BY(mu_);
  absl::btree_map<std::string, Latency> latency_ ABSL_GUARDED_BY(mu_);
};

// Why the event log refuses writes now, from its WriteState() and Role(): kNotWriter on a node
// that does not hold the writer role (a shared PostgreSQL log), else kVolumeFull for
// kResourceExhausted, kDiskError for any other error.
enum class WriteRefusal { kNone, kVolumeFull, kDiskError, kNotWriter };
WriteRefusal WriteRefusalOf(const absl::Status& write_state, const storage::WriterRole& role);
// The words operators see in the status and `sccctl health`: "data volume full", "disk error",
// "another node writes the event log", or "" for kNone.
const char* WriteRefusalWords(WriteRefusal refusal);

// What a scrape reads besides the call metrics; none may be null, all must outlive the server.
struct MetricSources {
  const CallMetrics* calls;
  const storage::EventLog* log;
  const projections::InstitutionProjection* projection;
  const WatchRegistry* watches;
  const DeniedAttempts* denied;
  const AccessLog* access_log;
  const CallFrame* frame;
  std::string data_dir;  // its size on disk is reported
};

// The whole exposition.
std::string RenderMetrics(const MetricSources& sources);

// An HTTP server answering GET /metrics (the exposition) and GET /healthz ("ok") on its own
// thread, under `limits` (http_listener.h; it reads no request bodies), so that slow clients of
// this port or of the HTTP gateway's cannot keep a liveness probe waiting. Stop() (or the
// destructor) ends it.
class MetricsServer {
 public:
  // Listens on `address` ("host:port", port 0 for any free one).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              MetricSources sources,
                                                              HttpLimits limits = {});
  ~MetricsServer();
  int port() const { return port_; }
  void Stop();

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_METRICS_H_
