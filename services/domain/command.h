// A command as the domain sees it: the request to record one event and who sends it. A plain
// value; not synchronised.
#ifndef SCC_SERVICES_DOMAIN_COMMAND_H_
#define SCC_SERVICES_DOMAIN_COMMAND_H_

#include <optional>
#include <string>
#include <vector>

#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"
#include "services/domain/evolve.h"

namespace scc::domain {

// A request to record one event, with who asks (from credentials, never from the request).
struct Command {
  v1::CommandContext context;
  v1::EventPayload payload;  // exactly one kind set: the event the command asks to record
  std::string actor;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  // A headteacher's or chair of governors' own schools, the only ones they act on.
  std::vector<std::string> own_schools;
  // For a correction or a redaction: the event it names as recorded, looked up in the
  // institution's stream by whoever reads it (nullopt: no such event there). A correction is
  // authorized as the command that recorded it and its replacement keeps what the server
  // derived for it; a redaction may erase only what that event still holds.
  std::optional<StoredEvent> corrected;
  // For a correction: the institution's whole stream as recorded, in version order, so that a
  // withdrawal or a new date can be checked against the events that followed.
  std::vector<StoredEvent> stream;
};

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_COMMAND_H_
