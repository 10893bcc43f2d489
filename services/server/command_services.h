// The command services of the workflow: the five services whose every RPC is a command (one
// template, its RPCs read from the service descriptor), and bulk submission. Each call goes
// through the call frame (call_frame.h); the rules live in the domain, the writing in
// CommandHandler. Thread-safe.
#ifndef SCC_SERVICES_SERVER_COMMAND_SERVICES_H_
#define SCC_SERVICES_SERVER_COMMAND_SERVICES_H_

#include <vector>

#include "scc/v1/bulk.grpc.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "services/server/call_frame.h"
#include "services/server/command_handler.h"

namespace scc::server {

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

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_COMMAND_SERVICES_H_
