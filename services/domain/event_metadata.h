// What the server stamps on every event a command records: who recorded it (from the caller's
// credentials, never the request), when it took effect, why, its notes (confidential where
// R-25 says so whatever the command says), the correlation and causation ids, and the hash of
// the command that recorded it (to tell a retry from a different command reusing its
// request_id). Pure functions; thread-safe.
#ifndef SCC_SERVICES_DOMAIN_EVENT_METADATA_H_
#define SCC_SERVICES_DOMAIN_EVENT_METADATA_H_

#include <string>

#include "absl/time/civil_time.h"
#include "scc/v1/events.pb.h"
#include "services/domain/command.h"

namespace scc::domain {

// The metadata of `event`, one of the events Decide returned for `command` on `today`, given
// the id the server derived for it and the command's hash.
v1::EventMetadata StampEvent(const Command& command, const v1::EventPayload& event,
                             std::string event_id, std::string command_hash,
                             absl::CivilDay today);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_EVENT_METADATA_H_
