#include "services/domain/event_metadata.h"

#include "services/domain/confidentiality.h"
#include "services/domain/decide.h"

namespace scc::domain {

v1::EventMetadata StampEvent(const Command& command, const v1::EventPayload& event,
                             std::string event_id, std::string command_hash,
                             absl::CivilDay today) {
  v1::EventMetadata metadata;
  metadata.set_event_id(std::move(event_id));
  metadata.set_actor(command.actor);
  metadata.set_role(command.role);
  metadata.set_effective_date(EffectiveDate(command, today));
  metadata.set_reason(command.context.reason());
  *metadata.mutable_notes() = command.context.notes();
  if (NotesAlwaysConfidential(event)) metadata.mutable_notes()->set_confidential(true);
  metadata.set_correlation_id(command.context.correlation_id());
  metadata.set_causation_id(command.context.causation_id());
  metadata.set_command_hash(std::move(command_hash));
  return metadata;
}

}  // namespace scc::domain
