// The gRPC face of the workflow: the five command services, bulk submission and the audit
// service. Every unary RPC goes through the call frame (call_frame.h) and one Gateway
// (authentication, access log); the rules live in the domain, the writing in CommandHandler.
// Thread-safe.
#ifndef SCC_SERVICES_SERVER_GRPC_SERVICES_H_
#define SCC_SERVICES_SERVER_GRPC_SERVICES_H_

#include <functional>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.grpc.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "services/server/access_log.h"
#include "services/server/call_frame.h"
#include "services/server/command_handler.h"
#include "services/server/denied_attempts.h"
#include "services/server/metrics.h"
#include "services/server/institution_repository.h"
#include "services/server/tokens.h"
#include "storage/event_log.h"
#include "storage/subscription.h"

namespace scc::server {

// Page sizes of history and event reads are cut to this.
inline constexpr uint32_t kMaxPageSize = 1000;

// The caller's address for the access log, the denial counts and throttling: the gRPC peer or,
// for a call the HTTP gateway forwarded through the in-process channel, the HTTP client's
// address it passed along.
std::string CallerAddress(const grpc::CallbackServerContext* context);

// Shared by all services (through the call frame): who is calling, one access-log line per
// call, the count of denied calls and the throttling of addresses that send wrong credentials. Thread-safe; the tokens can be
// replaced while calls run (a call sees either the old or the new set).
class Gateway {
 public:
  // `long_call_limit`: the longest a long call may run when its client sets no shorter deadline.
  // `metrics` (optional) counts and times every call. After `auth_failures` wrong credentials
  // from one address within `auth_window`, its calls are refused unread until the window ends.
  Gateway(std::shared_ptr<const TokenStore> tokens, AccessLog* access_log,
          absl::Duration long_call_limit = absl::Minutes(2), CallMetrics* metrics = nullptr,
          int auth_failures = 50, absl::Duration auth_window = absl::Minutes(1));

  // RESOURCE_EXHAUSTED "retry after" for a throttled address, UNAUTHENTICATED for wrong or
  // missing credentials (counted against the address).
  absl::StatusOr<Caller> Authenticate(grpc::CallbackServerContext* context);
  // Token rotation without a restart (sccd reloads the tokens file on SIGHUP or when it changes).
  void ReplaceTokens(std::shared_ptr<const TokenStore> tokens);
  size_t token_count() const;
  absl::Time tokens_loaded_at() const;

  // Finishes `reactor` with `status` and writes the access-log line.
  void Finish(grpc::ServerUnaryReactor* reactor, grpc::CallbackServerContext* context,
              AccessRecord record, absl::Time start, const absl::Status& status);
  // Writes the access-log line of a finished call, counts it if it was denied, and records it in
  // the call metrics.
  void Record(const AccessRecord& record, const grpc::Status& status);

  // When a long call (termly report, whole-log verify, list as of a date) must stop: the client's deadline,
  // but no later than the server's limit from now.
  absl::Time LongCallDeadline(const grpc::CallbackServerContext* context) const;

  const DeniedAttempts& denied() const { return denied_; }
  const AuthThrottle& throttle() const { return throttle_; }

 private:
  // The caller the credentials name, or UNAUTHENTICATED.
  absl::StatusOr<Caller> Identify(grpc::CallbackServerContext* context) const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenStore> tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time tokens_loaded_at_ ABSL_GUARDED_BY(mu_);
  AccessLog* const access_log_;
  const absl::Duration long_call_limit_;
  CallMetrics* const metrics_;
  DeniedAttempts denied_;
  AuthThrottle throttle_;
};

// The rows of a command service: every method is a command whose request field 1 is the
// CommandContext and field 2 the payload, the event of the same message type in EventPayload.
std::vector<Rpc> CommandRpcs(const char* service, CommandHandler* handler);

template <typename Generated>
class CommandService final : public FramedService<Generated> {
 public:
  CommandService(CallFrame* frame, CommandHandler* handler)
      : FramedService<Generated>(frame, CommandRpcs(Generated::service_full_name(), handler)) {}
};
using InstitutionServiceImpl = CommandService<v1::InstitutionService>;
using DesignationServiceImpl = CommandService<v1::DesignationService>;
using InterventionServiceImpl = CommandService<v1::InterventionService>;
using AcademyServiceImpl = CommandService<v1::AcademyService>;
using SettingServiceImpl = CommandService<v1::SettingService>;

// Many commands in one call (imports, other services): each runs as its own RPC would.
class BulkServiceImpl final : public FramedService<v1::BulkService> {
 public:
  // At most this many commands per call.
  static constexpr int kMaxCommands = 1000;

  BulkServiceImpl(CallFrame* frame, CommandHandler* handler);

 private:
  void SubmitCommands(const CallPtr& call);

  CommandHandler* const handler_;
};

// The open Watch streams, each holding a subscription and a thread: bounded in all and per
// caller, so that clients that open streams and never read cannot exhaust the server, and one
// token cannot hold every place. Thread-safe.
class WatchRegistry {
 public:
  WatchRegistry(size_t limit, size_t per_caller) : limit_(limit), per_caller_(per_caller) {}
  // UNAVAILABLE once shutting down, RESOURCE_EXHAUSTED when `limit` streams are open or `user`
  // holds `per_caller` of them: the caller must refuse the watch with that status.
  absl::Status Add(storage::Subscription* subscription, const std::string& user);
  void Remove(storage::Subscription* subscription);
  // Cancels every open watch and refuses new ones.
  void CancelAll();
  // Blocks until every watch has let go of its subscription (after CancelAll).
  void WaitUntilEmpty();
  size_t open() const;

 private:
  const size_t limit_;
  const size_t per_caller_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<storage::Subscription*, std::string> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> by_caller_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
};

class AuditServiceImpl final : public FramedService<v1::AuditService> {
 public:
  AuditServiceImpl(CallFrame* frame, Gateway* gateway, storage::EventLog* log,
                   InstitutionRepository* repository, WatchRegistry* watches);

 private:
  // Watch, a stream: admitted by the call frame like every unary call, then followed by a
  // thread of its own (bounded by the WatchRegistry).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* bytes);
  absl::Status GetWorkflowState(const UnaryCall& call,
                                const v1::GetWorkflowStateRequest& request,
                                v1::WorkflowState* response);
  absl::Status GetHistory(const UnaryCall& call,
                          const v1::GetHistoryRequest& request,
                          v1::GetHistoryResponse* response);
  absl::Status ReadEvents(const UnaryCall& call,
                          const v1::ReadEventsRequest& request,
                          v1::ReadEventsResponse* response);
  absl::Status VerifyLog(const UnaryCall& call,
                         const v1::VerifyLogRequest& request,
                         v1::VerifyLogResponse* response);

  CallFrame* const frame_;
  const google::protobuf::MethodDescriptor* const watch_method_;
  Gateway* const gateway_;
  storage::EventLog* const log_;
  InstitutionRepository* const repository_;
  WatchRegistry* const watches_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_GRPC_SERVICES_H_
