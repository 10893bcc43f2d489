// SccClient: a thin C++ client of the SCC workflow API for programs and tests. Send() records
// any event through the RPC that carries it (the payload decides which, see command_wire.h),
// with the caller's bearer token. Thread-safe (gRPC channels and stubs are).
#ifndef SCC_CLIENTS_CPP_SCC_CLIENT_H_
#define SCC_CLIENTS_CPP_SCC_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.grpc.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/workflow.pb.h"

namespace scc::client {

class SccClient {
 public:
  SccClient(std::shared_ptr<grpc::Channel> channel, std::string token);

  // Sends the command that records `payload`, with `context` (urn, request_id, ...).
  grpc::Status Send(const v1::CommandContext& context, const v1::EventPayload& payload,
                    v1::CommandResult* result) const;

  // Many commands in one call (BulkService.SubmitCommands), e.g. for imports.
  grpc::Status SubmitCommands(const v1::SubmitCommandsRequest& request,
                              v1::SubmitCommandsResponse* response) const;

  v1::AuditService::Stub& audit() const { return *audit_; }
  v1::ProjectionService::Stub& projections() const { return *projections_; }
  // A context with the bearer token and the default deadline.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  void set_deadline(std::chrono::milliseconds deadline) { deadline_ = deadline; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  std::chrono::milliseconds deadline_{10000};
  std::unique_ptr<v1::BulkService::Stub> bulk_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::ProjectionService::Stub> projections_;
};

}  // namespace scc::client

#endif  // SCC_CLIENTS_CPP_SCC_CLIENT_H_
