// Side by side, in one run on this machine: durable SCC commands through sccd (one per call,
// and many per call through BulkService) against the systems a user might pick instead, at the
// same concurrency, payload size and durability — a no-op gRPC server built with the same gRPC
// (the RPC ceiling), raw RocksDB sync WriteBatch (the storage ceiling), PostgreSQL and Redis.
// Then what a deployment needs to know: bytes per event on disk, projection lag under load, and
// sccd's start-up time and memory on a 10M-event log. And sccd with its event log in PostgreSQL
// (--log) beside sccd on RocksDB and raw PostgreSQL, with how long writing stops when the writer
// sccd, or the database primary, is SIGKILLed.
//
// Prints Markdown tables, writes bench-results/side_by_side.{md,json}. `make bench` runs it.
// With --postgres-log-only: only sccd on RocksDB, sccd on PostgreSQL, raw PostgreSQL and the
// failovers, into bench-results/postgres_log.{md,json}.
// Usage: side_by_side_bench [--out DIR] [--seconds 5] [--in-flight 1,16,64,256]
//          [--institutions 6000] [--bulk-batch 1000] [--bulk-in-flight 1,4,8]
//          [--big-log-events 10000000] [--skip-peers] [--skip-big-log] [--postgres-log-only]
//        side_by_side_bench --serve-noop   (the no-op gRPC server; the benchmark starts it)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/command_wire.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/bulk.grpc.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/bench/load.h"
#include "tests/bench/machine.h"
#include "tests/bench/peers.h"
#include "tests/bench/scc_workload.h"
#include "tests/bench/sccd_figures.h"
#include "tests/integration/sccd_process.h"

namespace {

using namespace scc;  // NOLINT
using bench::LoadResult;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string out = "bench-results";
  int seconds = 5;
  std::vector<int> in_flight = {1, 16, 64, 256};
  int institutions = 6000;
  int bulk_batch = 1000;
  std::vector<int> bulk_in_flight = {1, 4, 8};
  uint64_t big_log_events = 10'000'000;
  bool peers = true;
  bool big_log = true;
  bool postgres_log_only = false;
};

// ---- the no-op server ------------------------------------------------------------------------

// Answers every call, whatever its method, with an empty message: what gRPC itself costs.
class NoopReactor final : public grpc::ServerGenericBidiReactor {
 public:
  NoopReactor() {
    grpc::Slice empty("");
    response_ = grpc::ByteBuffer(&empty, 1);  // an empty message (a buffer with no slice is invalid)
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (ok) {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    } else {
      Finish(grpc::Status::OK);
    }
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer request_, response_;
};

class NoopService final : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new NoopReactor();
  }
};

int ServeNoop() {
  NoopService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server->Wait();  // until the benchmark kills it
  return 0;
}

// ---- gRPC load -------------------------------------------------------------------------------

// Enough connections that no call waits for a stream (the server allows 100 per connection).
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& address, int in_flight) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, (in_flight + 63) / 64); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("scc.bench.connection", i);  // distinct arguments: a connection of its own
    args.SetMaxReceiveMessageSize(64 << 20);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// The bytes of a reply; nullopt when they cannot be read.
std::optional<std::string> Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return std::nullopt;
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(s.begin(), s.end());
  return bytes;
}

// The Calls not yet deleted. A load's last completion runs inside its Call's OnDone, before the
// Call (and its context) is freed: the load waits for this to reach zero before its channels go.
absl::Mutex calls_mu;
int calls_alive ABSL_GUARDED_BY(calls_mu) = 0;

// Counts a Call from its construction until its last member is destroyed.
struct CallAlive {
  CallAlive() {
    absl::MutexLock lock(&calls_mu);
    ++calls_alive;
  }
  ~CallAlive() {
    absl::MutexLock lock(&calls_mu);
    --calls_alive;
  }
};

void AwaitCallsFreed() {
  absl::MutexLock lock(&calls_mu);
  calls_mu.Await(absl::Condition(+[](int* n) { return *n == 0; }, &calls_alive));
}

// One unary call by method path. It owns its context and buffers and deletes itself in OnDone,
// the one place gRPC allows it (a context freed inside a completion callback frees the memory
// that callback runs from).
class Call final : public grpc::ClientUnaryReactor {
 public:
  Call(std::function<std::string(const grpc::ByteBuffer&)> check, uint64_t events,
       bench::Done done)
      : check_(std::move(check)), events_(events), done_(std::move(done)) {}

  void Start(grpc::GenericStub& stub, const std::string& method, const std::string& request) {
    context_.AddMetadata("authorization", std::string("Bearer ") + testing::kHosiToken);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    request_ = Buffer(request);
    stub.PrepareUnaryCall(&context_, method, grpc::StubOptions(), &request_, &response_, this);
    StartCall();
  }

  void OnDone(const grpc::Status& status) override {
    if (!status.ok()) {
      done_(0, absl::StrCat(status.error_code(), ": ", status.error_message()));
    } else {
      const std::string problem = check_ ? check_(response_) : "";
      done_(problem.empty() ? events_ : 0, problem);
    }
    delete this;
  }

 private:
  CallAlive alive_;  // first: destroyed last
  grpc::ClientContext context_;
  grpc::ByteBuffer request_, response_;
  std::function<std::string(const grpc::ByteBuffer&)> check_;
  uint64_t events_;
  bench::Done done_;
};

// Sends one serialised request by method path; `check` looks at the reply.
void Send(grpc::GenericStub& stub, const std::string& method, const std::string& request,
          std::function<std::string(const grpc::ByteBuffer&)> check, uint64_t events,
          bench::Done done) {
  (new Call(std::move(check), events, std::move(done)))->Start(stub, method, request);
}

// Institution `i` belongs to worker `i % in_flight`, which walks its institutions in turn.
int InstitutionOf(const bench::SccWorkload& workload, int in_flight, int worker, uint64_t seq,
                  int per_call = 1, int k = 0) {
  const int owned = (workload.institutions() - worker + in_flight - 1) / in_flight;
  return worker + static_cast<int>((seq * per_call + k) % owned) * in_flight;
}

// Unary commands at `in_flight`, against sccd (`checked`: the reply must be a CommandResult)
// or the no-op server.
LoadResult UnaryCommands(const std::string& system, const std::string& address,
                         bench::SccWorkload& workload, int in_flight, absl::Duration duration,
                         bool checked, std::atomic<uint64_t>* last_position) {
  std::vector<std::shared_ptr<grpc::Channel>> channels = Channels(address, in_flight);
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (auto& c : channels) stubs.push_back(std::make_unique<grpc::GenericStub>(c));
  LoadResult r = bench::RunAsync(in_flight, duration, [&](int w, uint64_t seq, bench::Done done) {
    const v1::BulkCommand command = workload.Next(InstitutionOf(workload, in_flight, w, seq));
    absl::StatusOr<client::WireCommand> wire = client::ToWire(command.context(), command.payload());
    if (!wire.ok()) return done(0, wire.status().ToString());
    std::function<std::string(const grpc::ByteBuffer&)> check;
    if (checked) {
      check = [last_position](const grpc::ByteBuffer& reply) -> std::string {
        v1::CommandResult result;
        const std::optional<std::string> bytes = Bytes(reply);
        if (!bytes) return "unreadable reply";
        if (!result.ParseFromString(*bytes)) return "reply is not a CommandResult";
        if (last_position != nullptr) last_position->store(result.global_position());
        return "";
      };
    }
    Send(*stubs[w % stubs.size()], wire->method, wire->request, std::move(check), 1,
         std::move(done));
  });
  AwaitCallsFreed();
  r.system = system;
  r.mode = "unary";
  return r;
}

// SubmitCommands calls of `batch` commands (distinct institutions) at `in_flight`.
LoadResult BulkCommands(const std::string& system, const std::string& address,
                        bench::SccWorkload& workload, int in_flight, int batch,
                        absl::Duration duration, bool checked) {
  std::vector<std::shared_ptr<grpc::Channel>> channels = Channels(address, in_flight);
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (auto& c : channels) stubs.push_back(std::make_unique<grpc::GenericStub>(c));
  const int per_call = std::min(batch, workload.institutions() / in_flight);
  LoadResult r = bench::RunAsync(in_flight, duration, [&](int w, uint64_t seq, bench::Done done) {
    v1::SubmitCommandsRequest request;
    for (int k = 0; k < per_call; ++k) {
      *request.add_commands() =
          workload.Next(InstitutionOf(workload, in_flight, w, seq, per_call, k));
    }
    std::function<std::string(const grpc::ByteBuffer&)> check;
    if (checked) {
      check = [per_call](const grpc::ByteBuffer& reply) -> std::string {
        v1::SubmitCommandsResponse response;
        const std::optional<std::string> bytes = Bytes(reply);
        if (!bytes) return "unreadable reply";
        if (!response.ParseFromString(*bytes)) return "reply is not a SubmitCommandsResponse";
        for (const v1::CommandOutcome& o : response.outcomes()) {
          if (o.has_error()) return absl::StrCat("a command failed: ", o.error().message());
        }
        if (response.recorded() != static_cast<uint32_t>(per_call)) return "commands missing";
        return "";
      };
    }
    Send(*stubs[w % stubs.size()], "/scc.v1.BulkService/SubmitCommands",
         request.SerializeAsString(), std::move(check), per_call, std::move(done));
  });
  AwaitCallsFreed();
  r.system = system;
  r.mode = absl::StrCat("bulk ×", per_call);
  return r;
}

// ---- blocking peers --------------------------------------------------------------------------

LoadResult PeerLoad(bench::Peer& peer, int in_flight, int per_call, absl::Duration duration) {
  LoadResult r = bench::RunBlocking(in_flight, duration, [&](int w) -> bench::BlockingOperation {
    auto appender = std::make_shared<absl::StatusOr<std::unique_ptr<bench::Appender>>>(
        peer.Connect(w));
    return [appender, per_call](uint64_t seq, std::string* error) -> uint64_t {
      if (!appender->ok()) {
        *error = appender->status().ToString();
        return 0;
      }
      absl::StatusOr<uint64_t> n = (**appender)->Append(seq, per_call);
      if (!n.ok()) *error = n.status().ToString();
      return n.ok() ? *n : 0;
    };
  });
  r.system = peer.name();
  r.mode = per_call == 1 ? "unary" : absl::StrCat("bulk ×", per_call);
  return r;
}

// ---- reporting -------------------------------------------------------------------------------

std::string Row(const LoadResult& r) {
  return absl::StrFormat(
      "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %s | %d |%s\n", r.system, r.mode, r.in_flight,
      r.events_per_second(), r.p50_ms, r.p99_ms, r.p999_ms,
      r.server_cpu_us_per_event > 0 ? absl::StrFormat("%.1f", r.server_cpu_us_per_event) : "",
      r.failed, r.first_error.empty() ? "" : " " + r.first_error.substr(0, 80));
}

std::string Json(const LoadResult& r) {
  return absl::StrFormat(
      "{\"system\": \"%s\", \"mode\": \"%s\", \"in_flight\": %d, \"events_per_s\": %.1f, "
      "\"operations\": %d, \"events\": %d, \"failed\": %d, \"seconds\": %.3f, \"p50_ms\": %.3f, "
      "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"server_cpu_us_per_event\": %.2f}",
      r.system, r.mode, r.in_flight, r.events_per_second(), r.operations, r.events, r.failed,
      r.seconds, r.p50_ms, r.p99_ms, r.p999_ms, r.server_cpu_us_per_event);
}

void Print(const LoadResult& r) {
  std::fprintf(stderr, "[bench] %-20s %-10s %4d in flight: %9.0f events/s, p99 %7.2f ms%s\n",
               r.system.c_str(), r.mode.c_str(), r.in_flight, r.events_per_second(), r.p99_ms,
               r.failed ? absl::StrCat(", ", r.failed, " failed: ", r.first_error).c_str() : "");
}

std::vector<int> IntList(const std::string& value) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(part, &n) || n <= 0) bench::Die("bad list: " + value);
    out.push_back(n);
  }
  return out;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--skip-peers") {
      o.peers = false;
      continue;
    }
    if (flag == "--skip-big-log") {
      o.big_log = false;
      continue;
    }
    if (flag == "--postgres-log-only") {
      o.postgres_log_only = true;
      o.big_log = false;
      continue;
    }
    if (i + 1 >= argc) bench::Die("missing value after " + flag + " (see the usage comment)");
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--out") {
      o.out = value;
    } else if (flag == "--seconds") {
      ok = absl::SimpleAtoi(value, &o.seconds) && o.seconds > 0;
    } else if (flag == "--in-flight") {
      o.in_flight = IntList(value);
    } else if (flag == "--institutions") {
      ok = absl::SimpleAtoi(value, &o.institutions) && o.institutions > 0;
    } else if (flag == "--bulk-batch") {
      ok = absl::SimpleAtoi(value, &o.bulk_batch) && o.bulk_batch > 0 && o.bulk_batch <= 1000;
    } else if (flag == "--bulk-in-flight") {
      o.bulk_in_flight = IntList(value);
    } else if (flag == "--big-log-events") {
      ok = absl::SimpleAtoi(value, &o.big_log_events) && o.big_log_events > 0;
    } else {
      ok = false;
    }
    if (!ok) bench::Die("bad option " + flag + " " + value + " (see the usage comment)");
  }
  return o;
}

// The cell of `system` in `mode` ("unary", or "bulk" for any batch size) with the most
// events/s; nullptr when none.
const LoadResult* BestResult(const std::vector<LoadResult>& results, const std::string& system,
                             const std::string& mode) {
  const LoadResult* best = nullptr;
  for (const LoadResult& r : results) {
    if (r.system == system && r.mode.rfind(mode, 0) == 0 &&
        (best == nullptr || r.events_per_second() > best->events_per_second())) {
      best = &r;
    }
  }
  return best;
}

// Its events/s; 0 when none.
double Best(const std::vector<LoadResult>& results, const std::string& system,
            const std::string& mode) {
  const LoadResult* best = BestResult(results, system, mode);
  return best == nullptr ? 0 : best->events_per_second();
}

const LoadResult* Find(const std::vector<LoadResult>& results, const std::string& system,
                       int in_flight) {
  for (const LoadResult& r : results) {
    if (r.system == system && r.mode == "unary" && r.in_flight == in_flight) return &r;
  }
  return nullptr;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Max(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

struct Goal {
  std::string what;
  double measured;
  std::string unit;
  double target;
  bool at_most;  // the measured value must not exceed the target
};

std::string GoalRow(const Goal& g) {
  const bool met = g.at_most ? g.measured <= g.target : g.measured >= g.target;
  return absl::StrFormat("| %s | %.2f %s | %s %.2f %s | %s |\n", g.what, g.measured, g.unit,
                         g.at_most ? "≤" : "≥", g.target, g.unit, met ? "met" : "**not met**");
}

// ---- sccd over PostgreSQL ------------------------------------------------------------------

// Whether `server` holds the event log's writer role, by its own status.
bool IsWriter(const testing::SccdProcess& server) {
  std::string bytes;
  v1::ServerStatus status;
  return testing::CallByPath(server.channel(), "/scc.v1.AdminService/GetServerStatus",
                             v1::GetServerStatusRequest().SerializeAsString(),
                             testing::kHosiToken, &bytes)
             .ok() &&
         status.ParseFromString(bytes) && status.log_home().writer();
}

void AwaitWriter(const testing::SccdProcess& server) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!IsWriter(server)) {
    if (absl::Now() > deadline) bench::Die("sccd did not take the writer role in 60 s");
    absl::SleepFor(absl::Milliseconds(20));  // a remote status: nothing to wait on but it
  }
}

// How long writing stops: one client records visits without pause; `kill` runs; the figure is
// the last acknowledgement before it to the first of a command sent after it (to `after()`).
double FailoverMs(const testing::SccdProcess& before, const std::string& urn,
                  const std::function<void()>& kill,
                  const std::function<std::shared_ptr<grpc::Channel>()>& after) {
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  absl::Time last_ack = absl::InfinitePast();
  for (int i = 0; i < 100; ++i) {
    const grpc::Status s = testing::RecordCommand(
        before.channel(), testing::kHosiToken, urn, domain::testing::Visit(), "2024-10-01",
        absl::StrCat("failover-", run, "-", i));
    if (!s.ok()) bench::Die("before the kill: " + s.error_message());
    last_ack = absl::Now();
  }
  kill();
  const absl::Time killed = absl::Now();
  for (int i = 0;; ++i) {
    const grpc::Status s = testing::RecordCommand(after(), testing::kHosiToken, urn,
                                                  domain::testing::Visit(), "2024-10-01",
                                                  absl::StrCat("failover-", run, "-after-", i));
    if (s.ok()) return absl::ToDoubleMilliseconds(absl::Now() - last_ack);
    if (absl::Now() - killed > absl::Seconds(60)) bench::Die("no writer 60 s after the kill");
  }
}

struct Failovers {
  double writer_ms = 0;    // the writer sccd SIGKILLed, the follower takes over
  double database_ms = 0;  // the primary SIGKILLed, its synchronous standby promoted
};

void Register(const testing::SccdProcess& server, const std::string& urn) {
  const grpc::Status s = testing::RecordCommand(server.channel(), testing::kHosiToken, urn,
                                                domain::testing::Register(), "2024-09-02",
                                                "register-" + urn);
  if (!s.ok()) bench::Die("register: " + s.error_message());
}

Failovers MeasureFailovers(const storage::testing::TempDir& dir) {
  Failovers f;
  {
    auto db = bench::Must(storage::testing::PostgresServer::Start(dir.Sub("failover-db")));
    auto a = bench::Must(testing::SccdProcess::Start(
        dir.Sub("failover-a"), {"--log", db->uri(), "--node-name", "a"}));
    AwaitWriter(*a);
    auto b = bench::Must(testing::SccdProcess::Start(
        dir.Sub("failover-b"), {"--log", db->uri(), "--node-name", "b"}));
    Register(*a, "100900");
    f.writer_ms = FailoverMs(*a, "100900", [&a] { a->Kill(); }, [&b] { return b->channel(); });
  }
  auto primary = bench::Must(
      storage::testing::PostgresServer::Start(dir.Sub("failover-primary"), "standby1"));
  auto standby = bench::Must(primary->StartStandby(dir.Sub("failover-standby"), "standby1"));
  auto host = [](const std::string& uri) {
    const std::string rest = uri.substr(std::string("postgresql://scc@").size());
    return rest.substr(0, rest.find('/'));
  };
  const std::string uri = absl::StrCat("postgresql://scc@", host(primary->uri()), ",",
                                       host(standby->uri()),
                                       "/scc?target_session_attrs=read-write&connect_timeout=2");
  auto sccd = bench::Must(testing::SccdProcess::Start(dir.Sub("failover-c"), {"--log", uri}));
  AwaitWriter(*sccd);
  Register(*sccd, "100901");
  f.database_ms = FailoverMs(
      *sccd, "100901",
      [&] {
        if (!primary->Kill().ok() || !standby->Promote().ok()) bench::Die("failover failed");
      },
      [&sccd] { return sccd->channel(); });
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--serve-noop") return ServeNoop();
  const Options options = ParseOptions(argc, argv);
  const absl::Duration cell = absl::Seconds(options.seconds);
  storage::testing::TempDir dir;
  std::vector<LoadResult> results;
  auto record = [&results](LoadResult r) {
    Print(r);
    results.push_back(std::move(r));
  };

  // sccd as deployed (access log on, durable), then the no-op server doing nothing with the
  // same requests, built by the same client code.
  bench::SccWorkload workload(options.institutions, "bench");
  std::vector<double> lag_ms;
  std::string lag_failure;
  bench::DiskUse disk;
  {
    auto sccd = bench::Must(testing::SccdProcess::Start(dir.Sub("sccd")));
    bench::ProjectionLagProbe lag(sccd->channel());
    std::atomic<uint64_t> acknowledged{0};
    // The server's CPU per event over a cell, measured the same way for every sccd cell.
    auto measured = [&](auto run) {
      const double before = bench::ProcessCpuSeconds(sccd->pid());
      LoadResult r = run();
      if (r.events > 0) {
        r.server_cpu_us_per_event =
            (bench::ProcessCpuSeconds(sccd->pid()) - before) * 1e6 / static_cast<double>(r.events);
      }
      record(std::move(r));
    };
    for (int n : options.in_flight) {
      if (n == 64) lag.Start(&acknowledged);
      measured([&] { return UnaryCommands("sccd", sccd->address(), workload, n, cell, true, &acknowledged); });
      if (n == 64) lag.Stop();
    }
    lag_ms = lag.samples_ms();
    lag_failure = lag.failure();
    for (int n : options.postgres_log_only ? std::vector<int>{} : options.bulk_in_flight) {
      measured([&] {
        return BulkCommands("sccd", sccd->address(), workload, n, options.bulk_batch, cell, true);
      });
    }
    disk = bench::MeasureDiskUse(*sccd, dir.Sub("sccd"));
  }
  // The peers store what sccd stores per event: type, payload and metadata.
  const size_t payload_bytes = bench::MeanEventBytes(dir.Sub("sccd"));
  bench::SettleLog(dir.Sub("sccd"), &disk);
  {
    // The same commands with the event log in PostgreSQL (a server of its own, fsync on).
    auto db = bench::Must(storage::testing::PostgresServer::Start(dir.Sub("sccd-postgres-db")));
    auto sccd = bench::Must(
        testing::SccdProcess::Start(dir.Sub("sccd-postgres"), {"--log", db->uri()}));
    AwaitWriter(*sccd);
    bench::SccWorkload pg_workload(options.institutions, "pg");
    for (int n : options.in_flight) {
      record(UnaryCommands("sccd on PostgreSQL", sccd->address(), pg_workload, n, cell, true,
                           nullptr));
    }
  }
  const Failovers failovers = MeasureFailovers(dir);
  std::printf("failover: writer sccd %.0f ms, database primary %.0f ms\n", failovers.writer_ms,
              failovers.database_ms);
  if (!options.postgres_log_only) {
    bench::SccWorkload noop_workload(options.institutions, "noop");
    auto noop = bench::Must(bench::ChildServer::Start({argv[0], "--serve-noop"}));
    for (int n : options.in_flight) {
      record(UnaryCommands("no-op gRPC", noop->address(), noop_workload, n, cell, false, nullptr));
    }
    for (int n : options.bulk_in_flight) {
      record(BulkCommands("no-op gRPC", noop->address(), noop_workload, n, options.bulk_batch,
                          cell, false));
    }
  }
  if (options.postgres_log_only) {
    auto peer = bench::Must(bench::StartPostgres(
        dir.Sub("postgres"), payload_bytes,
        *std::max_element(options.in_flight.begin(), options.in_flight.end())));
    for (int n : options.in_flight) record(PeerLoad(*peer, n, 1, cell));
  } else if (options.peers) {
    const int most = *std::max_element(options.in_flight.begin(), options.in_flight.end());
    std::vector<std::pair<std::string, std::function<absl::StatusOr<std::unique_ptr<bench::Peer>>()>>>
        peers = {
            {"rocksdb", [&] { return bench::OpenRocksDb(dir.Sub("rocksdb"), payload_bytes); }},
            {"postgres",
             [&] { return bench::StartPostgres(dir.Sub("postgres"), payload_bytes, most); }},
            {"postgres-whole",
             [&] {
               return bench::StartPostgres(dir.Sub("postgres-whole"), payload_bytes, most,
                                           bench::PostgresMode::kWholeCommand);
             }},
            {"redis", [&] { return bench::StartRedis(dir.Sub("redis"), payload_bytes); }},
        };
    for (auto& [name, start] : peers) {
      absl::StatusOr<std::unique_ptr<bench::Peer>> peer = start();
      if (!peer.ok()) bench::Die(absl::StrCat(name, ": ", peer.status().ToString()));
      for (int n : options.in_flight) record(PeerLoad(**peer, n, 1, cell));
      if (name.rfind("postgres", 0) != 0) {
        for (int n : options.bulk_in_flight) {
          record(PeerLoad(**peer, n, options.bulk_batch, cell));
        }
      }
    }
  }
  bench::BigLogFigures big;
  if (options.big_log) big = bench::MeasureBigLog(dir.Sub("big"), options.big_log_events);

  // ---- the report ----
  std::string md = absl::StrFormat(
      "# sccd side by side\n\nOne run on %s. Every system acknowledges an append only once it is "
      "fsync'ed. Closed loop: each of the calls in flight starts the next when it completes; "
      "%d s per cell. sccd runs a designation cycle over %d schools (register, raise a concern, "
      "designate, assign a Lead Officer, agree the plan, then reviews, MCMs and visits); the "
      "no-op server gets the same requests; the peers append events of %d bytes (sccd's mean "
      "stored event) to streams with an expected-version check.\n\n",
      bench::Machine(), options.seconds, options.institutions, payload_bytes);
  md += "| system | mode | in flight | events/s | p50 ms | p99 ms | p999 ms | server CPU µs/event "
        "| failed |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const LoadResult& r : results) md += Row(r);

  const LoadResult* sccd64 = Find(results, "sccd", 64);
  const LoadResult* noop64 = Find(results, "no-op gRPC", 64);
  const LoadResult* pg64 = Find(results, "PostgreSQL", 64);
  const LoadResult* pg_whole64 = Find(results, "PostgreSQL, whole command", 64);
  const LoadResult* sccd_pg64 = Find(results, "sccd on PostgreSQL", 64);
  const double sccd_bulk = Best(results, "sccd", "bulk");
  const double redis_unary = Best(results, "Redis", "unary");
  const double redis_pipelined = Best(results, "Redis", "bulk");
  std::vector<Goal> goals;
  if (sccd64 && noop64) {
    goals.push_back({"unary at 64 in flight / no-op gRPC", sccd64->events_per_second() /
                     noop64->events_per_second(), "×", 0.6, false});
  }
  if (sccd64 && pg_whole64) {
    goals.push_back({"unary at 64 in flight / PostgreSQL running the whole command (state row "
                     "FOR UPDATE, rule, event, state, commit)",
                     sccd64->events_per_second() / pg_whole64->events_per_second(), "×", 1.5,
                     false});
  }
  if (sccd64 && pg64) {
    goals.push_back({"unary at 64 in flight / PostgreSQL appending only",
                     sccd64->events_per_second() / pg64->events_per_second(), "×", 2.5, false});
  }
  if (sccd_pg64 && pg64) {
    goals.push_back({"sccd on PostgreSQL at 64 in flight / raw PostgreSQL (an INSERT a "
                     "transaction)",
                     sccd_pg64->events_per_second() / pg64->events_per_second(), "×", 1.0,
                     false});
  }
  if (redis_unary > 0) {
    goals.push_back({"bulk / Redis's best, a Lua-checked XADD per call", sccd_bulk / redis_unary,
                     "×", 2.0, false});
  }
  if (redis_pipelined > 0) {
    goals.push_back({"bulk / Redis's best, 1,000 pipelined per round trip",
                     sccd_bulk / redis_pipelined, "×", 1.0, false});
  }
  if (!options.postgres_log_only) {
    goals.push_back({"bulk events/s", sccd_bulk / 1000, "k", 150, false});
    if (const LoadResult* bulk = BestResult(results, "sccd", "bulk")) {
      goals.push_back({"server CPU per event, bulk (sccd's user + system time / events)",
                       bulk->server_cpu_us_per_event, "µs", 15, true});
    }
    if (sccd64) goals.push_back({"p99 at 64 in flight", sccd64->p99_ms, "ms", 10, true});
    goals.push_back({"event log bytes per event (compacted)", disk.settled_bytes_per_event(),
                     "B", 300, true});
  }
  if (options.big_log) {
    goals.push_back({"RSS with 10M events, in use", big.rss_in_use_mb, "MB", 500, true});
    goals.push_back({"start-up on 10M events", big.restart_s, "s", 2, true});
  }
  md += "\n## Goals\n\n| goal | measured | target | |\n|---|---:|---:|---|\n";
  for (const Goal& g : goals) md += GoalRow(g);

  md += absl::StrFormat(
      "\n## Failover on PostgreSQL\n\nOne client records visits without pause; the figure is "
      "the last acknowledgement before the SIGKILL to the first acknowledgement of a command "
      "sent after it.\n\n| what dies | writing stopped for |\n|---|---:|\n"
      "| the writer sccd (a second sccd on the same database takes the writer role) | %.0f ms |\n"
      "| the database primary (its synchronous standby promoted with pg_ctl promote; sccd "
      "reconnects through a multi-host URI) | %.0f ms |\n",
      failovers.writer_ms, failovers.database_ms);

  md += absl::StrFormat(
      "\n## Disk and read model\n\n- Event log: %d events; as the run left it (WAL and unmerged "
      "SST files, LZ4) %.1f MB, %.0f bytes per event; compacted **%.0f bytes per event**. Read "
      "model: %.1f MB.\n"
      "- Projection lag at 64 in flight (GetInstitution waiting for the event just acknowledged, "
      "10 samples a second, one round trip included): median %.2f ms, max %.2f ms over %d "
      "samples%s.\n",
      disk.events, disk.log_bytes / 1e6, disk.log_bytes_per_event(),
      disk.settled_bytes_per_event(), disk.projection_bytes / 1e6,
      Median(lag_ms), Max(lag_ms), lag_ms.size(),
      lag_failure.empty() ? "" : absl::StrCat(" (a probe failed: ", lag_failure, ")"));
  if (options.big_log) {
    md += absl::StrFormat(
        "\n## A log of %d events\n\n%d institutions, generated in %.1f s. First start (empty read "
        "model): serving after %.2f s, read model complete %.1f s later, RSS %.0f MB. Restart: "
        "**serving after %.2f s**, RSS %.0f MB; after reading and recording a visit at %d "
        "institutions: **RSS %.0f MB**. Data directory: %.2f GB.\n",
        big.events, big.institutions, big.generate_s, big.first_start_s, big.catch_up_s,
        big.rss_caught_up_mb, big.restart_s, big.rss_restarted_mb, big.used, big.rss_in_use_mb,
        big.disk_bytes / 1e9);
  }

  std::string json = absl::StrFormat("{\n  \"machine\": \"%s\",\n  \"seconds_per_cell\": %d,\n"
                                     "  \"payload_bytes\": %d,\n  \"results\": [\n",
                                     bench::Machine(), options.seconds, payload_bytes);
  for (size_t i = 0; i < results.size(); ++i) {
    absl::StrAppend(&json, "    ", Json(results[i]), i + 1 < results.size() ? ",\n" : "\n");
  }
  absl::StrAppendFormat(&json,
                        "  ],\n  \"log_bytes_per_event\": %.1f,\n  \"settled_log_bytes_per_event\": "
                        "%.1f,\n  \"projection_lag_ms\": {\"median\": %.3f, \"max\": %.3f, "
                        "\"samples\": %d}",
                        disk.log_bytes_per_event(), disk.settled_bytes_per_event(),
                        Median(lag_ms), Max(lag_ms), lag_ms.size());
  if (options.big_log) {
    absl::StrAppendFormat(
        &json,
        ",\n  \"big_log\": {\"events\": %d, \"institutions\": %d, \"first_start_s\": %.3f, "
        "\"catch_up_s\": %.3f, \"restart_s\": %.3f, \"rss_caught_up_mb\": %.1f, "
        "\"rss_restarted_mb\": %.1f, \"rss_in_use_mb\": %.1f, \"disk_bytes\": %d}",
        big.events, big.institutions, big.first_start_s, big.catch_up_s, big.restart_s,
        big.rss_caught_up_mb, big.rss_restarted_mb, big.rss_in_use_mb, big.disk_bytes);
  }
  absl::StrAppendFormat(&json, ",\n  \"failover_ms\": {\"writer\": %.1f, \"database\": %.1f}",
                        failovers.writer_ms, failovers.database_ms);
  json += ",\n  \"goals\": [\n";
  for (size_t i = 0; i < goals.size(); ++i) {
    const Goal& g = goals[i];
    absl::StrAppendFormat(&json, "    {\"goal\": \"%s\", \"measured\": %.3f, \"target\": %.3f, "
                          "\"at_most\": %s}%s\n", g.what, g.measured, g.target,
                          g.at_most ? "true" : "false", i + 1 < goals.size() ? "," : "");
  }
  json += "  ]\n}\n";
  std::printf("%s", md.c_str());
  std::filesystem::create_directories(options.out);
  const std::string name = options.postgres_log_only ? "postgres_log" : "side_by_side";
  std::ofstream(options.out + "/" + name + ".md") << md;
  std::ofstream(options.out + "/" + name + ".json") << json;
  return 0;
}
