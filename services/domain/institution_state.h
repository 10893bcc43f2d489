// The decision state of one institution: what the workflow rules need to know, folded from its
// events (evolve.h). A plain value; not synchronised.
#ifndef SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_
#define SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"

namespace scc::domain {

struct InstitutionState {
  bool registered = false;
  std::string urn;
  v1::InstitutionDetails details;
  std::string registered_on;         // effective date of registration
  std::optional<uint64_t> version;   // version of the last event; nullopt: no stream yet
  v1::FlowchartState state = v1::FLOWCHART_STATE_UNSPECIFIED;
  std::string last_step_on;          // effective date of the last workflow step

  // Facts.
  std::optional<v1::OfstedOutcomeRecorded> latest_ofsted;  // latest by inspection date
  std::optional<v1::RagRatingRecorded> rag;

  // The current (or last) episode of concern.
  std::string concern_discussed_with_headteacher_on;
  std::string designated_on;         // start of the episode (designation or Ofsted category)
  std::vector<v1::Trigger> triggers;                 // schools and academies
  std::vector<v1::SettingTrigger> setting_triggers;  // settings
  std::optional<v1::LeadOfficerAssigned> lead_officer;
  uint32_t action_plan_version = 0;
  int action_plan_reviews = 0;
  bool statement_of_action_issued = false;
  v1::SrgOutcome last_srg_outcome = v1::SRG_OUTCOME_UNSPECIFIED;
  std::optional<v1::WarningNoticeIssued> warning_notice;
  std::string warning_notice_issued_on;
  bool warning_notice_not_complied = false;
  std::vector<v1::InterventionPower> interventions;
  bool trust_informed = false;       // academies

  // event_id -> payload kind, for corrections.
  absl::flat_hash_map<std::string, v1::EventPayload::KindCase> event_kinds;
};

// Whether the institution is on the list of those causing concern in `state`.
bool IsCausingConcern(v1::FlowchartState state);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_INSTITUTION_STATE_H_
