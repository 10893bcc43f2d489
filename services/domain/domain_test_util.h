// Builders for domain tests: commands in a line each, and a Workflow that runs decide/evolve
// over one institution with no I/O.
#ifndef SCC_SERVICES_DOMAIN_DOMAIN_TEST_UTIL_H_
#define SCC_SERVICES_DOMAIN_DOMAIN_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "scc/v1/events.pb.h"
#include "services/domain/decide.h"
#include "services/domain/evolve.h"

namespace scc::domain::testing {

inline constexpr char kUrn[] = "100001";
inline const absl::CivilDay kToday(2026, 11, 23);

v1::EventPayload Register(v1::InstitutionKind kind = v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
v1::EventPayload RaiseConcern();
v1::EventPayload Designate(bool with_discussion = true);
v1::EventPayload NotDesignate();
v1::EventPayload AssignLeadOfficer(const std::string& id = "lo-ann");
v1::EventPayload AgreePlan();
v1::EventPayload Review();
v1::EventPayload Mcm();
v1::EventPayload SprtMeeting();
v1::EventPayload QaMeeting(const std::string& lo = "");
v1::EventPayload SrgReview(v1::SrgOutcome outcome);
v1::EventPayload Engagement();
v1::EventPayload StatementOfAction();
v1::EventPayload Ofsted(v1::OfstedGrade grade, const std::string& inspected,
                        v1::OfstedCategory category = v1::OFSTED_CATEGORY_NONE);
v1::EventPayload ReportCardOutcome(v1::ReportCardGrade leadership, v1::ReportCardGrade others,
                                   v1::SafeguardingOutcome safeguarding,
                                   const std::string& inspected);
v1::EventPayload Visit();
v1::EventPayload Rise();
v1::EventPayload Rag();
// An s60 notice with its statutory content and a copy to the governing body given on
// `copies_on` (default: the compliance period's end).
v1::EventPayload WarningNotice(const std::string& compliance_ends_on,
                               const std::string& copies_on = "");
v1::EventPayload WarningComplied();
// s60A, with a copy to the governing body given on `copies_on` (default: the period's end).
v1::EventPayload PayAndConditionsNotice(const std::string& compliance_ends_on,
                                        const std::string& copies_on = "");
v1::EventPayload SecretaryOfStateNotice(const std::string& in_force_until);
v1::EventPayload PowersNotUsed();
v1::EventPayload EndPower(v1::InterventionPower power);
v1::EventPayload ShortenStatementOfAction(const std::string& due_on);
v1::EventPayload ProgressReport();
v1::EventPayload NotIssued();
v1::EventPayload ReviewSecured(v1::RecommendedReview review);
v1::EventPayload NoteResponse(const std::string& visit_event_id,
                              v1::NoteOfVisitStatus status = v1::NOTE_OF_VISIT_STATUS_AGREED);
v1::EventPayload WarningNotComplied();
v1::EventPayload NoticeOfIntention();
v1::EventPayload Intervention(v1::InterventionPower power);
// the consultation before s63 or s65, of the governing body (and whoever else is given).
v1::EventPayload Consultation(v1::InterventionPower power,
                              std::vector<v1::SchoolParty> consulted = {
                                  v1::SCHOOL_PARTY_GOVERNING_BODY});
v1::EventPayload Removal(bool srg_confirmed = true);
v1::EventPayload AcademyConcern();
v1::EventPayload InformTrust();
v1::EventPayload TrustPlan();
v1::EventPayload Escalate();
v1::EventPayload ResolveAcademy();
v1::EventPayload SettingConcern();
v1::EventPayload SettingSupport();
v1::EventPayload SettingMeeting();
v1::EventPayload SettingPlan();  // AgreeSettingActionPlan with one key issue and one action
v1::EventPayload SettingRemoved(v1::SettingRemovalBasis basis);
v1::EventPayload Correct(const std::string& event_id, const v1::EventPayload* replacement);
// The life of an institution (docs/life-cycle.md).
v1::EventPayload Closure(const std::string& successor = "");
v1::EventPayload Conversion(const std::string& successor = "149001",
                            const std::string& trust = "Oakfield Academy Trust");
v1::EventPayload OrderMade();
v1::EventPayload OrderRevoked();
v1::EventPayload TrustChange(const std::string& trust);
v1::EventPayload Predecessor(const std::string& urn);

// The reason tests give for a decision (R-24: every decision says why).
inline constexpr char kReason[] = "agreed at the School Review Group";

// One institution's stream, decided and evolved in memory.
class Workflow {
 public:
  // Decides `payload` as of `date` by `role`; on success evolves the state with the events.
  absl::StatusOr<std::vector<v1::EventPayload>> Run(
      const v1::EventPayload& payload, const std::string& date,
      v1::Role role = v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, const std::string& reason = kReason);
  // As Run, failing the test on error.
  void Must(const v1::EventPayload& payload, const std::string& date);

  const InstitutionState& state() const { return state_; }
  const std::vector<StoredEvent>& events() const { return events_; }
  Command MakeCommand(const v1::EventPayload& payload, const std::string& date, v1::Role role,
                      const std::string& reason);

 private:
  InstitutionState state_;
  std::vector<StoredEvent> events_;
  int requests_ = 0;
};

}  // namespace scc::domain::testing

#endif  // SCC_SERVICES_DOMAIN_DOMAIN_TEST_UTIL_H_
