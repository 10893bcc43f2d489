// scc-demo-load: fills a running sccd with a realistic, invented local authority through the
// public gRPC API — about 130 schools of every phase, 370 early-years settings, Ofsted
// outcomes, and a dozen schools, academies and settings causing concern in different
// flowchart states with history over two academic years. Every command has a fixed request_id,
// so running it again changes nothing.
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cpp/scc_client.h"

namespace {

using scc::client::SccClient;
using scc::v1::EventPayload;
namespace v1 = scc::v1;

struct Tokens {
  std::string hosi = "dev-hosi";
  std::string lead_officer = "dev-lead-officer";
  std::string srg = "dev-srg";
  std::string early_years = "dev-early-years";
};

class Loader {
 public:
  Loader(std::shared_ptr<grpc::Channel> channel, const Tokens& tokens)
      : hosi_(channel, tokens.hosi),
        lo_(channel, tokens.lead_officer),
        srg_(channel, tokens.srg),
        ey_(channel, tokens.early_years) {}

  // Sends one command; the request id is "demo/<urn>/<step>".
  bool Step(const SccClient& as, const std::string& urn, const std::string& step,
            const std::string& date, const EventPayload& payload, const std::string& reason = "",
            const std::string& notes = "") {
    v1::CommandContext context;
    context.set_urn(urn);
    context.set_request_id(absl::StrCat("demo/", urn, "/", step));
    context.set_effective_date(date);
    context.set_reason(reason);
    if (!notes.empty()) context.mutable_notes()->set_text(notes);
    v1::CommandResult result;
    grpc::Status status = as.Send(context, payload, &result);
    ++sent_;
    if (result.replayed()) ++replayed_;
    if (!status.ok()) {
      std::fprintf(stderr, "scc-demo-load: %s %s: %s\n", urn.c_str(), step.c_str(),
                   status.error_message().c_str());
      ++failed_;
      return false;
    }
    return true;
  }

  const SccClient& hosi() const { return hosi_; }
  const SccClient& lo() const { return lo_; }
  const SccClient& srg() const { return srg_; }
  const SccClient& ey() const { return ey_; }
  int sent() const { return sent_; }
  int replayed() const { return replayed_; }
  int failed() const { return failed_; }

 private:
  SccClient hosi_, lo_, srg_, ey_;
  int sent_ = 0, replayed_ = 0, failed_ = 0;
};

// --- payload builders --------------------------------------------------------------------------

EventPayload Registration(const std::string& name, v1::InstitutionKind kind,
                          v1::EstablishmentType type, v1::Phase phase,
                          const std::string& trust = "") {
  EventPayload p;
  auto* d = p.mutable_institution_registered()->mutable_details();
  d->set_name(name);
  d->set_kind(kind);
  d->set_establishment_type(type);
  d->set_phase(phase);
  d->set_trust_name(trust);
  d->set_local_authority("Northbrook");
  if (kind == v1::INSTITUTION_KIND_MAINTAINED_SCHOOL) d->set_learning_network_inspector("lo-ann");
  return p;
}

EventPayload Legacy(v1::OfstedGrade grade, const std::string& inspected,
                    v1::OfstedCategory category = v1::OFSTED_CATEGORY_NONE) {
  EventPayload p;
  p.mutable_ofsted_outcome_recorded()->set_inspection_date(inspected);
  p.mutable_ofsted_outcome_recorded()->set_inspection_type("graded");
  p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_overall(grade);
  p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_category(category);
  return p;
}

EventPayload ReportCard(v1::ReportCardGrade worst, v1::ReportCardGrade leadership,
                        v1::SafeguardingOutcome safeguarding, const std::string& inspected,
                        v1::OfstedCategory published) {
  EventPayload p;
  auto* o = p.mutable_ofsted_outcome_recorded();
  o->set_inspection_date(inspected);
  o->set_inspection_type("report card");
  auto* card = o->mutable_report_card();
  card->set_safeguarding(safeguarding);
  card->set_category(published);
  const v1::EvaluationArea areas[] = {
      v1::EVALUATION_AREA_INCLUSION, v1::EVALUATION_AREA_CURRICULUM_AND_TEACHING,
      v1::EVALUATION_AREA_ACHIEVEMENT, v1::EVALUATION_AREA_ATTENDANCE_AND_BEHAVIOUR,
      v1::EVALUATION_AREA_PERSONAL_DEVELOPMENT_AND_WELLBEING};
  for (size_t i = 0; i < std::size(areas); ++i) {
    auto* g = card->add_areas();
    g->set_area(areas[i]);
    g->set_grade(i == 1 ? worst : v1::REPORT_CARD_GRADE_EXPECTED_STANDARD);
  }
  auto* l = card->add_areas();
  l->set_area(v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE);
  l->set_grade(leadership);
  return p;
}

v1::Trigger MakeTrigger(v1::ConcernTrigger kind, const std::string& evidence) {
  v1::Trigger t;
  t.set_trigger(kind);
  t.set_evidence(evidence);
  return t;
}

EventPayload Concern(const v1::Trigger& t, const std::string& discussed_on) {
  EventPayload p;
  *p.mutable_concern_raised()->add_triggers() = t;
  p.mutable_concern_raised()->set_discussed_with_headteacher_on(discussed_on);
  return p;
}

EventPayload Designation(const v1::Trigger& t, const std::string& letter_on) {
  EventPayload p;
  *p.mutable_srg_designated()->add_triggers() = t;
  p.mutable_srg_designated()->set_letter_sent_on(letter_on);
  return p;
}

EventPayload LeadOfficer(const std::string& id, const std::string& name) {
  EventPayload p;
  p.mutable_lead_officer_assigned()->set_lead_officer_id(id);
  p.mutable_lead_officer_assigned()->set_lead_officer_name(name);
  p.mutable_lead_officer_assigned()->set_kind(v1::LEAD_OFFICER_KIND_LEARNING_NETWORK_INSPECTOR);
  return p;
}

void FillPlan(v1::ActionPlan* plan, const std::string& issue, const std::string& due) {
  plan->add_key_issues(issue);
  plan->set_vision("Securely Good at the next inspection");
  auto* m = plan->add_milestones();
  m->set_description("External review confirms progress");
  m->set_due_on(due);
  auto* school = plan->add_actions();
  school->set_description("Weekly coaching for teachers new to the year group");
  school->set_owner(v1::ACTION_OWNER_SCHOOL);
  school->set_owner_name("Headteacher");
  school->set_due_on(due);
  school->set_success_measure("Teaching judged consistently good in monitoring");
  auto* la = plan->add_actions();
  la->set_description("Brokered support from a National Leader of Education");
  la->set_owner(v1::ACTION_OWNER_LA);
  la->set_owner_name("Lead Officer");
  la->set_due_on(due);
  la->set_success_measure("Leaders' monitoring is accurate");
}

EventPayload Plan(const std::string& issue, const std::string& due) {
  EventPayload p;
  FillPlan(p.mutable_action_plan_agreed()->mutable_plan(), issue, due);
  return p;
}

EventPayload Review(v1::ProgressJudgement progress) {
  EventPayload p;
  p.mutable_action_plan_review_held()->set_progress(progress);
  p.mutable_action_plan_review_held()->add_attendees("Headteacher");
  p.mutable_action_plan_review_held()->add_attendees("Lead Officer");
  return p;
}

EventPayload Mcm(v1::ProgressJudgement progress) {
  EventPayload p;
  p.mutable_monitoring_and_challenge_meeting_held()->set_progress_towards_good(progress);
  p.mutable_monitoring_and_challenge_meeting_held()->set_quality_of_la_support("Well targeted");
  return p;
}

EventPayload SrgReview(v1::SrgOutcome outcome) {
  EventPayload p;
  p.mutable_srg_review_outcome_recorded()->set_outcome(outcome);
  return p;
}

EventPayload Visit(v1::VisitKind kind, const std::string& visitor, const std::string& agreed_on) {
  EventPayload p;
  p.mutable_visit_recorded()->set_kind(kind);
  p.mutable_visit_recorded()->set_visitor(visitor);
  p.mutable_visit_recorded()->set_note_status(v1::NOTE_OF_VISIT_STATUS_AGREED);
  p.mutable_visit_recorded()->set_note_status_on(agreed_on);
  return p;
}

EventPayload Rag(v1::RagRating rating, v1::CapacityToImprove capacity) {
  EventPayload p;
  p.mutable_rag_rating_recorded()->set_rating(rating);
  p.mutable_rag_rating_recorded()->set_capacity(capacity);
  return p;
}

EventPayload Notice(const std::string& given_on, const std::string& ends_on) {
  EventPayload p;
  auto* w = p.mutable_warning_notice_issued();
  w->add_grounds(v1::WARNING_NOTICE_GROUND_LOW_STANDARDS);
  w->set_reason(v1::WARNING_NOTICE_REASON_TWELVE_MONTHS_UNLIKELY_GOOD);
  w->set_matters_relied_upon(
      "Reading and mathematics at KS2 below the national floor for three years; the SCC action "
      "plan's milestones for reading missed at two reviews");
  w->set_required_action("Secure consistently good teaching of reading and mathematics");
  w->set_action_minded_to_take("Appoint an Interim Executive Board (s65)");
  w->set_compliance_period_ends_on(ends_on);
  v1::NoticeCopy* copy = w->add_copies();
  copy->set_recipient(v1::SCHOOL_PARTY_GOVERNING_BODY);
  copy->set_name("Chair of governors");
  copy->set_sent_on(given_on);
  return p;
}

EventPayload ProgressReport(v1::ProgressJudgement judgement, const std::string& next_steps) {
  EventPayload p;
  auto* r = p.mutable_progress_report_recorded();
  r->set_judgement(judgement);
  r->set_progress_against_plan("Actions for reading on track; mathematics actions started late");
  r->set_next_steps(next_steps);
  return p;
}

template <typename Mutator>
EventPayload Make(Mutator mutate) {
  EventPayload p;
  mutate(p);
  return p;
}

// --- the demo authority ------------------------------------------------------------------------

const char* const kPlaces[] = {
    "Ashgrove",  "Brookmead", "Calder",    "Dunmore",   "Elmwood",    "Fairholt",  "Greystone",
    "Hawthorn",  "Ivybridge", "Juniper",   "Kingsmead", "Larchfield", "Millbrook", "Northcote",
    "Oakfield",  "Pennywell", "Queensway", "Riverside", "Sandhurst",  "Thornbury", "Upton",
    "Valleyfield", "Westmere", "Yewtree",  "Alderley",  "Beechwood",  "Copperfield"};

struct SchoolKind {
  v1::InstitutionKind kind;
  v1::EstablishmentType type;
  v1::Phase phase;
  const char* suffix;
  int count;
};

void LoadSchools(Loader& l) {
  const SchoolKind kinds[] = {
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_COMMUNITY, v1::PHASE_PRIMARY,
       "Primary School", 58},
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_VOLUNTARY_AIDED,
       v1::PHASE_PRIMARY, "Catholic Primary School", 16},
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_VOLUNTARY_CONTROLLED,
       v1::PHASE_PRIMARY, "CofE Primary School", 6},
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_MAINTAINED_NURSERY,
       v1::PHASE_NURSERY, "Nursery School", 3},
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_FOUNDATION,
       v1::PHASE_SECONDARY_WITH_SIXTH_FORM, "School", 4},
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_SPECIAL, v1::PHASE_SPECIAL,
       "Special School", 4},
      {v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, v1::ESTABLISHMENT_TYPE_PUPIL_REFERRAL_UNIT,
       v1::PHASE_PUPIL_REFERRAL_UNIT, "Pupil Referral Unit", 2},
      {v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER, v1::PHASE_PRIMARY,
       "Primary Academy", 14},
      {v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER,
       v1::PHASE_SECONDARY_WITH_SIXTH_FORM, "Academy", 16},
      {v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_FREE_SCHOOL, v1::PHASE_ALL_THROUGH,
       "Free School", 3},
      {v1::INSTITUTION_KIND_ACADEMY, v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED,
       v1::PHASE_SECONDARY, "Academy", 4},
  };
  const char* const trusts[] = {"Northway Learning Trust", "Riverside Schools Partnership",
                                "St Aidan's Catholic Academy Trust"};
  int n = 0, maintained = 0, academies = 0;
  for (const SchoolKind& k : kinds) {
    for (int i = 0; i < k.count; ++i, ++n) {
      const bool academy = k.kind == v1::INSTITUTION_KIND_ACADEMY;
      const std::string urn =
          absl::StrCat(academy ? 140101 + academies++ : 100101 + maintained++);
      const std::string name = absl::StrCat(kPlaces[n % std::size(kPlaces)],
                                            n / std::size(kPlaces) % 2 == 1 ? " Park " : " ",
                                            k.suffix);
      l.Step(l.hosi(), urn, "register", "2024-09-01",
             Registration(name, k.kind, k.type, k.phase, academy ? trusts[n % 3] : ""));
      // Most schools Good or better; a few Requires Improvement or Outstanding.
      const v1::OfstedGrade grade = n % 11 == 3   ? v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT
                                    : n % 7 == 0 ? v1::OFSTED_GRADE_OUTSTANDING
                                                 : v1::OFSTED_GRADE_GOOD;
      l.Step(l.hosi(), urn, "ofsted-legacy", "2024-09-02",
             Legacy(grade, absl::StrFormat("20%02d-%02d-%02d", 19 + n % 5, 1 + n % 12, 1 + n % 27)));
    }
  }
}

void LoadSettings(Loader& l) {
  struct SettingKind {
    v1::EstablishmentType type;
    const char* suffix;
    int count;
  } kinds[] = {{v1::ESTABLISHMENT_TYPE_PVI_NURSERY, "Day Nursery", 150},
               {v1::ESTABLISHMENT_TYPE_PVI_NURSERY, "Pre-school", 35},
               {v1::ESTABLISHMENT_TYPE_CHILDMINDER, "Childminding", 150},
               {v1::ESTABLISHMENT_TYPE_DOMESTIC_SETTING, "Home Nursery", 20},
               {v1::ESTABLISHMENT_TYPE_INDEPENDENT_SCHOOL_EYFS, "Prep School EYFS", 15}};
  int n = 0;
  for (const SettingKind& k : kinds) {
    for (int i = 0; i < k.count; ++i, ++n) {
      const std::string urn = absl::StrFormat("EY%06d", 400001 + n);
      const std::string name = absl::StrCat(kPlaces[n % std::size(kPlaces)], " ",
                                            kPlaces[(n / std::size(kPlaces)) % std::size(kPlaces)],
                                            " ", k.suffix);
      l.Step(l.ey(), urn, "register", "2024-09-01",
             Registration(name, v1::INSTITUTION_KIND_EARLY_YEARS_SETTING, k.type,
                          v1::PHASE_EARLY_YEARS));
      if (n % 3 == 0) continue;  // not yet inspected
      l.Step(l.ey(), urn, "ofsted-legacy", "2024-09-02",
             Legacy(n % 13 == 5 ? v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT : v1::OFSTED_GRADE_GOOD,
                    absl::StrFormat("20%02d-%02d-%02d", 20 + n % 4, 1 + n % 12, 1 + n % 27)));
    }
  }
}

// One maintained school along the SCC flowchart up to `stop` (a step name).
void SchoolCycle(Loader& l, const std::string& urn, const std::string& start_year,
                 const std::string& stop) {
  const std::string y = start_year;                      // autumn term of the first year
  const std::string y1 = absl::StrCat(std::stoi(y) + 1); // the following calendar year
  const v1::Trigger trigger = MakeTrigger(
      v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE,
      "Reading outcomes at KS2 fell two years running; leaders' monitoring over-generous");
  auto stop_at = [&](const char* step) { return stop == step; };
  l.Step(l.lo(), urn, "rag-1", y + "-09-15", Rag(v1::RAG_RATING_RED, v1::CAPACITY_TO_IMPROVE_NOT_SECURE),
         "Autumn SEV: outcomes falling, leaders' capacity not secure");
  l.Step(l.lo(), urn, "concern", y + "-09-25", Concern(trigger, y + "-09-22"),
         "Raised by the school's LNI after the autumn SEV");
  if (stop_at("concern")) return;
  if (stop_at("not-designated")) {
    l.Step(l.srg(), urn, "srg-decision", y + "-10-08",
           Make([](EventPayload& p) { p.mutable_srg_decided_not_to_designate(); }),
           "New headteacher's plan judged credible; monitor through SEVs");
    return;
  }
  l.Step(l.srg(), urn, "designate", y + "-10-08", Designation(trigger, y + "-10-10"),
         "SRG half-termly meeting");
  if (stop_at("designated")) return;
  l.Step(l.hosi(), urn, "lead-officer", y + "-10-14", LeadOfficer("lo-ann", "Ann Okafor"),
         "The school's LNI, who knows its leaders");
  if (stop_at("lead-officer")) return;
  l.Step(l.lo(), urn, "plan", y + "-11-04", Plan("Quality of teaching of reading", y1 + "-07-18"),
         "Agreed with the headteacher and the chair of governors");
  l.Step(l.lo(), urn, "visit-1", y + "-11-20",
         Visit(v1::VISIT_KIND_LEAD_OFFICER_MONITORING, "lo-ann", y + "-11-27"));
  l.Step(l.lo(), urn, "review-1", y + "-12-09", Review(v1::PROGRESS_JUDGEMENT_SUFFICIENT),
         "Half-termly review with the headteacher and SLT",
         "Phonics lead absent; cover arranged with the federation partner");
  l.Step(l.lo(), urn, "progress-1", y + "-12-11",
         ProgressReport(v1::PROGRESS_JUDGEMENT_SUFFICIENT, "Keep the focus on early reading"),
         "The Lead Officer's termly progress report (R-7)");
  l.Step(l.hosi(), urn, "mcm-1", y + "-12-15", Mcm(v1::PROGRESS_JUDGEMENT_SUFFICIENT),
         "The Lead Officer and HoSI agreed governors should be challenged",
         "Governors challenged the pace of improvement");
  l.Step(l.srg(), urn, "srg-1", y1 + "-01-14", SrgReview(v1::SRG_OUTCOME_CONTINUE),
         "Progress sufficient but not yet secure");
  l.Step(l.lo(), urn, "review-2", y1 + "-03-10", Review(v1::PROGRESS_JUDGEMENT_INSUFFICIENT),
         "Half-termly review with the headteacher and SLT");
  l.Step(l.lo(), urn, "progress-2", y1 + "-03-12",
         ProgressReport(v1::PROGRESS_JUDGEMENT_INSUFFICIENT,
                        "Mathematics lead to work with a specialist leader of education"),
         "The Lead Officer's termly progress report (R-7)");
  l.Step(l.hosi(), urn, "mcm-2", y1 + "-03-17", Mcm(v1::PROGRESS_JUDGEMENT_INSUFFICIENT),
         "Insufficient progress at the review: governors invited to account for it");
  l.Step(l.srg(), urn, "srg-2", y1 + "-03-24", SrgReview(v1::SRG_OUTCOME_CONTINUE),
         "Insufficient progress; the SRG will review again next half term");
  if (stop_at("plan")) return;
  if (stop_at("removed")) {
    l.Step(l.hosi(), urn, "ofsted-good", y1 + "-05-20", Legacy(v1::OFSTED_GRADE_GOOD, y1 + "-05-07"));
    l.Step(l.srg(), urn, "srg-remove", y1 + "-06-09", SrgReview(v1::SRG_OUTCOME_REMOVE),
           "Judged Good by Ofsted; improvement sustained");
    l.Step(l.hosi(), urn, "remove", y1 + "-06-16",
           Make([&](EventPayload& p) {
             auto* r = p.mutable_scc_removed();
             r->set_basis(v1::REMOVAL_BASIS_HMI_REVIEW);
             r->set_review_date(y1 + "-05-07");
             r->set_evidence("Ofsted judged the school Good; improvements sustained over two terms");
             r->set_headteacher_agreed_on(y1 + "-06-02");
           }),
           "Enough progress made, agreed by the Lead Officer and the headteacher (R-14)");
    return;
  }
  l.Step(l.srg(), urn, "srg-escalate", y1 + "-06-09", SrgReview(v1::SRG_OUTCOME_ESCALATE),
         "Still insufficient progress after three reviews");
  l.Step(l.hosi(), urn, "warning-notice", y1 + "-09-15", Notice(y1 + "-09-15", y1 + "-12-15"),
         "SCC for more than 12 months and unlikely to be Good within 6 months (R-16)");
  if (stop_at("warning-notice")) return;
  l.Step(l.hosi(), urn, "not-complied", y1 + "-12-16",
         Make([](EventPayload& p) { p.mutable_warning_notice_not_complied(); }),
         "Required improvements to reading not secured");
  l.Step(l.hosi(), urn, "intention", y1 + "-12-18",
         Make([](EventPayload& p) {
           p.mutable_notice_of_intention_to_intervene_issued()->add_proposed_powers(
               v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD);
         }),
         "The school did not comply: the LA proposes an Interim Executive Board");
  if (stop_at("eligible")) return;
  l.Step(l.hosi(), urn, "consultation", absl::StrCat(std::stoi(y1) + 1, "-01-05"),
         Make([](EventPayload& p) {
           auto* c = p.mutable_intervention_consultation_held();
           c->set_power(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD);
           c->add_consulted(v1::SCHOOL_PARTY_GOVERNING_BODY);
           c->set_details("Meeting with the full governing body; its written response considered");
         }),
         "The Act requires the governing body to be consulted before an IEB (R-19)");
  l.Step(l.hosi(), urn, "ieb", absl::StrCat(std::stoi(y1) + 1, "-01-12"),
         Make([](EventPayload& p) {
           p.mutable_intervention_applied()->set_power(
               v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD);
           p.mutable_intervention_applied()->set_details("IEB replaces the governing body");
         }),
         "Governing body unable to secure the improvement the notice required");
}

void LoadCausesForConcern(Loader& l) {
  SchoolCycle(l, "100101", "2026", "concern");          // AT_RISK
  SchoolCycle(l, "100102", "2026", "designated");       // DESIGNATED, no Lead Officer yet
  SchoolCycle(l, "100103", "2026", "lead-officer");     // LO_ASSIGNED
  SchoolCycle(l, "100104", "2025", "plan");             // ACTION_PLAN_ACTIVE since 2025
  SchoolCycle(l, "100105", "2024", "plan");             // ACTION_PLAN_ACTIVE for two years
  SchoolCycle(l, "100106", "2024", "warning-notice");   // WARNING_NOTICE
  SchoolCycle(l, "100107", "2024", "eligible");         // ELIGIBLE_FOR_INTERVENTION
  SchoolCycle(l, "100108", "2024", "ieb");              // INTERVENTION
  SchoolCycle(l, "100109", "2024", "removed");          // REMOVED after a Good inspection
  SchoolCycle(l, "100110", "2025", "not-designated");   // back to MONITORED

  // Special measures: an Ofsted category, Statement of Action, SPRT meetings.
  l.Step(l.hosi(), "100111", "ofsted-sm", "2025-03-20",
         Legacy(v1::OFSTED_GRADE_INADEQUATE, "2025-03-05", v1::OFSTED_CATEGORY_SPECIAL_MEASURES));
  l.Step(l.hosi(), "100111", "lead-officer", "2025-03-21", LeadOfficer("lo-ann", "Ann Okafor"),
         "A school in special measures always has a Lead Officer (R-13)");
  l.Step(l.lo(), "100111", "statement", "2025-03-28",
         Make([](EventPayload& p) {
           auto* soa = p.mutable_statement_of_action_issued();
           FillPlan(soa->mutable_plan(), "Leadership and safeguarding culture", "2026-03-31");
           soa->set_action_period_ends_on("2026-03-31");
           soa->set_parents_informed(
               "Letter to every family; a meeting for parents at the school, their views "
               "collected by the governors");
           soa->set_sent_to_ofsted_on("2025-03-28");
         }),
         "Statement of Action within 10 working days of the report (R-13)");
  l.Step(l.lo(), "100111", "sprt-1", "2025-05-12",
         Make([](EventPayload& p) {
           p.mutable_school_progress_review_team_meeting_held()->set_progress(
               v1::PROGRESS_JUDGEMENT_SUFFICIENT);
         }),
         "Termly School Progress Review Team meeting (R-13)");
  l.Step(l.hosi(), "100111", "mcm-1", "2025-07-07", Mcm(v1::PROGRESS_JUDGEMENT_SUFFICIENT),
         "Termly evaluation of progress in special measures (R-13)");
  // A report card with urgent improvement, placed by Ofsted in the category "requires
  // significant improvement" (formerly serious weaknesses).
  l.Step(l.hosi(), "100112", "ofsted-report-card", "2026-02-20",
         ReportCard(v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT,
                    v1::REPORT_CARD_GRADE_NEEDS_ATTENTION, v1::SAFEGUARDING_OUTCOME_MET,
                    "2026-02-03", v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT));
  l.Step(l.hosi(), "100112", "lead-officer", "2026-02-23", LeadOfficer("lo-raj", "Raj Patel"),
         "A school requiring significant improvement always has a Lead Officer (R-13)");

  // Academies.
  const v1::Trigger academy_trigger = MakeTrigger(
      v1::CONCERN_TRIGGER_PUPIL_SAFETY, "Safeguarding referrals not followed up by leaders");
  for (const char* urn : {"140101", "140102"}) {
    l.Step(l.hosi(), urn, "concern", "2025-11-10",
           Make([&](EventPayload& p) {
             *p.mutable_academy_concern_raised_with_school()->add_triggers() = academy_trigger;
           }),
           "Raised with the headteacher and chair of governors");
    l.Step(l.hosi(), urn, "trust", "2025-11-24",
           Make([](EventPayload& p) {
             p.mutable_academy_trust_informed()->set_recommended_actions(
                 "Commission an external safeguarding review");
           }),
           "Concerns raised with the school not resolved within a fortnight");
  }
  l.Step(l.hosi(), "140101", "plan", "2026-01-12",
         Make([](EventPayload& p) {
           p.mutable_academy_trust_plan_shared()->set_plan_summary("Trust statement of action");
         }),
         "The trust shared its statement of action");
  l.Step(l.hosi(), "140101", "escalate", "2026-04-20",
         Make([](EventPayload& p) {
           auto* e = p.mutable_academy_concern_escalated();
           e->add_bodies(v1::ESCALATION_BODY_REGIONAL_DIRECTOR);
           e->add_bodies(v1::ESCALATION_BODY_REGIONAL_HMI);
           e->set_trust_informed_of_escalation_on("2026-04-13");
           e->set_attempts_to_agree_action("Two meetings with the trust CEO; plan not implemented");
         }),
         "Serious concerns remain and the trust's engagement is not effective (R-20)");

  // Settings causing concern (R-21 - R-23).
  auto setting_concern = [](v1::SettingConcernTrigger t, const char* evidence) {
    return Make([=](EventPayload& p) {
      auto* trigger = p.mutable_setting_causing_concern_recorded()->add_triggers();
      trigger->set_trigger(t);
      trigger->set_evidence(evidence);
    });
  };
  auto support = [](v1::SettingSupportActionKind kind) {
    return Make([=](EventPayload& p) { p.mutable_setting_support_action_recorded()->set_kind(kind); });
  };
  l.Step(l.ey(), "EY400006", "concern", "2026-10-05",
         setting_concern(v1::SETTING_CONCERN_TRIGGER_OFSTED_RI_OR_INADEQUATE,
                         "Ofsted: Requires Improvement"),
         "A setting graded RI causes concern by definition (R-21)");
  l.Step(l.ey(), "EY400019", "concern", "2025-10-06",
         setting_concern(v1::SETTING_CONCERN_TRIGGER_SAFEGUARDING,
                         "Staff unclear about reporting concerns"),
         "Advisory Teacher's visit found safeguarding weaknesses");
  l.Step(l.ey(), "EY400019", "plan", "2025-10-10",
         Make([](EventPayload& p) {
           FillPlan(p.mutable_setting_action_plan_agreed()->mutable_plan(),
                    "Safeguarding procedures known and followed by every member of staff",
                    "2026-01-30");
         }),
         "Action plan agreed with the setting's manager (R-21)");
  l.Step(l.ey(), "EY400019", "support", "2025-10-13",
         support(v1::SETTING_SUPPORT_ACTION_KIND_SAFEGUARDING_PARTNERSHIP),
         "Safeguarding: work with the LADO and MASH");
  l.Step(l.ey(), "EY400019", "visit", "2025-11-03",
         Visit(v1::VISIT_KIND_EARLY_YEARS_ADVISORY, "ey-lead", "2025-11-05"));
  l.Step(l.ey(), "EY400019", "meeting", "2025-12-08",
         Make([](EventPayload& p) {
           p.mutable_settings_causing_concern_meeting_held()->add_attendees("Standards Lead");
         }),
         "Termly settings-causing-concern meeting (R-22)");
  l.Step(l.ey(), "EY400032", "concern", "2024-11-04",
         setting_concern(v1::SETTING_CONCERN_TRIGGER_POOR_QUALITY_OF_TEACHING,
                         "Adult interactions do not extend children's learning"),
         "Two monitoring visits found weak interactions");
  l.Step(l.ey(), "EY400032", "support", "2024-11-11",
         support(v1::SETTING_SUPPORT_ACTION_KIND_BESPOKE_TRAINING),
         "Bespoke training for the room leaders");
  l.Step(l.ey(), "EY400032", "removed", "2025-07-14",
         Make([](EventPayload& p) {
           p.mutable_setting_removed_from_list()->set_basis(
               v1::SETTING_REMOVAL_BASIS_PRACTICE_IMPROVED);
         }),
         "Practice improved: two consecutive good monitoring visits");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "scc-demo-load: load an invented local authority into a running sccd through its API.\n"
      "Idempotent: every command has a fixed request_id, so a second run changes nothing."};
  std::string server = "127.0.0.1:50051";
  Tokens tokens;
  app.add_option("--server", server, "sccd address")->capture_default_str();
  app.add_option("--hosi-token", tokens.hosi, "token of a Head of School Improvement")
      ->capture_default_str();
  app.add_option("--lead-officer-token", tokens.lead_officer, "token of a Lead Officer")
      ->capture_default_str();
  app.add_option("--srg-token", tokens.srg, "token of an SRG member")->capture_default_str();
  app.add_option("--early-years-token", tokens.early_years,
                 "token of the Early Years Standards Team")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "scc-demo-load: cannot reach sccd at %s\n", server.c_str());
    return 1;
  }
  Loader loader(channel, tokens);
  std::fprintf(stderr, "scc-demo-load: schools...\n");
  LoadSchools(loader);
  std::fprintf(stderr, "scc-demo-load: early-years settings...\n");
  LoadSettings(loader);
  std::fprintf(stderr, "scc-demo-load: schools and settings causing concern...\n");
  LoadCausesForConcern(loader);
  std::fprintf(stderr, "scc-demo-load: %d commands, %d already loaded, %d failed\n", loader.sent(),
               loader.replayed(), loader.failed());
  return loader.failed() == 0 ? 0 : 1;
}
