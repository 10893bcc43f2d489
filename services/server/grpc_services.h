// The gRPC face of the workflow: the five command services and the audit service, on the
// callback API. Every command RPC goes through one Gateway (authentication, command building,
// access log); the rules live in the domain, the writing in CommandHandler. Thread-safe.
#ifndef SCC_SERVICES_SERVER_GRPC_SERVICES_H_
#define SCC_SERVICES_SERVER_GRPC_SERVICES_H_

#include <functional>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.grpc.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "services/server/access_log.h"
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

// Shared by all services: who is calling, whether they may (the authorization matrix of
// services/domain/authorization.h), one access-log line per call and the count of denied
// calls. Thread-safe; the tokens can be replaced while calls run (a call sees either the old or
// the new set).
class Gateway {
 public:
  // `long_call_limit`: the longest a long call may run when its client sets no shorter deadline.
  // `metrics` (optional) counts and times every call.
  Gateway(std::shared_ptr<const TokenStore> tokens, AccessLog* access_log,
          absl::Duration long_call_limit = absl::Minutes(2), CallMetrics* metrics = nullptr);

  absl::StatusOr<Caller> Authenticate(grpc::CallbackServerContext* context) const;
  // Authenticates, names the caller in `record`, then asks the authorization matrix whether
  // they may call `record.method`.
  absl::StatusOr<Caller> Admit(grpc::CallbackServerContext* context, AccessRecord& record) const;
  // Token rotation without a restart (sccd reloads the tokens file on SIGHUP or when it changes).
  void ReplaceTokens(std::shared_ptr<const TokenStore> tokens);
  size_t token_count() const;
  absl::Time tokens_loaded_at() const;

  // A unary call that records nothing: admits the caller, checks `request` against the query
  // limits (INVALID_ARGUMENT naming the field), runs `body` for them and finishes with its
  // status.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const char* method,
                                  const google::protobuf::Message& request,
                                  const std::function<absl::Status(const Caller&)>& body);

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

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenStore> tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time tokens_loaded_at_ ABSL_GUARDED_BY(mu_);
  AccessLog* const access_log_;
  const absl::Duration long_call_limit_;
  CallMetrics* const metrics_;
  DeniedAttempts denied_;
};

// Runs a command RPC: request field 1 is the CommandContext, field 2 the payload, which is the
// event of the same message type in EventPayload.
class CommandRunner {
 public:
  CommandRunner(Gateway* gateway, CommandHandler* handler) : gateway_(gateway), handler_(handler) {}
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                const google::protobuf::Message& request,
                                v1::CommandResult* response);

 private:
  Gateway* const gateway_;
  CommandHandler* const handler_;
};

#define SCC_COMMAND_RPC(Rpc)                                                       \
  grpc::ServerUnaryReactor* Rpc(grpc::CallbackServerContext* context,             \
                                const v1::Rpc##Request* request,                   \
                                v1::CommandResult* response) override {            \
    return runner_->Run(context, *request, response);                              \
  }

class InstitutionServiceImpl final : public v1::InstitutionService::CallbackService {
 public:
  explicit InstitutionServiceImpl(CommandRunner* runner) : runner_(runner) {}
  SCC_COMMAND_RPC(RegisterInstitution)
  SCC_COMMAND_RPC(UpdateInstitution)
  SCC_COMMAND_RPC(RecordOfstedOutcome)
  SCC_COMMAND_RPC(RecordRagRating)
  SCC_COMMAND_RPC(RecordVisit)
  SCC_COMMAND_RPC(CorrectEvent)

 private:
  CommandRunner* const runner_;
};

class DesignationServiceImpl final : public v1::DesignationService::CallbackService {
 public:
  explicit DesignationServiceImpl(CommandRunner* runner) : runner_(runner) {}
  SCC_COMMAND_RPC(RaiseConcern)
  SCC_COMMAND_RPC(DesignateSchool)
  SCC_COMMAND_RPC(DecideNotToDesignate)
  SCC_COMMAND_RPC(AssignLeadOfficer)
  SCC_COMMAND_RPC(AgreeActionPlan)
  SCC_COMMAND_RPC(HoldActionPlanReview)
  SCC_COMMAND_RPC(IssueStatementOfAction)
  SCC_COMMAND_RPC(HoldMonitoringAndChallengeMeeting)
  SCC_COMMAND_RPC(HoldSchoolProgressReviewTeamMeeting)
  SCC_COMMAND_RPC(HoldQualityAssuranceMeeting)
  SCC_COMMAND_RPC(RecordSrgReviewOutcome)
  SCC_COMMAND_RPC(RecordEngagementConcern)
  SCC_COMMAND_RPC(RemoveFromScc)

 private:
  CommandRunner* const runner_;
};

class InterventionServiceImpl final : public v1::InterventionService::CallbackService {
 public:
  explicit InterventionServiceImpl(CommandRunner* runner) : runner_(runner) {}
  SCC_COMMAND_RPC(IssueWarningNotice)
  SCC_COMMAND_RPC(RecordWarningNoticeComplied)
  SCC_COMMAND_RPC(RecordWarningNoticeNotComplied)
  SCC_COMMAND_RPC(IssueNoticeOfIntentionToIntervene)
  SCC_COMMAND_RPC(ApplyIntervention)

 private:
  CommandRunner* const runner_;
};

class AcademyServiceImpl final : public v1::AcademyService::CallbackService {
 public:
  explicit AcademyServiceImpl(CommandRunner* runner) : runner_(runner) {}
  SCC_COMMAND_RPC(RaiseConcernWithAcademy)
  SCC_COMMAND_RPC(InformTrust)
  SCC_COMMAND_RPC(RecordTrustPlanShared)
  SCC_COMMAND_RPC(EscalateAcademyConcern)
  SCC_COMMAND_RPC(ResolveAcademyConcern)

 private:
  CommandRunner* const runner_;
};

class SettingServiceImpl final : public v1::SettingService::CallbackService {
 public:
  explicit SettingServiceImpl(CommandRunner* runner) : runner_(runner) {}
  SCC_COMMAND_RPC(RecordSettingCausingConcern)
  SCC_COMMAND_RPC(RecordSettingSupportAction)
  SCC_COMMAND_RPC(HoldSettingsCausingConcernMeeting)
  SCC_COMMAND_RPC(RemoveSettingFromList)

 private:
  CommandRunner* const runner_;
};

#undef SCC_COMMAND_RPC

// Many commands in one call (imports, other services): each runs as its own RPC would.
class BulkServiceImpl final : public v1::BulkService::CallbackService {
 public:
  // At most this many commands per call.
  static constexpr int kMaxCommands = 1000;

  BulkServiceImpl(Gateway* gateway, CommandHandler* handler)
      : gateway_(gateway), handler_(handler) {}
  grpc::ServerUnaryReactor* SubmitCommands(grpc::CallbackServerContext* context,
                                           const v1::SubmitCommandsRequest* request,
                                           v1::SubmitCommandsResponse* response) override;

 private:
  Gateway* const gateway_;
  CommandHandler* const handler_;
};

// The open Watch streams, each holding a subscription and a thread: bounded, so that clients
// that open streams and never read cannot exhaust the server. Thread-safe.
class WatchRegistry {
 public:
  explicit WatchRegistry(size_t limit) : limit_(limit) {}
  // UNAVAILABLE once shutting down, RESOURCE_EXHAUSTED when `limit` streams are open: the
  // caller must refuse the watch with that status.
  absl::Status Add(storage::Subscription* subscription);
  void Remove(storage::Subscription* subscription);
  // Cancels every open watch and refuses new ones.
  void CancelAll();
  // Blocks until every watch has let go of its subscription (after CancelAll).
  void WaitUntilEmpty();
  size_t open() const;

 private:
  const size_t limit_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<storage::Subscription*> open_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
};

class AuditServiceImpl final : public v1::AuditService::CallbackService {
 public:
  AuditServiceImpl(Gateway* gateway, storage::EventLog* log, InstitutionRepository* repository,
                   WatchRegistry* watches)
      : gateway_(gateway), log_(log), repository_(repository), watches_(watches) {}

  grpc::ServerUnaryReactor* GetWorkflowState(grpc::CallbackServerContext* context,
                                             const v1::GetWorkflowStateRequest* request,
                                             v1::WorkflowState* response) override;
  grpc::ServerUnaryReactor* GetHistory(grpc::CallbackServerContext* context,
                                       const v1::GetHistoryRequest* request,
                                       v1::GetHistoryResponse* response) override;
  grpc::ServerUnaryReactor* ReadEvents(grpc::CallbackServerContext* context,
                                       const v1::ReadEventsRequest* request,
                                       v1::ReadEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchResponse>* Watch(grpc::CallbackServerContext* context,
                                                     const v1::WatchRequest* request) override;
  grpc::ServerUnaryReactor* VerifyLog(grpc::CallbackServerContext* context,
                                      const v1::VerifyLogRequest* request,
                                      v1::VerifyLogResponse* response) override;

 private:
  Gateway* const gateway_;
  storage::EventLog* const log_;
  InstitutionRepository* const repository_;
  WatchRegistry* const watches_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_GRPC_SERVICES_H_
