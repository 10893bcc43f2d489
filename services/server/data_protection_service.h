// DataProtectionService: retention runs and subject access requests over gRPC and the JSON
// API (docs/data-protection.md). A subject access request is kept in a stream of its own in
// the event log ("subject-access/<id>"): received (due a month later), then answered. Every
// call goes through the call frame (call_frame.h) and runs on the long-call executor, since
// each reads the whole log or waits for a commit. Thread-safe; what it points to must outlive
// it.
#ifndef SCC_SERVICES_SERVER_DATA_PROTECTION_SERVICE_H_
#define SCC_SERVICES_SERVER_DATA_PROTECTION_SERVICE_H_

#include <string>

#include "scc/v1/data_protection.grpc.pb.h"
#include "services/server/call_frame.h"
#include "services/server/retention_runner.h"
#include "storage/event_log.h"

namespace scc::server {

class DataProtectionServiceImpl final : public FramedService<v1::DataProtectionService> {
 public:
  // `authority` heads the subject access export's page.
  DataProtectionServiceImpl(CallFrame* frame, const RetentionRunner* retention,
                            storage::EventLog* log, std::string authority);

 private:
  absl::Status RunRetention(const UnaryCall& call, const v1::RunRetentionRequest& request,
                            v1::RetentionReport* response);
  absl::Status RecordSubjectAccessRequest(const UnaryCall& call,
                                          const v1::RecordSubjectAccessRequestRequest& request,
                                          v1::SubjectAccessRequest* response);
  absl::Status ListSubjectAccessRequests(const UnaryCall& call,
                                         const v1::ListSubjectAccessRequestsRequest& request,
                                         v1::ListSubjectAccessRequestsResponse* response);
  absl::Status ExportSubjectAccess(const UnaryCall& call,
                                   const v1::ExportSubjectAccessRequest& request,
                                   v1::SubjectAccessExport* response);
  absl::Status AnswerSubjectAccessRequest(const UnaryCall& call,
                                          const v1::AnswerSubjectAccessRequestRequest& request,
                                          v1::SubjectAccessRequest* response);
  // The request `id` as it stands; NOT_FOUND naming it.
  absl::StatusOr<v1::SubjectAccessRequest> Load(const std::string& id) const;

  const RetentionRunner* const retention_;
  storage::EventLog* const log_;
  const std::string authority_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_DATA_PROTECTION_SERVICE_H_
