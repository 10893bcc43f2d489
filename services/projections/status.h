// An institution's status and obligations (docs/rules.md section 5) as of a date, computed from
// its folded state and the term calendar. Pure functions; thread-safe.
#ifndef SCC_SERVICES_PROJECTIONS_STATUS_H_
#define SCC_SERVICES_PROJECTIONS_STATUS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "scc/v1/projections.pb.h"
#include "services/domain/institution_state.h"
#include "services/domain/ofsted.h"
#include "services/projections/term_calendar.h"

namespace scc::projections {

// What the rules leave to the LA (docs/rules.md section 5: configuration, not code).
struct ObligationRules {
  int lead_officer_working_days = 10;         // identify a Lead Officer after designation
  int action_plan_working_days = 20;          // after assignment; a setting: listing
  int statement_of_action_working_days = 10;  // after the inspection report (s15 EA 2005)
  bool review_each_term = false;              // action-plan reviews each term, not each half term
  int srg_decision_working_days = 30;         // a school at risk awaits the SRG's decision
  int warning_notice_decision_months = 6;     // a decision not to issue holds this long
  int note_of_visit_working_days = 10;        // the HT agrees or disputes the note by then
  int intervention_decision_working_days = 20;  // decide on powers after non-compliance
  // Not the LA's: set by the termly report to its term's first day. Obligations are then judged
  // on the read date as the term's last day: a duty due by then and not done is overdue in that
  // report, and only periods within the term are judged (docs/rules.md section 6).
  std::optional<absl::CivilDay> judged_period_from;
};

// the HoSI meets each Lead Officer, not each school: the days of quality-assurance
// meetings held with each Lead Officer (by user id), over every institution they lead.
using QualityAssuranceDays = absl::flat_hash_map<std::string, std::vector<int32_t>>;
// Whether the institution has quality-assurance meetings to add to its Lead Officer's.
bool HasQualityAssurance(const domain::InstitutionState& state);
// Adds the quality-assurance meetings of one institution to those of its Lead Officer.
void AddQualityAssurance(const domain::InstitutionState& state, QualityAssuranceDays* days);
QualityAssuranceDays CollectQualityAssurance(
    const std::vector<std::shared_ptr<const domain::InstitutionState>>& states);

// Visits required this academic year (R-1 for maintained schools, R-2 for settings; academies
// none) and done by `as_of`.
struct VisitCount {
  int required = 0;
  int done = 0;
  int expected_by_now = 0;  // pro rata through the academic year
  absl::CivilDay from;      // the requirement's start: 1 September, or when it changed in the year
};
VisitCount CountVisits(const domain::InstitutionState& state, absl::CivilDay as_of,
                       const TermCalendar& calendar);

// Everything due or overdue for the institution on `as_of`; met obligations are not listed.
// `qa`, when given, holds the quality-assurance meetings with every Lead Officer; without
// it only the institution's own count.
std::vector<v1::Obligation> ComputeObligations(const domain::InstitutionState& state,
                                               absl::CivilDay as_of,
                                               const TermCalendar& calendar,
                                               const ObligationRules& rules,
                                               const QualityAssuranceDays* qa = nullptr);

// Every inspection with what `mapping` makes of it, the category acted on and the flags over
// the history (docs/ofsted.md).
v1::OfstedStatus BuildOfstedStatus(const domain::InstitutionState& state,
                                   const domain::OfstedMapping& mapping);

v1::InstitutionStatus BuildStatus(const domain::InstitutionState& state, absl::CivilDay as_of,
                                  const TermCalendar& calendar, const ObligationRules& rules,
                                  const QualityAssuranceDays* qa = nullptr);

}  // namespace scc::projections

#endif  // SCC_SERVICES_PROJECTIONS_STATUS_H_
