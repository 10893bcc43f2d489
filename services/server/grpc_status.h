// absl::Status -> grpc::Status, carrying the google.rpc detail payloads (BadRequest,
// PreconditionFailure, ErrorInfo) in the rich error model (grpc-status-details-bin).
#ifndef SCC_SERVICES_SERVER_GRPC_STATUS_H_
#define SCC_SERVICES_SERVER_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace scc::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The same status as a google.rpc.Status message (code, message, detail payloads), for answers
// that carry several outcomes (bulk submission).
google::rpc::Status ToRpcStatus(const absl::Status& status);

// "PERMISSION_DENIED" for grpc::StatusCode::PERMISSION_DENIED; "UNKNOWN" for codes gRPC lacks.
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_GRPC_STATUS_H_
