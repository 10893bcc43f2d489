// The call frame: every RPC of sccd arrives here as bytes (a raw callback method); a unary one
// goes through these steps, in this order (a stream, Watch, through the first three, Admit):
//   1. authenticate from the metadata (Gateway::Authenticate, which also refuses an address that
//      sent too many wrong credentials) — before a byte of the request is parsed;
//   2. check the bytes against the method's request type (RequestWire: garbage, invalid UTF-8,
//      nesting, unknown fields) and parse them — INVALID_ARGUMENT naming the method and why;
//   3. authorize (the matrix) and check the query field limits, unless the body is a command,
//      which the command handler authorizes by kind;
//   4. run the body: short reads on the gRPC thread, long work (as_of/known_at folds, VerifyLog,
//      reports, audit search, backups) on a bounded executor, reads waiting for a future
//      min_position parked without a thread until the position is reached (then a short read
//      runs on the frame's one waiter thread, a long one on the executor);
//   5. finish once: the answer serialized, one access-log line, the call metrics.
// Each service lists its RPCs in one table of Rpc rows (FramedService). Thread-safe.
#ifndef SCC_SERVICES_SERVER_CALL_FRAME_H_
#define SCC_SERVICES_SERVER_CALL_FRAME_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "services/domain/confidentiality.h"
#include "services/server/access_log.h"
#include "services/server/executor.h"
#include "services/server/tokens.h"

namespace scc::storage {
class EventLog;
}
namespace scc::projections {
class InstitutionProjection;
}

namespace scc::server {

class Gateway;

// The R-25 reader of the RPCs that read across the whole log (ReadEvents, SearchAudit, Watch):
// the matrix gives them only to roles that read confidential content everywhere or nowhere, so
// no institution's state is looked up; a role that reads only where it works would be shown
// none of it.
inline domain::Reader LogWideReader(const Caller& caller) { return {caller.role, false}; }

// Checks serialized request bytes against the request type without building a message: the
// wire format must be well formed, string fields valid UTF-8, nesting at most kMaxNesting deep,
// and every field number one the contract knows. INVALID_ARGUMENT naming the field path
// ("payload.notes[0].text") and the rule. Stateless.
class RequestWire {
 public:
  static constexpr int kMaxNesting = 32;
  static absl::Status Check(absl::string_view bytes, const google::protobuf::Descriptor* type);
};

// Per-caller shares of a bounded resource: at most `total` held at once, at most `per_caller`
// by one caller. Thread-safe.
class Shares {
 public:
  Shares(size_t total, size_t per_caller) : total_(total), per_caller_(per_caller) {}
  // RESOURCE_EXHAUSTED naming `what` and the limit reached when no share is left.
  absl::Status Take(const std::string& caller, absl::string_view what);
  void Give(const std::string& caller);
  size_t held() const;
  size_t total() const { return total_; }
  size_t per_caller() const { return per_caller_; }

 private:
  const size_t total_;
  const size_t per_caller_;
  mutable absl::Mutex mu_;
  size_t held_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, size_t> by_caller_ ABSL_GUARDED_BY(mu_);
};

// Failed-authentication throttling per client address: after `failures` wrong credentials
// from one address within `window`, every call from it is refused unread until the window
// ends. At most kMaxAddresses addresses are tracked; when more fail at once, addresses past it
// are not throttled. Thread-safe.
class AuthThrottle {
 public:
  static constexpr size_t kMaxAddresses = 4096;
  AuthThrottle(int failures, absl::Duration window) : failures_(failures), window_(window) {}
  // RESOURCE_EXHAUSTED with the seconds to wait when `address` is throttled (and counts it).
  absl::Status Check(const std::string& address);
  void Failed(const std::string& address);
  // Calls refused unread since start, and addresses throttled now.
  uint64_t refused() const;
  size_t throttled_addresses() const;

 private:
  struct Window {
    absl::Time start;
    int failures = 0;
  };
  const int failures_;
  const absl::Duration window_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
  uint64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
};

// One unary call in the frame. The frame owns it; bodies hold it (CallPtr) while they work,
// possibly on another thread, and finish it exactly once.
class UnaryCall {
 public:
  const Caller& caller() const { return caller_; }
  const google::protobuf::Message& request() const { return *request_; }
  google::protobuf::Message* response() { return response_.get(); }
  grpc::CallbackServerContext* context() const { return context_; }
  // When long work must stop: the client's deadline, but no later than the server's limit.
  absl::Time long_deadline() const;
  // Serializes the response when `status` is OK, writes the access-log line and answers.
  void Finish(const absl::Status& status);

 private:
  friend class CallFrame;
  Gateway* gateway_ = nullptr;
  grpc::CallbackServerContext* context_ = nullptr;
  grpc::ServerUnaryReactor* reactor_ = nullptr;
  grpc::ByteBuffer* out_ = nullptr;
  absl::Time start_;
  AccessRecord record_;
  Caller caller_;
  std::unique_ptr<google::protobuf::Message> request_;
  std::unique_ptr<google::protobuf::Message> response_;
  std::atomic<bool> finished_{false};
};
using CallPtr = std::shared_ptr<UnaryCall>;

// Where a body runs once the call is admitted.
enum class Work {
  kRead,     // a short read: on the gRPC thread, unless it folds the log as of a date (long)
  kLong,     // always long: on the executor
  kCommand,  // the command handler authorizes it by kind; no query limits
  kBatch,    // many commands: the matrix admits the call, the handler checks each command
};

// One row of a service's table.
struct Rpc {
  std::string name;  // the method, e.g. "GetHistory"
  Work work;
  std::function<void(const CallPtr&)> body;
};

// A row whose body answers at once: `fn(call, request, response)`; its status finishes the call.
template <typename Service, typename Request, typename Response>
Rpc Answer(const char* name, Work work, Service* service,
           absl::Status (Service::*fn)(const UnaryCall&, const Request&, Response*)) {
  return Rpc{name, work, [service, fn](const CallPtr& call) {
               call->Finish((service->*fn)(*call, static_cast<const Request&>(call->request()),
                                           static_cast<Response*>(call->response())));
             }};
}

// Owns the long-call threads and the one thread that looks after parked reads. It must outlive
// the gRPC server; Close() before the server's Shutdown answers the parked reads at once.
class CallFrame {
 public:
  struct Options {
    size_t long_call_threads = 4;
    size_t long_call_queue = 64;      // long calls that may wait for a thread
    size_t max_waiting_reads = 1024;  // reads parked for a future min_position
  };
  CallFrame(Gateway* gateway, const storage::EventLog* log,
            const projections::InstitutionProjection* projection, Options options);
  ~CallFrame();

  grpc::ServerUnaryReactor* Handle(const google::protobuf::MethodDescriptor* method, const Rpc& rpc,
                                   grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request, grpc::ByteBuffer* response);
  // Steps 1 to 3 for any call of `method` (Handle's, and streams, which answer themselves):
  // names the caller in `caller` and `record`, parses `bytes` into `request` and names the
  // institution and request id in `record`; the refusal otherwise (counted if undecodable).
  absl::Status Admit(const google::protobuf::MethodDescriptor* method, Work work,
                     grpc::CallbackServerContext* context, const grpc::ByteBuffer& bytes,
                     Caller& caller, google::protobuf::Message& request, AccessRecord& record);
  // Answers every parked read UNAVAILABLE, refuses new ones and waits for the thread that
  // watched them (shutdown): afterwards the frame no longer touches the projection or the log.
  // Called from one thread (the destructor calls it too).
  void Close();

  // Appends the frame's Prometheus metrics.
  void RenderMetrics(std::string* out) const;

 private:
  struct Parked {
    CallPtr call;
    const Rpc* rpc;
    bool live;  // waits for the projection, else for the log
    uint64_t position;
    absl::Time deadline;
  };
  // Runs the body where its work belongs (after any min_position wait).
  void Dispatch(const Rpc& rpc, const CallPtr& call);
  void RunLong(const Rpc& rpc, const CallPtr& call);
  void Park(Parked parked);
  void Unpark(std::vector<Parked>& ready, const absl::Status& why);
  void WaitLoop();
  uint64_t Reached(bool live) const;

  Gateway* const gateway_;
  const storage::EventLog* const log_;
  const projections::InstitutionProjection* const projection_;
  Shares long_shares_;  // bounds what long_work_ holds: running and waiting
  Shares park_shares_;
  Executor long_work_;
  std::atomic<uint64_t> parsed_bytes_{0};
  std::atomic<uint64_t> undecodable_{0};
  std::atomic<uint64_t> busy_{0};

  absl::Mutex park_mu_;
  std::vector<Parked> parked_ ABSL_GUARDED_BY(park_mu_);
  bool closing_ ABSL_GUARDED_BY(park_mu_) = false;
  std::thread waiter_;
};

// The generated callback service of `Generated` (e.g. v1::AuditService) whose unary methods are the
// rows of `rpcs`, each registered as a raw callback method that goes through `frame`. A stream
// (Watch) registers its own raw method and goes through CallFrame::Admit.
template <typename Generated>
class FramedService : public Generated::CallbackService {
 public:
  FramedService(CallFrame* frame, std::vector<Rpc> rpcs) : rpcs_(std::move(rpcs)) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            Generated::service_full_name());
    for (const Rpc& rpc : rpcs_) {
      const google::protobuf::MethodDescriptor* method = service->FindMethodByName(rpc.name);
      this->MarkMethodRawCallback(
          method->index(),
          new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
              [frame, method, &rpc](grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
                return frame->Handle(method, rpc, context, request, response);
              }));
    }
  }

 private:
  const std::vector<Rpc> rpcs_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_CALL_FRAME_H_
