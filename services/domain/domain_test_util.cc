#include "services/domain/domain_test_util.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace scc::domain::testing {

using v1::EventPayload;

EventPayload Register(v1::InstitutionKind kind) {
  EventPayload p;
  auto* d = p.mutable_institution_registered()->mutable_details();
  d->set_name("Hillside Primary");
  d->set_kind(kind);
  switch (kind) {
    case v1::INSTITUTION_KIND_ACADEMY:
      d->set_establishment_type(v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER);
      d->set_phase(v1::PHASE_SECONDARY);
      d->set_trust_name("Northway Learning Trust");
      break;
    case v1::INSTITUTION_KIND_EARLY_YEARS_SETTING:
      d->set_establishment_type(v1::ESTABLISHMENT_TYPE_PVI_NURSERY);
      d->set_phase(v1::PHASE_EARLY_YEARS);
      break;
    default:
      d->set_establishment_type(v1::ESTABLISHMENT_TYPE_COMMUNITY);
      d->set_phase(v1::PHASE_PRIMARY);
      break;
  }
  return p;
}

namespace {
void AddTrigger(v1::Trigger* t) {
  t->set_trigger(v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE);
  t->set_evidence("KS2 outcomes fell for two years; weak monitoring of teaching");
}
}  // namespace

EventPayload RaiseConcern() {
  EventPayload p;
  AddTrigger(p.mutable_concern_raised()->add_triggers());
  p.mutable_concern_raised()->set_discussed_with_headteacher_on("2024-09-20");
  return p;
}

EventPayload Designate(bool with_discussion) {
  EventPayload p;
  AddTrigger(p.mutable_srg_designated()->add_triggers());
  p.mutable_srg_designated()->set_letter_sent_on("2024-10-04");
  if (with_discussion) p.mutable_srg_designated()->set_discussed_with_headteacher_on("2024-09-20");
  return p;
}

EventPayload NotDesignate() {
  EventPayload p;
  p.mutable_srg_decided_not_to_designate();
  return p;
}

EventPayload AssignLeadOfficer(const std::string& id) {
  EventPayload p;
  p.mutable_lead_officer_assigned()->set_lead_officer_id(id);
  p.mutable_lead_officer_assigned()->set_lead_officer_name(absl::StrCat("Officer ", id));
  p.mutable_lead_officer_assigned()->set_kind(v1::LEAD_OFFICER_KIND_LEARNING_NETWORK_INSPECTOR);
  return p;
}

namespace {
void FillPlan(v1::ActionPlan* plan) {
  plan->add_key_issues("Quality of teaching in KS2 mathematics");
  plan->set_vision("Securely Good within a year");
  auto* action = plan->add_actions();
  action->set_description("Weekly maths coaching");
  action->set_owner(v1::ACTION_OWNER_SCHOOL);
  action->set_due_on("2025-03-31");
}
}  // namespace

EventPayload AgreePlan() {
  EventPayload p;
  FillPlan(p.mutable_action_plan_agreed()->mutable_plan());
  return p;
}

EventPayload Review() {
  EventPayload p;
  p.mutable_action_plan_review_held()->set_progress(v1::PROGRESS_JUDGEMENT_SUFFICIENT);
  return p;
}

EventPayload Mcm() {
  EventPayload p;
  p.mutable_monitoring_and_challenge_meeting_held()->set_progress_towards_good(
      v1::PROGRESS_JUDGEMENT_SUFFICIENT);
  return p;
}

EventPayload SprtMeeting() {
  EventPayload p;
  p.mutable_school_progress_review_team_meeting_held();
  return p;
}

EventPayload QaMeeting(const std::string& lo) {
  EventPayload p;
  p.mutable_quality_assurance_meeting_held()->set_lead_officer_id(lo);
  return p;
}

EventPayload SrgReview(v1::SrgOutcome outcome) {
  EventPayload p;
  p.mutable_srg_review_outcome_recorded()->set_outcome(outcome);
  return p;
}

EventPayload Engagement() {
  EventPayload p;
  p.mutable_engagement_concern_recorded()->set_kind(v1::ENGAGEMENT_CONCERN_KIND_MISSED_MEETING);
  return p;
}

EventPayload StatementOfAction() {
  EventPayload p;
  FillPlan(p.mutable_statement_of_action_issued()->mutable_plan());
  p.mutable_statement_of_action_issued()->set_parents_informed(
      "Letter to parents; views sought at a meeting at the school");
  return p;
}

EventPayload Ofsted(v1::OfstedGrade grade, const std::string& inspected,
                    v1::OfstedCategory category) {
  EventPayload p;
  p.mutable_ofsted_outcome_recorded()->set_inspection_date(inspected);
  p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_overall(grade);
  p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_category(category);
  return p;
}

EventPayload ReportCardOutcome(v1::ReportCardGrade leadership, v1::ReportCardGrade others,
                               v1::SafeguardingOutcome safeguarding,
                               const std::string& inspected) {
  EventPayload p;
  auto* o = p.mutable_ofsted_outcome_recorded();
  o->set_inspection_date(inspected);
  auto* card = o->mutable_report_card();
  card->set_safeguarding(safeguarding);
  for (v1::EvaluationArea area : {v1::EVALUATION_AREA_INCLUSION,
                                  v1::EVALUATION_AREA_CURRICULUM_AND_TEACHING,
                                  v1::EVALUATION_AREA_ACHIEVEMENT}) {
    auto* g = card->add_areas();
    g->set_area(area);
    g->set_grade(others);
  }
  auto* l = card->add_areas();
  l->set_area(v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE);
  l->set_grade(leadership);
  return p;
}

EventPayload Rise() {
  EventPayload p;
  p.mutable_rise_involvement_recorded()->set_kind(v1::RISE_INVOLVEMENT_KIND_TARGETED_INTERVENTION);
  p.mutable_rise_involvement_recorded()->set_adviser("RISE adviser, North West");
  return p;
}

EventPayload Visit() {
  EventPayload p;
  p.mutable_visit_recorded()->set_kind(v1::VISIT_KIND_SCHOOL_EFFECTIVENESS);
  p.mutable_visit_recorded()->set_visitor("lo-ann");
  return p;
}

EventPayload Rag() {
  EventPayload p;
  p.mutable_rag_rating_recorded()->set_rating(v1::RAG_RATING_RED);
  p.mutable_rag_rating_recorded()->set_capacity(v1::CAPACITY_TO_IMPROVE_NOT_SECURE);
  return p;
}

EventPayload WarningNotice(const std::string& compliance_ends_on, const std::string& copies_on) {
  EventPayload p;
  auto* w = p.mutable_warning_notice_issued();
  w->add_grounds(v1::WARNING_NOTICE_GROUND_LOW_STANDARDS);
  w->set_reason(v1::WARNING_NOTICE_REASON_TWELVE_MONTHS_UNLIKELY_GOOD);
  w->set_required_action("Secure leadership of mathematics");
  w->set_compliance_period_ends_on(compliance_ends_on);
  w->set_matters_relied_upon("Standards in mathematics below floor for three years");
  w->set_action_minded_to_take("Appoint additional governors (s64)");
  v1::NoticeCopy* copy = w->add_copies();
  copy->set_recipient(v1::SCHOOL_PARTY_GOVERNING_BODY);
  copy->set_name("Chair of governors");
  copy->set_sent_on(copies_on.empty() ? compliance_ends_on : copies_on);
  return p;
}

EventPayload Consultation(v1::InterventionPower power, std::vector<v1::SchoolParty> consulted) {
  EventPayload p;
  p.mutable_intervention_consultation_held()->set_power(power);
  for (v1::SchoolParty party : consulted) {
    p.mutable_intervention_consultation_held()->add_consulted(party);
  }
  return p;
}

EventPayload PayAndConditionsNotice(const std::string& compliance_ends_on,
                                    const std::string& copies_on) {
  EventPayload p;
  auto* n = p.mutable_pay_and_conditions_warning_notice_issued();
  n->set_matters_relied_upon("Teachers' pay below the statutory scale since April");
  n->set_required_action("Pay teachers as the School Teachers' Pay and Conditions Document sets");
  n->set_compliance_period_ends_on(compliance_ends_on);
  v1::NoticeCopy* copy = n->add_copies();
  copy->set_recipient(v1::SCHOOL_PARTY_GOVERNING_BODY);
  copy->set_sent_on(copies_on.empty() ? compliance_ends_on : copies_on);
  return p;
}

EventPayload SecretaryOfStateNotice(const std::string& in_force_until) {
  EventPayload p;
  auto* n = p.mutable_secretary_of_state_warning_notice_recorded();
  n->set_compliance_period_ends_on(in_force_until);
  n->add_grounds(v1::WARNING_NOTICE_GROUND_LOW_STANDARDS);
  return p;
}

EventPayload PowersNotUsed() {
  EventPayload p;
  p.mutable_intervention_powers_not_used();
  return p;
}

EventPayload EndPower(v1::InterventionPower power) {
  EventPayload p;
  p.mutable_intervention_ended()->set_power(power);
  return p;
}

EventPayload ShortenStatementOfAction(const std::string& due_on) {
  EventPayload p;
  p.mutable_statement_of_action_period_shortened()->set_due_on(due_on);
  return p;
}

EventPayload ProgressReport() {
  EventPayload p;
  auto* r = p.mutable_progress_report_recorded();
  r->set_judgement(v1::PROGRESS_JUDGEMENT_SUFFICIENT);
  r->set_progress_against_plan("Maths coaching in place; KS2 assessments improving");
  r->set_next_steps("Governance review in the summer term");
  return p;
}

EventPayload NotIssued() {
  EventPayload p;
  p.mutable_warning_notice_not_issued();
  return p;
}

EventPayload ReviewSecured(v1::RecommendedReview review) {
  EventPayload p;
  p.mutable_review_secured()->set_review(review);
  return p;
}

EventPayload NoteResponse(const std::string& visit_event_id, v1::NoteOfVisitStatus status) {
  EventPayload p;
  auto* r = p.mutable_note_of_visit_response_recorded();
  r->set_visit_event_id(visit_event_id);
  r->set_status(status);
  if (status == v1::NOTE_OF_VISIT_STATUS_DISPUTED) r->set_comment("The attendance figures are wrong");
  return p;
}

EventPayload WarningComplied() {
  EventPayload p;
  p.mutable_warning_notice_complied();
  return p;
}

EventPayload WarningNotComplied() {
  EventPayload p;
  p.mutable_warning_notice_not_complied();
  return p;
}

EventPayload NoticeOfIntention() {
  EventPayload p;
  p.mutable_notice_of_intention_to_intervene_issued()->add_proposed_powers(
      v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD);
  return p;
}

EventPayload Intervention(v1::InterventionPower power) {
  EventPayload p;
  p.mutable_intervention_applied()->set_power(power);
  if (power == v1::INTERVENTION_POWER_S63_ARRANGEMENTS) {
    p.mutable_intervention_applied()->set_arrangement(v1::SECTION63_ARRANGEMENT_FEDERATION);
  }
  return p;
}

EventPayload Removal(bool srg_confirmed) {
  EventPayload p;
  auto* r = p.mutable_scc_removed();
  r->set_basis(v1::REMOVAL_BASIS_LA_REVIEW);
  r->set_review_date("2026-06-01");
  r->set_evidence("Sustained improvement against every key issue");
  r->set_headteacher_agreed_on("2026-06-05");
  if (srg_confirmed) r->set_srg_confirmed_on("2026-06-10");
  return p;
}

EventPayload AcademyConcern() {
  EventPayload p;
  AddTrigger(p.mutable_academy_concern_raised_with_school()->add_triggers());
  return p;
}

EventPayload InformTrust() {
  EventPayload p;
  p.mutable_academy_trust_informed()->set_recommended_actions("Commission a governance review");
  return p;
}

EventPayload TrustPlan() {
  EventPayload p;
  p.mutable_academy_trust_plan_shared()->set_plan_summary("Statement of action shared");
  return p;
}

EventPayload Escalate() {
  EventPayload p;
  p.mutable_academy_concern_escalated()->add_bodies(v1::ESCALATION_BODY_REGIONAL_DIRECTOR);
  p.mutable_academy_concern_escalated()->set_trust_informed_of_escalation_on("2025-03-01");
  return p;
}

EventPayload ResolveAcademy() {
  EventPayload p;
  p.mutable_academy_concern_resolved();
  return p;
}

EventPayload SettingConcern() {
  EventPayload p;
  auto* t = p.mutable_setting_causing_concern_recorded()->add_triggers();
  t->set_trigger(v1::SETTING_CONCERN_TRIGGER_SAFEGUARDING);
  t->set_evidence("Staff unaware of the setting's safeguarding procedures");
  return p;
}

EventPayload SettingSupport() {
  EventPayload p;
  p.mutable_setting_support_action_recorded()->set_kind(
      v1::SETTING_SUPPORT_ACTION_KIND_FOCUSED_VISITS);
  return p;
}

EventPayload SettingPlan() {
  EventPayload p;
  FillPlan(p.mutable_setting_action_plan_agreed()->mutable_plan());
  return p;
}

EventPayload SettingMeeting() {
  EventPayload p;
  p.mutable_settings_causing_concern_meeting_held()->add_attendees("Standards Lead");
  return p;
}

EventPayload SettingRemoved(v1::SettingRemovalBasis basis) {
  EventPayload p;
  p.mutable_setting_removed_from_list()->set_basis(basis);
  return p;
}

EventPayload Correct(const std::string& event_id, const EventPayload* replacement) {
  EventPayload p;
  p.mutable_event_corrected()->set_corrected_event_id(event_id);
  if (replacement != nullptr) *p.mutable_event_corrected()->mutable_replacement() = *replacement;
  return p;
}

Command Workflow::MakeCommand(const EventPayload& payload, const std::string& date,
                              v1::Role role, const std::string& reason) {
  Command cmd;
  cmd.context.set_urn(kUrn);
  cmd.context.set_request_id(absl::StrCat("req-", ++requests_));
  cmd.context.set_effective_date(date);
  cmd.context.set_reason(reason);
  cmd.payload = payload;
  cmd.actor = "tester";
  cmd.role = role;
  if (payload.has_event_corrected()) {
    cmd.stream = events_;
    for (const StoredEvent& e : events_) {
      if (e.metadata.event_id() == payload.event_corrected().corrected_event_id()) {
        cmd.corrected = e;
      }
    }
  }
  return cmd;
}

absl::StatusOr<std::vector<EventPayload>> Workflow::Run(const EventPayload& payload,
                                                        const std::string& date, v1::Role role,
                                                        const std::string& reason) {
  state_.set_urn(kUrn);
  const Command cmd = MakeCommand(payload, date, role, reason);
  absl::StatusOr<std::vector<EventPayload>> events = Decide(state_, cmd, kToday);
  if (!events.ok()) return events;
  for (const EventPayload& e : *events) {
    StoredEvent stored;
    stored.version = events_.size();
    stored.payload = e;
    stored.metadata.set_event_id(absl::StrCat("ev-", events_.size()));
    stored.metadata.set_effective_date(date);
    events_.push_back(stored);
    if (NeedsRefold(stored)) {
      state_ = Fold(kUrn, events_);
    } else {
      Evolve(state_, stored);
    }
  }
  return events;
}

void Workflow::Must(const EventPayload& payload, const std::string& date) {
  absl::StatusOr<std::vector<EventPayload>> r = Run(payload, date);
  ASSERT_TRUE(r.ok()) << r.status();
}

// The life of an institution.
EventPayload Closure(const std::string& successor) {
  EventPayload p;
  p.mutable_institution_closed()->set_closure_reason("Result of Amalgamation/Merger");
  p.mutable_institution_closed()->set_successor_urn(successor);
  if (!successor.empty()) p.mutable_institution_closed()->set_link_type("Successor - merged");
  return p;
}

EventPayload Conversion(const std::string& successor, const std::string& trust) {
  EventPayload p;
  p.mutable_converted_to_academy()->set_successor_urn(successor);
  p.mutable_converted_to_academy()->set_trust_name(trust);
  return p;
}

EventPayload OrderMade() {
  EventPayload p;
  p.mutable_academy_order_made()->set_details("sponsor: Oakfield Academy Trust");
  return p;
}

EventPayload OrderRevoked() {
  EventPayload p;
  p.mutable_academy_order_revoked();
  return p;
}

EventPayload TrustChange(const std::string& trust) {
  EventPayload p;
  p.mutable_trust_changed()->set_trust_name(trust);
  return p;
}

EventPayload Predecessor(const std::string& urn) {
  EventPayload p;
  p.mutable_predecessor_linked()->set_predecessor_urn(urn);
  p.mutable_predecessor_linked()->set_link_type("Predecessor");
  p.mutable_predecessor_linked()->set_predecessor_name("Hillside Primary");
  return p;
}

}  // namespace scc::domain::testing
