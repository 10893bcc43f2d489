#include "services/domain/evolve.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "services/domain/dates.h"
#include "services/domain/ofsted.h"

namespace scc::domain {
namespace {

using v1::EventPayload;
using v1::FlowchartState;

// Effective dates were checked when the command was decided; one that does not parse is left out.
void AddDay(google::protobuf::RepeatedField<int32_t>* days, const std::string& on) {
  if (const std::optional<absl::CivilDay> day = ParseDate(on)) days->Add(DayNumber(*day));
}

// A new episode of concern starts: what belonged to the last one goes with it.
void StartEpisode(InstitutionState& s, const std::string& on) {
  s.clear_episode();
  s.mutable_episode()->set_designated_on(on);
}

// Where a maintained school stands when it leaves an Ofsted category.
FlowchartState StateAfterCategory(const InstitutionState& s) {
  if (s.episode().interventions_size() > 0) return v1::FLOWCHART_STATE_INTERVENTION;
  if (s.episode().action_plan_version() > 0) return v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
  if (s.episode().has_lead_officer()) return v1::FLOWCHART_STATE_LO_ASSIGNED;
  return v1::FLOWCHART_STATE_DESIGNATED;
}

// Every inspection is kept, in inspection-date order; recording one again replaces its entry.
void AddToHistory(InstitutionState& s, const v1::OfstedOutcomeRecorded& outcome) {
  auto* history = s.mutable_ofsted_history();
  for (v1::OfstedOutcomeRecorded& earlier : *history) {
    if (SameInspection(earlier, outcome)) {
      earlier = outcome;
      return;
    }
  }
  int at = history->size();
  while (at > 0 && history->Get(at - 1).inspection_date() > outcome.inspection_date()) --at;
  *history->Add() = outcome;
  for (int i = history->size() - 1; i > at; --i) history->SwapElements(i, i - 1);
}

void ApplyOfsted(InstitutionState& s, const v1::OfstedOutcomeRecorded& outcome,
                 const std::string& on) {
  AddToHistory(s, outcome);
  // A monitoring inspection carries no grade: the latest graded outcome stands.
  if (outcome.has_monitoring()) return;
  if (s.has_latest_ofsted() && outcome.inspection_date() < s.latest_ofsted().inspection_date()) {
    return;  // an older inspection recorded late: history, not the latest outcome
  }
  *s.mutable_latest_ofsted() = outcome;
  // A report on a closed school, published after it closed, is history: no category follows.
  if (s.details().kind() != v1::INSTITUTION_KIND_MAINTAINED_SCHOOL || !s.closed_on().empty()) {
    return;
  }
  // the published category of concern (a derived one only when the record has none).
  const OfstedSummary summary = Classify(outcome);
  const bool category = summary.category == v1::OFSTED_CATEGORY_SPECIAL_MEASURES ||
                        summary.category == v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT;
  if (category) {
    // Any state -> OFSTED_CATEGORY (section 4). A school already in a category stays in it
    // from its first judgement; powers already in use stay in force (state INTERVENTION), the
    // school is in the category all the same (R-13: Statement of Action, termly reviews).
    if (!IsCausingConcern(s.state())) {
      StartEpisode(s, on);
      v1::Trigger* trigger = s.mutable_episode()->add_triggers();
      trigger->set_trigger(v1::CONCERN_TRIGGER_OFSTED_BELOW_GOOD);
      trigger->set_evidence(summary.label);
    }
    if (s.episode().category_entered_on().empty()) s.mutable_episode()->set_category_entered_on(on);
    // an Ofsted judgement of SW (s61) or SM (s62) makes the school eligible for
    // intervention.
    if (s.episode().eligible_for_intervention_on().empty())
      s.mutable_episode()->set_eligible_for_intervention_on(on);
    if (s.state() != v1::FLOWCHART_STATE_INTERVENTION &&
        s.state() != v1::FLOWCHART_STATE_OFSTED_CATEGORY) {
      s.set_state(v1::FLOWCHART_STATE_OFSTED_CATEGORY);
      s.set_last_step_on(on);
    }
  } else if (!s.episode().category_entered_on().empty()) {
    // A later judgement outside the categories: the school leaves its category.
    s.mutable_episode()->clear_category_entered_on();
    if (s.state() == v1::FLOWCHART_STATE_OFSTED_CATEGORY) {
      if (s.episode().interventions_size() == 0)
        s.mutable_episode()->clear_eligible_for_intervention_on();
      s.set_state(StateAfterCategory(s));
      s.set_last_step_on(on);
    }
  }
}

// A closure or academy conversion: the institution no longer exists under this URN, so an open
// episode of concern ends on that basis — not by a removal, which R-15 would refuse.
void Close(InstitutionState& s, const std::string& on, v1::EpisodeEnd basis) {
  if (IsCausingConcern(s.state())) {
    s.mutable_episode()->set_removed_on(on);
    s.mutable_episode()->set_ended_by(basis);
  }
  s.set_closed_on(on);
}

// Where a school goes back to when a warning notice is complied with, ended by the Secretary of
// State's, or the LA decides not to use its powers: the state the notice found it in. A
// school warned outside an episode of concern leaves the list again; older records, which did
// not keep that state, go back to the plan.
std::optional<FlowchartState> EndWarning(InstitutionState& s, const std::string& on) {
  v1::SccEpisode& e = *s.mutable_episode();
  FlowchartState back = e.state_before_warning();
  if (back == v1::FLOWCHART_STATE_UNSPECIFIED) back = v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
  if (!e.category_entered_on().empty()) back = v1::FLOWCHART_STATE_OFSTED_CATEGORY;
  if (e.started_by_warning_notice() && !IsCausingConcern(back)) e.set_removed_on(on);
  if (e.category_entered_on().empty()) e.clear_eligible_for_intervention_on();
  e.clear_eligible_under_section_60_only();
  return back;
}

// A formal warning notice (s60, or s60A with `section_60a`): any maintained school. One
// found outside an episode of concern starts one: it causes concern while the notice runs.
FlowchartState StartWarning(InstitutionState& s, const v1::WarningNoticeIssued& notice,
                            bool section_60a, const std::string& on) {
  const FlowchartState before = s.state();
  if (!IsCausingConcern(before)) {
    auto triggers = s.episode().triggers();  // a concern raised before the SRG keeps its triggers
    StartEpisode(s, on);
    *s.mutable_episode()->mutable_triggers() = std::move(triggers);
    s.mutable_episode()->set_started_by_warning_notice(true);
  }
  v1::SccEpisode& e = *s.mutable_episode();
  e.set_state_before_warning(before);
  *e.mutable_warning_notice() = notice;
  e.set_warning_notice_section_60a(section_60a);
  e.set_warning_notice_issued_on(on);
  e.set_warning_notice_not_complied(false);
  e.set_warning_notice_complied(false);
  return v1::FLOWCHART_STATE_WARNING_NOTICE;
}

// Where a school stands when its last power in force ends.
FlowchartState StateAfterIntervention(const InstitutionState& s) {
  if (!s.episode().category_entered_on().empty()) return v1::FLOWCHART_STATE_OFSTED_CATEGORY;
  return StateAfterCategory(s);
}

template <typename Repeated>
void Assign(Repeated* to, const Repeated& from) {
  *to = from;
}

// A visit's id as the state keeps it: at most what two bytes count (event ids are UUIDs, far
// shorter).
absl::string_view KeptId(absl::string_view event_id) { return event_id.substr(0, 0xFFFF); }

}  // namespace

std::vector<absl::string_view> UnagreedVisitIds(const InstitutionState& s) {
  std::vector<absl::string_view> ids;
  absl::string_view packed = s.unagreed_visit_ids();
  while (packed.size() >= 2) {
    const size_t n = static_cast<uint8_t>(packed[0]) |
                     static_cast<size_t>(static_cast<uint8_t>(packed[1])) << 8;
    if (packed.size() < 2 + n) break;  // not written by AddUnagreedVisit
    ids.push_back(packed.substr(2, n));
    packed.remove_prefix(2 + n);
  }
  return ids;
}

bool AwaitsResponse(const InstitutionState& s, absl::string_view event_id) {
  const std::vector<absl::string_view> ids = UnagreedVisitIds(s);
  return std::find(ids.begin(), ids.end(), KeptId(event_id)) != ids.end();
}

void AddUnagreedVisit(InstitutionState& s, absl::string_view event_id, int32_t day) {
  event_id = KeptId(event_id);
  std::string& packed = *s.mutable_unagreed_visit_ids();
  packed.push_back(static_cast<char>(event_id.size() & 0xFF));
  packed.push_back(static_cast<char>(event_id.size() >> 8));
  packed.append(event_id.data(), event_id.size());
  s.add_unagreed_visit_days(day);
}

bool RemoveUnagreedVisit(InstitutionState& s, absl::string_view event_id) {
  const std::vector<absl::string_view> ids = UnagreedVisitIds(s);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != KeptId(event_id)) continue;
    const size_t from = static_cast<size_t>(ids[i].data() - s.unagreed_visit_ids().data()) - 2;
    s.mutable_unagreed_visit_ids()->erase(from, 2 + ids[i].size());
    if (static_cast<int>(i) < s.unagreed_visit_days_size()) {
      s.mutable_unagreed_visit_days()->erase(s.mutable_unagreed_visit_days()->begin() + i);
    }
    return true;
  }
  return false;
}

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

std::vector<StateChange> StateChanges(const InstitutionState& s) {
  std::vector<StateChange> changes;
  changes.reserve(s.state_changes_size() / 2);
  for (int i = 0; i + 1 < s.state_changes_size(); i += 2) {
    changes.push_back({s.state_changes(i), static_cast<FlowchartState>(s.state_changes(i + 1))});
  }
  return changes;
}

void Evolve(InstitutionState& s, const StoredEvent& event) {
  const FlowchartState was = s.state();
  s.set_version(event.version);
  s.set_events_applied(s.events_applied() + 1);
  const EventPayload& p = event.payload;
  const std::string& on = event.metadata.effective_date();
  // A workflow step moves the state; these set `step` and share the bookkeeping below.
  std::optional<FlowchartState> step;

  switch (p.kind_case()) {
    case EventPayload::kInstitutionRegistered:
      s.set_registered(true);
      *s.mutable_details() = p.institution_registered().details();
      s.set_registered_on(on);
      step = v1::FLOWCHART_STATE_MONITORED;
      break;
    case EventPayload::kInstitutionUpdated: {
      const v1::InstitutionKind kind = s.details().kind();
      *s.mutable_details() = p.institution_updated().details();
      s.mutable_details()->set_kind(kind);
      break;
    }
    case EventPayload::kOfstedOutcomeRecorded: {
      const v1::OfstedOutcomeRecorded& o = p.ofsted_outcome_recorded();
      ApplyOfsted(s, o, on);
      // the reviews the latest report recommends, until each is secured.
      if (!o.has_monitoring() && o.inspection_date() == s.latest_ofsted().inspection_date()) {
        *s.mutable_reviews_not_secured() = o.recommended_reviews();
        s.set_reviews_recommended_on(o.publication_date().empty() ? o.inspection_date()
                                                                  : o.publication_date());
      }
      break;
    }
    case EventPayload::kRiseInvolvementRecorded:
      *s.mutable_rise() = p.rise_involvement_recorded();
      s.set_rise_recorded_on(on);
      break;
    case EventPayload::kRagRatingRecorded:
      *s.mutable_rag() = p.rag_rating_recorded();
      break;
    case EventPayload::kVisitRecorded: {
      AddDay(s.mutable_visit_days(), on);
      // a note not yet agreed with the HT stays listed until the HT's response.
      if (p.visit_recorded().note_status() != v1::NOTE_OF_VISIT_STATUS_AGREED &&
          p.visit_recorded().note_status() != v1::NOTE_OF_VISIT_STATUS_DISPUTED) {
        if (const std::optional<absl::CivilDay> day = ParseDate(on)) {
          AddUnagreedVisit(s, event.metadata.event_id(), DayNumber(*day));
        }
      }
      break;
    }
    case EventPayload::kNoteOfVisitResponseRecorded: {
      const std::string& visit = p.note_of_visit_response_recorded().visit_event_id();
      RemoveUnagreedVisit(s, visit);
      break;
    }
    case EventPayload::kReviewSecured: {
      auto* open = s.mutable_reviews_not_secured();
      for (int i = 0; i < open->size(); ++i) {
        if (open->Get(i) == p.review_secured().review()) {
          open->erase(open->begin() + i);
          break;
        }
      }
      break;
    }
    case EventPayload::kSecretaryOfStateWarningNoticeRecorded:
      s.set_secretary_of_state_notice_until(
          p.secretary_of_state_warning_notice_recorded().compliance_period_ends_on());
      // it ends an earlier notice of the LA's.
      if (s.state() == v1::FLOWCHART_STATE_WARNING_NOTICE) step = EndWarning(s, on);
      break;
    case EventPayload::kConcernRaised:
      Assign(s.mutable_episode()->mutable_triggers(), p.concern_raised().triggers());
      s.set_concern_raised_on(on);
      s.set_concern_discussed_with_headteacher_on(
          p.concern_raised().discussed_with_headteacher_on());
      step = v1::FLOWCHART_STATE_AT_RISK;
      break;
    case EventPayload::kSrgDesignated: {
      const v1::SrgDesignated& d = p.srg_designated();
      StartEpisode(s, on);
      Assign(s.mutable_episode()->mutable_triggers(), d.triggers());
      if (!d.discussed_with_headteacher_on().empty()) {
        s.set_concern_discussed_with_headteacher_on(d.discussed_with_headteacher_on());
      }
      step = v1::FLOWCHART_STATE_DESIGNATED;
      break;
    }
    case EventPayload::kSrgDecidedNotToDesignate:
      s.mutable_episode()->clear_triggers();
      s.clear_concern_discussed_with_headteacher_on();
      step = v1::FLOWCHART_STATE_MONITORED;
      break;
    case EventPayload::kLeadOfficerAssigned:
      *s.mutable_episode()->mutable_lead_officer() = p.lead_officer_assigned();
      s.mutable_episode()->set_lead_officer_assigned_on(on);
      if (s.state() == v1::FLOWCHART_STATE_DESIGNATED) step = v1::FLOWCHART_STATE_LO_ASSIGNED;
      break;
    case EventPayload::kLeadOfficerReassigned: {
      const v1::LeadOfficerReassigned& r = p.lead_officer_reassigned();
      v1::LeadOfficerAssigned* lo = s.mutable_episode()->mutable_lead_officer();
      lo->set_lead_officer_id(r.lead_officer_id());
      lo->set_lead_officer_name(r.lead_officer_name());
      lo->set_kind(r.kind());
      s.mutable_episode()->set_lead_officer_assigned_on(on);
      break;
    }
    case EventPayload::kActionPlanAgreed:
      s.mutable_episode()->set_action_plan_version(p.action_plan_agreed().version());
      s.mutable_episode()->set_action_plan_agreed_on(on);
      if (s.state() == v1::FLOWCHART_STATE_LO_ASSIGNED) {
        step = v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
      }
      break;
    case EventPayload::kActionPlanReviewHeld:
      s.mutable_episode()->set_action_plan_version(p.action_plan_review_held().new_version());
      s.mutable_episode()->set_action_plan_reviews(s.episode().action_plan_reviews() + 1);
      s.mutable_episode()->set_last_review_on(on);
      AddDay(s.mutable_episode()->mutable_review_days(), on);
      break;
    case EventPayload::kStatementOfActionIssued:
      s.mutable_episode()->set_statement_of_action_issued(true);
      s.mutable_episode()->set_statement_of_action_issued_on(on);
      // it includes the action plan, which is plan version 1.
      if (s.episode().action_plan_version() == 0) {
        s.mutable_episode()->set_action_plan_version(1);
        s.mutable_episode()->set_action_plan_agreed_on(on);
      }
      break;
    case EventPayload::kStatementOfActionPeriodShortened:
      s.mutable_episode()->set_statement_of_action_due_on(
          p.statement_of_action_period_shortened().due_on());
      break;
    case EventPayload::kProgressReportRecorded:
      AddDay(s.mutable_episode()->mutable_progress_report_days(), on);
      break;
    case EventPayload::kMonitoringAndChallengeMeetingHeld:
      AddDay(s.mutable_episode()->mutable_mcm_days(), on);
      break;
    case EventPayload::kSchoolProgressReviewTeamMeetingHeld:
      AddDay(s.mutable_episode()->mutable_sprt_meeting_days(), on);
      break;
    case EventPayload::kQualityAssuranceMeetingHeld:
      AddDay(s.mutable_episode()->mutable_qa_meeting_days(), on);
      break;
    case EventPayload::kSrgReviewOutcomeRecorded:
      s.mutable_episode()->set_last_srg_outcome(p.srg_review_outcome_recorded().outcome());
      if (p.srg_review_outcome_recorded().outcome() == v1::SRG_OUTCOME_ESCALATE) {
        s.mutable_episode()->set_last_srg_escalated_on(on);
      }
      AddDay(s.mutable_episode()->mutable_srg_review_days(), on);
      break;
    case EventPayload::kEngagementConcernRecorded:
      s.mutable_episode()->set_engagement_concerns(s.episode().engagement_concerns() + 1);
      break;
    case EventPayload::kWarningNoticeIssued:
      step = StartWarning(s, p.warning_notice_issued(), false, on);
      break;
    case EventPayload::kPayAndConditionsWarningNoticeIssued: {
      const v1::PayAndConditionsWarningNoticeIssued& n = p.pay_and_conditions_warning_notice_issued();
      v1::WarningNoticeIssued notice;
      notice.add_grounds(v1::WARNING_NOTICE_GROUND_PAY_AND_CONDITIONS);
      notice.set_required_action(n.required_action());
      notice.set_compliance_period_ends_on(n.compliance_period_ends_on());
      notice.set_matters_relied_upon(n.matters_relied_upon());
      *notice.mutable_copies() = n.copies();
      step = StartWarning(s, notice, true, on);
      break;
    }
    case EventPayload::kWarningNoticeNotIssued:
      s.mutable_episode()->set_warning_notice_not_issued_on(on);
      s.mutable_episode()->set_engagement_concerns_at_decision(s.episode().engagement_concerns());
      break;
    case EventPayload::kWarningNoticeComplied:
      s.mutable_episode()->set_warning_notice_complied(true);
      step = EndWarning(s, on);
      break;
    case EventPayload::kWarningNoticeNotComplied:
      s.mutable_episode()->set_warning_notice_not_complied(true);
      s.mutable_episode()->set_compliance_period_ended_on(
          s.episode().warning_notice().compliance_period_ends_on());
      break;
    case EventPayload::kNoticeOfIntentionToInterveneIssued:
      s.mutable_episode()->set_eligible_for_intervention_on(on);
      s.mutable_episode()->set_eligible_under_section_60_only(
          s.episode().category_entered_on().empty());
      step = v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION;
      break;
    case EventPayload::kInterventionPowersNotUsed:
      step = EndWarning(s, on);
      break;
    case EventPayload::kInterventionConsultationHeld:
      s.mutable_episode()->add_consulted_for(p.intervention_consultation_held().power());
      break;
    case EventPayload::kInterventionApplied:
      s.mutable_episode()->add_interventions(p.intervention_applied().power());
      step = v1::FLOWCHART_STATE_INTERVENTION;
      break;
    case EventPayload::kInterventionEnded: {
      auto* powers = s.mutable_episode()->mutable_interventions();
      for (int i = 0; i < powers->size(); ++i) {
        if (powers->Get(i) == p.intervention_ended().power()) {
          powers->erase(powers->begin() + i);
          break;
        }
      }
      if (powers->empty()) step = StateAfterIntervention(s);
      break;
    }
    case EventPayload::kAcademyConcernRaisedWithSchool:
      StartEpisode(s, on);
      Assign(s.mutable_episode()->mutable_triggers(),
             p.academy_concern_raised_with_school().triggers());
      step = v1::FLOWCHART_STATE_CONCERN_RAISED_WITH_SCHOOL;
      break;
    case EventPayload::kAcademyTrustInformed:
      s.mutable_episode()->set_trust_informed(true);
      step = v1::FLOWCHART_STATE_TRUST_INFORMED;
      break;
    case EventPayload::kAcademyTrustPlanShared:
      step = v1::FLOWCHART_STATE_TRUST_PLAN_SHARED;
      break;
    case EventPayload::kAcademyConcernEscalated:
      for (int body : p.academy_concern_escalated().bodies()) {
        s.mutable_episode()->add_escalated_to(static_cast<v1::EscalationBody>(body));
      }
      step = v1::FLOWCHART_STATE_ESCALATED;
      break;
    case EventPayload::kAcademyConcernResolved:
      s.mutable_episode()->set_removed_on(on);
      step = v1::FLOWCHART_STATE_RESOLVED;
      break;
    case EventPayload::kSettingCausingConcernRecorded:
      StartEpisode(s, on);
      Assign(s.mutable_episode()->mutable_setting_triggers(),
             p.setting_causing_concern_recorded().triggers());
      step = v1::FLOWCHART_STATE_CAUSING_CONCERN;
      break;
    case EventPayload::kSettingSupportActionRecorded:
      step = v1::FLOWCHART_STATE_SUPPORT_ACTIVE;
      break;
    case EventPayload::kSettingActionPlanAgreed: {
      const uint32_t version = p.setting_action_plan_agreed().version();
      if (version > 1) {
        s.mutable_episode()->set_action_plan_reviews(s.episode().action_plan_reviews() + 1);
        s.mutable_episode()->set_last_review_on(on);
        AddDay(s.mutable_episode()->mutable_review_days(), on);
      } else {
        s.mutable_episode()->set_action_plan_agreed_on(on);
      }
      s.mutable_episode()->set_action_plan_version(version);
      break;
    }
    case EventPayload::kSettingsCausingConcernMeetingHeld:
      AddDay(s.mutable_episode()->mutable_setting_meeting_days(), on);
      step = v1::FLOWCHART_STATE_SUPPORT_ACTIVE;  // support under way: the termly meeting
      break;
    case EventPayload::kSettingRemovedFromList:
    case EventPayload::kSccRemoved:
      s.mutable_episode()->set_removed_on(on);
      step = v1::FLOWCHART_STATE_REMOVED;
      break;
    case EventPayload::kInstitutionClosed:
      *s.mutable_closure() = p.institution_closed();
      Close(s, on, v1::EPISODE_END_CLOSED);
      step = v1::FLOWCHART_STATE_CLOSED;
      break;
    case EventPayload::kConvertedToAcademy:
      *s.mutable_conversion() = p.converted_to_academy();
      Close(s, on, v1::EPISODE_END_CONVERTED_TO_ACADEMY);
      step = v1::FLOWCHART_STATE_CLOSED;
      break;
    case EventPayload::kAcademyOrderMade:
      s.set_academy_order_made_on(on);
      s.clear_academy_order_revoked_on();
      break;
    case EventPayload::kAcademyOrderRevoked:
      s.set_academy_order_revoked_on(on);
      break;
    case EventPayload::kTrustChanged:
      s.mutable_details()->set_trust_name(p.trust_changed().trust_name());
      s.set_trust_changed_on(on);
      break;
    case EventPayload::kPredecessorLinked:
      *s.add_predecessors() = p.predecessor_linked();
      break;
    case EventPayload::kLegalHoldPlaced:
      s.set_legal_hold_since(on);
      s.set_legal_hold_matter(p.legal_hold_placed().matter());
      break;
    case EventPayload::kLegalHoldLifted:
      s.clear_legal_hold_since();
      s.clear_legal_hold_matter();
      break;
    case EventPayload::kEventCorrected:  // applied by Fold (ForEachCounting)
    case EventPayload::kEventRedacted:   // its erasure is in the log; Fold reads what is kept
    case EventPayload::kLetterProduced:  // a record of what was sent; no state
    case EventPayload::kSubjectAccessRequestReceived:  // not an institution's (data_protection.proto)
    case EventPayload::kSubjectAccessRequestAnswered:
    case EventPayload::KIND_NOT_SET:
      break;
  }
  if (step) {
    s.set_state(*step);
    s.set_last_step_on(on);
  }
  if (s.state() != was) {
    if (const std::optional<absl::CivilDay> day = ParseDate(on)) {
      s.add_state_changes(DayNumber(*day));
      s.add_state_changes(s.state());
    }
  }
}

namespace {

// Whether a correction changes how the event it names counts.
bool ChangesHowItCounts(const StoredEvent& event) {
  if (!event.payload.has_event_corrected()) return false;
  const v1::EventCorrected& c = event.payload.event_corrected();
  return c.has_replacement() || c.withdraw() || !c.new_effective_date().empty();
}

}  // namespace

bool NeedsRefold(const StoredEvent& event) {
  return ChangesHowItCounts(event) || event.payload.has_event_redacted();
}

void ForEachCounting(const std::vector<StoredEvent>& events, const std::string& as_of,
                     const std::function<void(const StoredEvent* counted,
                                              const StoredEvent& stored)>& fn) {
  // The latest correction of each event that changes how it counts.
  absl::flat_hash_map<std::string, const v1::EventCorrected*> latest;
  for (const StoredEvent& e : events) {
    if (ChangesHowItCounts(e)) latest[e.payload.event_corrected().corrected_event_id()] =
        &e.payload.event_corrected();
  }
  for (const StoredEvent& e : events) {
    const bool dated_later = !as_of.empty() && !e.payload.has_event_corrected() &&
                             e.metadata.effective_date() > as_of;
    auto it = latest.empty() ? latest.end() : latest.find(e.metadata.event_id());
    if (it == latest.end()) {
      fn(dated_later ? nullptr : &e, e);
      continue;
    }
    const v1::EventCorrected& c = *it->second;
    if (c.withdraw()) {
      fn(nullptr, e);
      continue;
    }
    StoredEvent counted{e.version, c.has_replacement() ? c.replacement() : e.payload, e.metadata};
    if (!c.new_effective_date().empty()) {
      counted.metadata.set_effective_date(c.new_effective_date());
    }
    const bool counts = as_of.empty() || counted.metadata.effective_date() <= as_of;
    fn(counts ? &counted : nullptr, e);
  }
}

InstitutionState Fold(
    const std::string& urn, const std::vector<StoredEvent>& events,
    const std::function<void(const StoredEvent&, const InstitutionState&)>& after_each,
    const std::string& as_of) {
  InstitutionState state;
  state.set_urn(urn);
  ForEachCounting(events, as_of, [&](const StoredEvent* counted, const StoredEvent& stored) {
    if (counted != nullptr) {
      Evolve(state, *counted);
    } else if (as_of.empty()) {
      state.set_version(stored.version);  // withdrawn: still the stream's latest version
    }
    if (after_each) after_each(stored, state);
  });
  return state;
}

}  // namespace scc::domain
