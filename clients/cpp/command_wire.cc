#include "clients/cpp/command_wire.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "scc/v1/workflow.pb.h"

namespace scc::client {
namespace {

namespace pb = google::protobuf;

struct Route {
  std::string method;
  const pb::Message* prototype;  // the request message; field 1 context, field 2 payload
};

// Every command RPC of workflow.proto, by the EventPayload field its request carries.
const absl::flat_hash_map<const pb::FieldDescriptor*, Route>& Routes() {
  static const auto* routes = [] {
    auto* table = new absl::flat_hash_map<const pb::FieldDescriptor*, Route>();
    const pb::Descriptor* payload = v1::EventPayload::descriptor();
    const pb::FileDescriptor* file = v1::RegisterInstitutionRequest::descriptor()->file();
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        const pb::FieldDescriptor* carried = method->input_type()->FindFieldByNumber(2);
        if (carried == nullptr || carried->message_type() == nullptr) continue;
        for (int f = 0; f < payload->field_count(); ++f) {
          if (payload->field(f)->message_type() != carried->message_type()) continue;
          table->emplace(payload->field(f),
                         Route{absl::StrCat("/", service->full_name(), "/", method->name()),
                               pb::MessageFactory::generated_factory()->GetPrototype(
                                   method->input_type())});
        }
      }
    }
    return table;
  }();
  return *routes;
}

}  // namespace

absl::StatusOr<CommandRequest> ToRequest(const v1::CommandContext& context,
                                         const v1::EventPayload& payload) {
  const pb::FieldDescriptor* kind =
      payload.kind_case() == v1::EventPayload::KIND_NOT_SET
          ? nullptr
          : v1::EventPayload::descriptor()->FindFieldByNumber(payload.kind_case());
  const auto it = kind == nullptr ? Routes().end() : Routes().find(kind);
  if (it == Routes().end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no command RPC records a payload of kind ", kind == nullptr ? "(none)" : kind->name()));
  }
  CommandRequest command{&it->second.method,
                         std::unique_ptr<pb::Message>(it->second.prototype->New())};
  const pb::Descriptor* d = command.request->GetDescriptor();
  const pb::Reflection* r = command.request->GetReflection();
  r->MutableMessage(command.request.get(), d->FindFieldByNumber(1))->CopyFrom(context);
  r->MutableMessage(command.request.get(), d->FindFieldByNumber(2))
      ->CopyFrom(payload.GetReflection()->GetMessage(payload, kind));
  return command;
}

absl::StatusOr<WireCommand> ToWire(const v1::CommandContext& context,
                                   const v1::EventPayload& payload) {
  absl::StatusOr<CommandRequest> command = ToRequest(context, payload);
  if (!command.ok()) return command.status();
  WireCommand wire{*command->method, ""};
  if (!command->request->SerializeToString(&wire.request)) {
    return absl::InternalError("could not serialise the request");
  }
  return wire;
}

}  // namespace scc::client
