#include "services/server/metrics.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "services/projections/institution_projection.h"
#include "services/server/access_log.h"
#include "services/server/call_frame.h"
#include "services/server/denied_attempts.h"
#include "services/server/watch_service.h"
#include "services/server/grpc_status.h"
#include "services/server/http_listener.h"
#include "storage/event_log.h"

namespace scc::server {
namespace {

void Header(std::string* out, const char* name, const char* type, const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void Sample(std::string* out, absl::string_view name, absl::string_view labels, double value) {
  absl::StrAppend(out, name, labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ", value,
                  "\n");
}

void Gauge(std::string* out, const char* name, const char* help, double value) {
  Header(out, name, "gauge", help);
  Sample(out, name, "", value);
}

void Counter(std::string* out, const char* name, const char* help, double value) {
  Header(out, name, "counter", help);
  Sample(out, name, "", value);
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const uintmax_t size = it->file_size(size_error);
      if (!size_error) total += size;
    }
  }
  return total;
}

}  // namespace

void CallMetrics::Record(const std::string& method, grpc::StatusCode code,
                         absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  const size_t bucket =
      std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds) -
      kLatencyBounds.begin();
  absl::MutexLock lock(&mu_);
  ++calls_[{method, StatusCodeName(code)}];
  Latency& l = latency_[method];
  if (bucket < l.buckets.size()) ++l.buckets[bucket];
  ++l.count;
  l.sum += seconds;
}

void CallMetrics::Render(std::string* out) const {
  absl::MutexLock lock(&mu_);
  Header(out, "scc_calls_total", "counter", "Calls finished, by RPC method and gRPC status.");
  for (const auto& [key, count] : calls_) {
    Sample(out, "scc_calls_total",
           absl::StrCat("method=\"", key.first, "\",status=\"", key.second, "\""), count);
  }
  Header(out, "scc_call_duration_seconds", "histogram",
         "Time from a call's arrival to its answer, by RPC method.");
  for (const auto& [method, l] : latency_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBounds.size(); ++i) {
      cumulative += l.buckets[i];
      Sample(out, "scc_call_duration_seconds_bucket",
             absl::StrCat("method=\"", method, "\",le=\"", kLatencyBounds[i], "\""), cumulative);
    }
    Sample(out, "scc_call_duration_seconds_bucket",
           absl::StrCat("method=\"", method, "\",le=\"+Inf\""), l.count);
    Sample(out, "scc_call_duration_seconds_sum", absl::StrCat("method=\"", method, "\""), l.sum);
    Sample(out, "scc_call_duration_seconds_count", absl::StrCat("method=\"", method, "\""),
           l.count);
  }
}

WriteRefusal WriteRefusalOf(const absl::Status& write_state, const storage::WriterRole& role) {
  if (write_state.ok()) return WriteRefusal::kNone;
  if (!role.writer) return WriteRefusal::kNotWriter;
  return absl::IsResourceExhausted(write_state) ? WriteRefusal::kVolumeFull
                                                : WriteRefusal::kDiskError;
}

const char* WriteRefusalWords(WriteRefusal refusal) {
  switch (refusal) {
    case WriteRefusal::kNone: return "";
    case WriteRefusal::kVolumeFull: return "data volume full";
    case WriteRefusal::kDiskError: return "disk error";
    case WriteRefusal::kNotWriter: return "another node writes the event log";
  }
  return "";
}

std::string RenderMetrics(const MetricSources& s) {
  std::string out;
  s.calls->Render(&out);

  const storage::CommitStats commits = s.log->Stats();
  const uint64_t next_position = s.log->NextPosition();
  Counter(&out, "scc_log_events_appended_total", "Events committed since start.", commits.events);
  Counter(&out, "scc_log_appends_total", "Appends (commands) committed since start.",
          commits.appends);
  Counter(&out, "scc_log_commit_failures_total", "Group commits that failed since start.",
          commits.failed_groups);
  Header(&out, "scc_log_group_commit_appends", "histogram",
         "Appends per synced write (group commit): larger groups share one fsync.");
  uint64_t cumulative = 0;
  const auto& bounds = storage::CommitStats::kGroupSizeBounds;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += commits.group_sizes[i];
    Sample(&out, "scc_log_group_commit_appends_bucket", absl::StrCat("le=\"", bounds[i], "\""),
           cumulative);
  }
  Sample(&out, "scc_log_group_commit_appends_bucket", "le=\"+Inf\"", commits.groups);
  Sample(&out, "scc_log_group_commit_appends_sum", "", commits.appends);
  Sample(&out, "scc_log_group_commit_appends_count", "", commits.groups);
  Gauge(&out, "scc_log_next_position", "Events in the log (the next global position).",
        next_position);

  const v1::ProjectionStatus projection = s.projection->Status();
  Gauge(&out, "scc_projection_applied_position", "Events the read models have applied.",
        projection.applied_position());
  Gauge(&out, "scc_projection_lag_events", "Events in the log the read models have not applied.",
        next_position > projection.applied_position()
            ? next_position - projection.applied_position()
            : 0);
  Gauge(&out, "scc_projection_rebuilding", "1 while the read models are being rebuilt.",
        projection.rebuilding() ? 1 : 0);
  Gauge(&out, "scc_projection_failing",
        "1 while the read models cannot apply events (they serve what was applied).",
        projection.error().empty() ? 0 : 1);
  Gauge(&out, "scc_projection_failed_attempts",
        "Attempts to apply events that failed since applying last worked.",
        projection.failed_attempts());
  Counter(&out, "scc_projection_failures_total",
          "Attempts to apply events that failed since start.", projection.failures_total());
  Counter(&out, "scc_projection_states_from_commands_total",
          "Institution states the read models took from the commands that left them, instead "
          "of folding the events again, since start.",
          projection.states_from_commands());

  static constexpr std::pair<const char*, const char*> kRocks[] = {
      {"rocksdb.estimate-live-data-size", "scc_rocksdb_live_data_bytes"},
      {"rocksdb.total-sst-files-size", "scc_rocksdb_sst_files_bytes"},
      {"rocksdb.cur-size-all-mem-tables", "scc_rocksdb_memtable_bytes"},
      {"rocksdb.estimate-num-keys", "scc_rocksdb_keys"},
      {"rocksdb.num-running-compactions", "scc_rocksdb_running_compactions"},
      {"rocksdb.num-running-flushes", "scc_rocksdb_running_flushes"},
  };
  for (const auto& [property, name] : kRocks) {
    if (std::optional<uint64_t> value = s.log->IntProperty(property)) {
      Gauge(&out, name, absl::StrCat("RocksDB ", property, " of the event log.").c_str(), *value);
    }
  }
  Gauge(&out, "scc_data_dir_bytes", "Bytes of files in the data directory.",
        DirectoryBytes(s.data_dir));
  if (absl::StatusOr<storage::VolumeSpace> space = s.log->Space(); space.ok()) {
    Gauge(&out, "scc_data_volume_free_bytes",
          "Bytes free for the server on the volume holding the event log.", space->free_bytes);
    Gauge(&out, "scc_data_volume_size_bytes", "Size of the volume holding the event log.",
          space->total_bytes);
  }
  const storage::WriterRole role = s.log->Role();
  Gauge(&out, "scc_log_writer",
        "1 while this node holds the event log's writer role (on PostgreSQL, the advisory "
        "lock; always 1 for a log directory).",
        role.writer ? 1 : 0);
  Gauge(&out, "scc_log_follow_age_seconds",
        "On a node that follows a shared log: seconds since it last read the committed head from "
        "the database (its view is no older; it reads every 250 ms). 0 on the writer.",
        role.writer ? 0.0 : std::min(absl::ToDoubleSeconds(absl::Now() - role.followed_at), 1e9));
  const WriteRefusal refusal = WriteRefusalOf(s.log->WriteState(), role);
  Header(&out, "scc_log_writes_refused", "gauge",
         "1 while the event log refuses appends after a failed write, by reason; writing "
         "resumes by itself.");
  Sample(&out, "scc_log_writes_refused", "reason=\"volume_full\"",
         refusal == WriteRefusal::kVolumeFull ? 1 : 0);
  Sample(&out, "scc_log_writes_refused", "reason=\"disk_error\"",
         refusal == WriteRefusal::kDiskError ? 1 : 0);
  Sample(&out, "scc_log_writes_refused", "reason=\"not_writer\"",
         refusal == WriteRefusal::kNotWriter ? 1 : 0);
  Gauge(&out, "scc_watch_streams_open", "Watch streams open now.", s.watches->open());
  Header(&out, "scc_denied_calls_total", "counter",
         "Calls refused for their credentials or by the authorization matrix.");
  Sample(&out, "scc_denied_calls_total", "reason=\"unauthenticated\"", s.denied->unauthenticated());
  Sample(&out, "scc_denied_calls_total", "reason=\"permission_denied\"",
         s.denied->permission_denied());
  Counter(&out, "scc_access_log_dropped_lines_total",
          "Log lines dropped because the log's queue was full (the stream took lines too slowly).",
          s.access_log->dropped_lines());
  s.frame->RenderMetrics(&out);
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                                    MetricSources sources,
                                                                    HttpLimits limits) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  limits.max_body_bytes = 0;
  server->http_ = NewLimitedHttpServer(limits);
  server->http_->Get("/metrics", [sources](const httplib::Request&, httplib::Response& response) {
    response.set_content(RenderMetrics(sources), "text/plain; version=0.0.4; charset=utf-8");
  });
  server->http_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  // 200 on the node that records commands, 503 on one that follows a shared log: a readiness
  // probe that sends traffic to the writer (docs/operations.md, deploy/k8s-postgres/).
  server->http_->Get("/healthz/writer",
                     [sources](const httplib::Request&, httplib::Response& response) {
                       const storage::WriterRole role = sources.log->Role();
                       response.status = role.writer ? 200 : 503;
                       response.set_content(
                           role.writer ? "writer\n"
                                       : absl::StrCat("follower; the writer is ",
                                                      role.holder.empty() ? "unknown" : role.holder,
                                                      "\n"),
                           "text/plain");
                     });
  absl::StatusOr<int> port =
      ListenInBackground(*server->http_, address, "--metrics-listen", &server->thread_);
  if (!port.ok()) return port.status();
  server->port_ = *port;
  return server;
}

void MetricsServer::Stop() {
  if (http_ != nullptr) StopListening(*http_, thread_);
}

MetricsServer::~MetricsServer() { Stop(); }

}  // namespace scc::server
