// The wire form of a command: which RPC records an EventPayload and the request that carries it
// with its CommandContext, derived from workflow.proto's descriptors (each command RPC's request
// holds the context in field 1 and the payload's message in field 2), so a new command needs no
// code here. SccClient::Send, asynchronous loads and bulk submission use it. Thread-safe (the
// lookup table is built once).
#ifndef SCC_CLIENTS_CPP_COMMAND_WIRE_H_
#define SCC_CLIENTS_CPP_COMMAND_WIRE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"

namespace scc::client {

struct CommandRequest {
  const std::string* method;                     // "/scc.v1.InstitutionService/RecordVisit"
  std::unique_ptr<google::protobuf::Message> request;  // a RecordVisitRequest
};

// kInvalidArgument when no RPC records this kind of payload (or none is set).
absl::StatusOr<CommandRequest> ToRequest(const v1::CommandContext& context,
                                         const v1::EventPayload& payload);

struct WireCommand {
  std::string method;   // "/scc.v1.InstitutionService/RecordVisit"
  std::string request;  // the serialised RecordVisitRequest
};

// ToRequest, serialised.
absl::StatusOr<WireCommand> ToWire(const v1::CommandContext& context,
                                   const v1::EventPayload& payload);

}  // namespace scc::client

#endif  // SCC_CLIENTS_CPP_COMMAND_WIRE_H_
