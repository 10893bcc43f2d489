#include "services/domain/evolve.h"

#include "absl/container/flat_hash_map.h"
#include "services/domain/ofsted.h"

namespace scc::domain {
namespace {

using v1::EventPayload;
using v1::FlowchartState;

// A new episode of concern starts: what belonged to the last one is cleared.
void StartEpisode(InstitutionState& s, const std::string& on) {
  s.designated_on = on;
  s.triggers.clear();
  s.setting_triggers.clear();
  s.lead_officer.reset();
  s.action_plan_version = 0;
  s.action_plan_reviews = 0;
  s.statement_of_action_issued = false;
  s.last_srg_outcome = v1::SRG_OUTCOME_UNSPECIFIED;
  s.warning_notice.reset();
  s.warning_notice_issued_on.clear();
  s.warning_notice_not_complied = false;
  s.interventions.clear();
}

// Where a maintained school stands when it leaves an Ofsted category.
FlowchartState StateAfterCategory(const InstitutionState& s) {
  if (!s.interventions.empty()) return v1::FLOWCHART_STATE_INTERVENTION;
  if (s.action_plan_version > 0) return v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
  if (s.lead_officer) return v1::FLOWCHART_STATE_LO_ASSIGNED;
  return v1::FLOWCHART_STATE_DESIGNATED;
}

void ApplyOfsted(InstitutionState& s, const v1::OfstedOutcomeRecorded& outcome,
                 const std::string& on) {
  if (s.latest_ofsted && outcome.inspection_date() < s.latest_ofsted->inspection_date()) {
    return;  // an older inspection recorded late: history, not the latest outcome
  }
  s.latest_ofsted = outcome;
  if (s.details.kind() != v1::INSTITUTION_KIND_MAINTAINED_SCHOOL) return;
  const OfstedSummary summary = Classify(outcome);
  const bool category = summary.category == v1::OFSTED_CATEGORY_SPECIAL_MEASURES ||
                        summary.category == v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES;
  if (category) {
    // Any state -> OFSTED_CATEGORY (section 4); powers already in use stay in force.
    if (s.state == v1::FLOWCHART_STATE_OFSTED_CATEGORY ||
        s.state == v1::FLOWCHART_STATE_INTERVENTION) {
      return;
    }
    if (!IsCausingConcern(s.state)) {
      StartEpisode(s, on);
      v1::Trigger trigger;
      trigger.set_trigger(v1::CONCERN_TRIGGER_OFSTED_BELOW_GOOD);
      trigger.set_evidence(summary.label);
      s.triggers.push_back(trigger);
    }
    s.state = v1::FLOWCHART_STATE_OFSTED_CATEGORY;
    s.last_step_on = on;
  } else if (s.state == v1::FLOWCHART_STATE_OFSTED_CATEGORY) {
    s.state = StateAfterCategory(s);
    s.last_step_on = on;
  }
}

}  // namespace

bool IsCausingConcern(v1::FlowchartState state) {
  switch (state) {
    case v1::FLOWCHART_STATE_DESIGNATED:
    case v1::FLOWCHART_STATE_LO_ASSIGNED:
    case v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE:
    case v1::FLOWCHART_STATE_OFSTED_CATEGORY:
    case v1::FLOWCHART_STATE_WARNING_NOTICE:
    case v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION:
    case v1::FLOWCHART_STATE_INTERVENTION:
    case v1::FLOWCHART_STATE_CONCERN_RAISED_WITH_SCHOOL:
    case v1::FLOWCHART_STATE_TRUST_INFORMED:
    case v1::FLOWCHART_STATE_TRUST_PLAN_SHARED:
    case v1::FLOWCHART_STATE_ESCALATED:
    case v1::FLOWCHART_STATE_CAUSING_CONCERN:
    case v1::FLOWCHART_STATE_SUPPORT_ACTIVE:
      return true;
    default:
      return false;
  }
}

void Evolve(InstitutionState& s, const StoredEvent& event) {
  s.version = event.version;
  const EventPayload& p = event.payload;
  const std::string& on = event.metadata.effective_date();
  if (!event.metadata.event_id().empty()) s.event_kinds[event.metadata.event_id()] = p.kind_case();
  // A workflow step moves the state; these set `step` and share the bookkeeping below.
  std::optional<FlowchartState> step;

  switch (p.kind_case()) {
    case EventPayload::kInstitutionRegistered:
      s.registered = true;
      s.details = p.institution_registered().details();
      s.registered_on = on;
      step = v1::FLOWCHART_STATE_MONITORED;
      break;
    case EventPayload::kInstitutionUpdated: {
      const v1::InstitutionKind kind = s.details.kind();
      s.details = p.institution_updated().details();
      s.details.set_kind(kind);
      break;
    }
    case EventPayload::kOfstedOutcomeRecorded:
      ApplyOfsted(s, p.ofsted_outcome_recorded(), on);
      break;
    case EventPayload::kRagRatingRecorded:
      s.rag = p.rag_rating_recorded();
      break;
    case EventPayload::kConcernRaised:
      s.triggers.assign(p.concern_raised().triggers().begin(), p.concern_raised().triggers().end());
      s.concern_discussed_with_headteacher_on = p.concern_raised().discussed_with_headteacher_on();
      step = v1::FLOWCHART_STATE_AT_RISK;
      break;
    case EventPayload::kSrgDesignated: {
      const v1::SrgDesignated& d = p.srg_designated();
      StartEpisode(s, on);
      s.triggers.assign(d.triggers().begin(), d.triggers().end());
      if (!d.discussed_with_headteacher_on().empty()) {
        s.concern_discussed_with_headteacher_on = d.discussed_with_headteacher_on();
      }
      step = v1::FLOWCHART_STATE_DESIGNATED;
      break;
    }
    case EventPayload::kSrgDecidedNotToDesignate:
      s.triggers.clear();
      s.concern_discussed_with_headteacher_on.clear();
      step = v1::FLOWCHART_STATE_MONITORED;
      break;
    case EventPayload::kLeadOfficerAssigned:
      s.lead_officer = p.lead_officer_assigned();
      if (s.state == v1::FLOWCHART_STATE_DESIGNATED) step = v1::FLOWCHART_STATE_LO_ASSIGNED;
      break;
    case EventPayload::kLeadOfficerReassigned: {
      const v1::LeadOfficerReassigned& r = p.lead_officer_reassigned();
      v1::LeadOfficerAssigned lo;
      lo.set_lead_officer_id(r.lead_officer_id());
      lo.set_lead_officer_name(r.lead_officer_name());
      lo.set_kind(r.kind());
      s.lead_officer = lo;
      break;
    }
    case EventPayload::kActionPlanAgreed:
      s.action_plan_version = p.action_plan_agreed().version();
      if (s.state == v1::FLOWCHART_STATE_LO_ASSIGNED) step = v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
      break;
    case EventPayload::kActionPlanReviewHeld:
      s.action_plan_version = p.action_plan_review_held().new_version();
      ++s.action_plan_reviews;
      break;
    case EventPayload::kStatementOfActionIssued:
      s.statement_of_action_issued = true;
      break;
    case EventPayload::kSrgReviewOutcomeRecorded:
      s.last_srg_outcome = p.srg_review_outcome_recorded().outcome();
      break;
    case EventPayload::kWarningNoticeIssued:
      s.warning_notice = p.warning_notice_issued();
      s.warning_notice_issued_on = on;
      s.warning_notice_not_complied = false;
      step = v1::FLOWCHART_STATE_WARNING_NOTICE;
      break;
    case EventPayload::kWarningNoticeComplied:
      step = v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
      break;
    case EventPayload::kWarningNoticeNotComplied:
      s.warning_notice_not_complied = true;
      break;
    case EventPayload::kNoticeOfIntentionToInterveneIssued:
      step = v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION;
      break;
    case EventPayload::kInterventionApplied:
      s.interventions.push_back(p.intervention_applied().power());
      step = v1::FLOWCHART_STATE_INTERVENTION;
      break;
    case EventPayload::kAcademyConcernRaisedWithSchool:
      StartEpisode(s, on);
      s.trust_informed = false;
      s.triggers.assign(p.academy_concern_raised_with_school().triggers().begin(),
                        p.academy_concern_raised_with_school().triggers().end());
      step = v1::FLOWCHART_STATE_CONCERN_RAISED_WITH_SCHOOL;
      break;
    case EventPayload::kAcademyTrustInformed:
      s.trust_informed = true;
      step = v1::FLOWCHART_STATE_TRUST_INFORMED;
      break;
    case EventPayload::kAcademyTrustPlanShared:
      step = v1::FLOWCHART_STATE_TRUST_PLAN_SHARED;
      break;
    case EventPayload::kAcademyConcernEscalated:
      step = v1::FLOWCHART_STATE_ESCALATED;
      break;
    case EventPayload::kAcademyConcernResolved:
      step = v1::FLOWCHART_STATE_RESOLVED;
      break;
    case EventPayload::kSettingCausingConcernRecorded:
      StartEpisode(s, on);
      s.setting_triggers.assign(p.setting_causing_concern_recorded().triggers().begin(),
                                p.setting_causing_concern_recorded().triggers().end());
      step = v1::FLOWCHART_STATE_CAUSING_CONCERN;
      break;
    case EventPayload::kSettingSupportActionRecorded:
      step = v1::FLOWCHART_STATE_SUPPORT_ACTIVE;
      break;
    case EventPayload::kSettingRemovedFromList:
    case EventPayload::kSccRemoved:
      step = v1::FLOWCHART_STATE_REMOVED;
      break;
    case EventPayload::kMonitoringAndChallengeMeetingHeld:
    case EventPayload::kSchoolProgressReviewTeamMeetingHeld:
    case EventPayload::kVisitRecorded:
    case EventPayload::kQualityAssuranceMeetingHeld:
    case EventPayload::kEngagementConcernRecorded:
    case EventPayload::kSettingsCausingConcernMeetingHeld:
    case EventPayload::kEventCorrected:
    case EventPayload::KIND_NOT_SET:
      break;
  }
  if (step) {
    s.state = *step;
    s.last_step_on = on;
  }
}

bool NeedsRefold(const StoredEvent& event) {
  return event.payload.has_event_corrected() && event.payload.event_corrected().has_replacement();
}

InstitutionState Fold(const std::string& urn, const std::vector<StoredEvent>& events) {
  absl::flat_hash_map<std::string, const EventPayload*> replacements;
  for (const StoredEvent& e : events) {
    if (NeedsRefold(e)) {
      replacements[e.payload.event_corrected().corrected_event_id()] =
          &e.payload.event_corrected().replacement();
    }
  }
  InstitutionState state;
  state.urn = urn;
  for (const StoredEvent& e : events) {
    auto it = replacements.find(e.metadata.event_id());
    if (it == replacements.end()) {
      Evolve(state, e);
    } else {
      StoredEvent corrected{e.version, *it->second, e.metadata};
      Evolve(state, corrected);
    }
  }
  return state;
}

}  // namespace scc::domain
