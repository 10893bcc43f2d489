// AuditService: an institution's workflow state and the path it took, its history, the global
// event stream in pages, verification of the hash chain, and Watch (in watch_service.h). Every
// unary call goes through the call frame (call_frame.h). Thread-safe; what it points to must
// outlive it.
#ifndef SCC_SERVICES_SERVER_AUDIT_SERVICE_H_
#define SCC_SERVICES_SERVER_AUDIT_SERVICE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "scc/v1/audit.grpc.pb.h"
#include "services/server/call_frame.h"
#include "services/server/institution_repository.h"
#include "services/server/watch_service.h"
#include "storage/event_log.h"

namespace scc::server {

// Page sizes of history and event reads are cut to this.
inline constexpr uint32_t kMaxPageSize = 1000;

class AuditServiceImpl final : public FramedService<v1::AuditService> {
 public:
  AuditServiceImpl(CallFrame* frame, Gateway* gateway, storage::EventLog* log,
                   InstitutionRepository* repository, WatchRegistry* watches);

 private:
  absl::Status GetWorkflowState(const UnaryCall& call,
                                const v1::GetWorkflowStateRequest& request,
                                v1::WorkflowState* response);
  absl::Status GetHistory(const UnaryCall& call,
                          const v1::GetHistoryRequest& request,
                          v1::GetHistoryResponse* response);
  absl::Status GetLetter(const UnaryCall& call, const v1::GetLetterRequest& request,
                         v1::Letter* response);
  absl::Status ReadEvents(const UnaryCall& call,
                          const v1::ReadEventsRequest& request,
                          v1::ReadEventsResponse* response);
  absl::Status ListFileReads(const UnaryCall& call, const v1::ListFileReadsRequest& request,
                             v1::ListFileReadsResponse* response);
  absl::Status VerifyLog(const UnaryCall& call,
                         const v1::VerifyLogRequest& request,
                         v1::VerifyLogResponse* response);

  WatchService watch_;
  Gateway* const gateway_;
  storage::EventLog* const log_;
  InstitutionRepository* const repository_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_AUDIT_SERVICE_H_
