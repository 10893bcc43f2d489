#include "clients/cpp/scc_client.h"

#include "clients/cpp/command_wire.h"
#include "grpcpp/impl/client_unary_call.h"

namespace scc::client {

SccClient::SccClient(std::shared_ptr<grpc::Channel> channel, std::string token)
    : channel_(channel),
      token_(std::move(token)),
      bulk_(v1::BulkService::NewStub(channel)),
      audit_(v1::AuditService::NewStub(channel)),
      projections_(v1::ProjectionService::NewStub(channel)) {}

std::unique_ptr<grpc::ClientContext> SccClient::NewContext() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) ctx->AddMetadata("authorization", "Bearer " + token_);
  ctx->set_deadline(std::chrono::system_clock::now() + deadline_);
  return ctx;
}

grpc::Status SccClient::SubmitCommands(const v1::SubmitCommandsRequest& request,
                                       v1::SubmitCommandsResponse* response) const {
  std::unique_ptr<grpc::ClientContext> ctx = NewContext();
  return bulk_->SubmitCommands(ctx.get(), request, response);
}

grpc::Status SccClient::Send(const v1::CommandContext& context, const v1::EventPayload& payload,
                             v1::CommandResult* result) const {
  absl::StatusOr<CommandRequest> command = ToRequest(context, payload);
  if (!command.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(command.status().message()));
  }
  std::unique_ptr<grpc::ClientContext> ctx = NewContext();
  // What a generated stub does for one method, for the method the payload's kind names.
  const grpc::internal::RpcMethod method(command->method->c_str(),
                                         grpc::internal::RpcMethod::NORMAL_RPC);
  return grpc::internal::BlockingUnaryCall<google::protobuf::Message, v1::CommandResult,
                                           grpc::protobuf::MessageLite,
                                           grpc::protobuf::MessageLite>(
      channel_.get(), method, ctx.get(), *command->request, result);
}

}  // namespace scc::client
