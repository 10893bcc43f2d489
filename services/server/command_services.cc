#include "services/server/command_services.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "services/domain/decide.h"
#include "services/domain/errors.h"
#include "services/server/grpc_status.h"

namespace scc::server {
namespace {

// The EventPayload field whose message type is `type`.
const google::protobuf::FieldDescriptor* PayloadFieldFor(const google::protobuf::Descriptor* type) {
  const google::protobuf::Descriptor* payload = v1::EventPayload::descriptor();
  for (int i = 0; i < payload->field_count(); ++i) {
    if (payload->field(i)->message_type() == type) return payload->field(i);
  }
  return nullptr;
}

// A command RPC: request field 1 is the CommandContext, field 2 the payload.
void RunCommand(CommandHandler* handler, const CallPtr& call) {
  const google::protobuf::Message& request = call->request();
  const google::protobuf::Reflection* r = request.GetReflection();
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  domain::Command command;
  command.context.CopyFrom(r->GetMessage(request, d->FindFieldByNumber(1)));
  const google::protobuf::Message& payload = r->GetMessage(request, d->FindFieldByNumber(2));
  const google::protobuf::FieldDescriptor* slot = PayloadFieldFor(payload.GetDescriptor());
  if (slot != nullptr) {
    command.payload.GetReflection()->MutableMessage(&command.payload, slot)->CopyFrom(payload);
  }
  handler->Execute(call->caller(), std::move(command),
                   [call](absl::StatusOr<v1::CommandResult> result) {
                     if (result.ok()) {
                       *static_cast<v1::CommandResult*>(call->response()) = *std::move(result);
                     }
                     call->Finish(result.status());
                   });
}

}  // namespace

std::vector<Rpc> CommandRpcs(const char* service, CommandHandler* handler) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  std::vector<Rpc> rpcs;
  for (int i = 0; i < descriptor->method_count(); ++i) {
    rpcs.push_back(Rpc{descriptor->method(i)->name(), Work::kCommand,
                       [handler](const CallPtr& call) { RunCommand(handler, call); }});
  }
  return rpcs;
}

BulkServiceImpl::BulkServiceImpl(CallFrame* frame, CommandHandler* handler)
    : FramedService<v1::BulkService>(
          frame, {Rpc{"SubmitCommands", Work::kBatch,
                      [this](const CallPtr& call) { SubmitCommands(call); }}}),
      handler_(handler) {}

void BulkServiceImpl::SubmitCommands(const CallPtr& call) {
  const auto& request = static_cast<const v1::SubmitCommandsRequest&>(call->request());
  if (request.commands_size() > kMaxCommands) {
    call->Finish(domain::InvalidField(
        "commands", absl::StrCat("holds ", request.commands_size(), " commands; at most ",
                                 kMaxCommands, " per call: split the submission")));
    return;
  }
  std::vector<domain::Command> commands(request.commands_size());
  for (int i = 0; i < request.commands_size(); ++i) {
    commands[i].context = request.commands(i).context();
    commands[i].payload = request.commands(i).payload();
  }
  handler_->ExecuteBatch(
      call->caller(), std::move(commands),
      [call](std::vector<absl::StatusOr<v1::CommandResult>> outcomes) {
        auto* response = static_cast<v1::SubmitCommandsResponse*>(call->response());
        for (absl::StatusOr<v1::CommandResult>& outcome : outcomes) {
          v1::CommandOutcome* out = response->add_outcomes();
          if (outcome.ok()) {
            *out->mutable_result() = *std::move(outcome);
            response->set_recorded(response->recorded() + 1);
          } else {
            *out->mutable_error() = ToRpcStatus(outcome.status());
            response->set_failed(response->failed() + 1);
          }
        }
        call->Finish(absl::OkStatus());
      });
}

}  // namespace scc::server
