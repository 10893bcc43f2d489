// The wire form of a command: which RPC records an EventPayload and the serialised request that
// carries it with its CommandContext. For callers that send commands generically (asynchronous
// load, bulk submission) rather than through the typed stubs. Thread-safe (the lookup table is
// built once, from the generated descriptors).
#ifndef SCC_CLIENTS_CPP_COMMAND_WIRE_H_
#define SCC_CLIENTS_CPP_COMMAND_WIRE_H_

#include <string>

#include "absl/status/statusor.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"

namespace scc::client {

struct WireCommand {
  std::string method;   // "/scc.v1.InstitutionService/RecordVisit"
  std::string request;  // the serialised RecordVisitRequest
};

// kInvalidArgument when no RPC records this kind of payload (or none is set).
absl::StatusOr<WireCommand> ToWire(const v1::CommandContext& context,
                                   const v1::EventPayload& payload);

}  // namespace scc::client

#endif  // SCC_CLIENTS_CPP_COMMAND_WIRE_H_
