#include "services/domain/decide.h"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/domain/fields.h"
#include "services/domain/ofsted.h"
#include "services/domain/role_bits.h"

namespace scc::domain {
namespace {

using v1::EventPayload;
using v1::FlowchartState;
using Kind = v1::EventPayload::KindCase;

// Which institutions a command applies to.
enum Applies : unsigned { kSchool = 1, kAcademy = 2, kSetting = 4, kAll = 7 };

using namespace role_bits;  // NOLINT: the table reads best with short role names

constexpr FlowchartState kMonitored = v1::FLOWCHART_STATE_MONITORED;
constexpr FlowchartState kAtRisk = v1::FLOWCHART_STATE_AT_RISK;
constexpr FlowchartState kDesignated = v1::FLOWCHART_STATE_DESIGNATED;
constexpr FlowchartState kLoAssigned = v1::FLOWCHART_STATE_LO_ASSIGNED;
constexpr FlowchartState kPlanActive = v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE;
constexpr FlowchartState kCategory = v1::FLOWCHART_STATE_OFSTED_CATEGORY;
constexpr FlowchartState kWarning = v1::FLOWCHART_STATE_WARNING_NOTICE;
constexpr FlowchartState kEligible = v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION;
constexpr FlowchartState kIntervention = v1::FLOWCHART_STATE_INTERVENTION;
constexpr FlowchartState kRemoved = v1::FLOWCHART_STATE_REMOVED;
constexpr FlowchartState kRaisedWithSchool = v1::FLOWCHART_STATE_CONCERN_RAISED_WITH_SCHOOL;
constexpr FlowchartState kTrustInformed = v1::FLOWCHART_STATE_TRUST_INFORMED;
constexpr FlowchartState kTrustPlan = v1::FLOWCHART_STATE_TRUST_PLAN_SHARED;
constexpr FlowchartState kEscalated = v1::FLOWCHART_STATE_ESCALATED;
constexpr FlowchartState kResolved = v1::FLOWCHART_STATE_RESOLVED;
constexpr FlowchartState kCausingConcern = v1::FLOWCHART_STATE_CAUSING_CONCERN;
constexpr FlowchartState kSupportActive = v1::FLOWCHART_STATE_SUPPORT_ACTIVE;

// The SCC states of a maintained school (section 4: "any SCC state").
const std::vector<FlowchartState> kSccStates = {kDesignated, kLoAssigned, kPlanActive, kCategory,
                                                kWarning,    kEligible,   kIntervention};

struct Entry {
  CommandSpec spec;
  unsigned applies;
  unsigned roles;
  std::vector<FlowchartState> from;  // empty: any state (facts)
  const char* rule;                  // cited when the state does not fit
};

// The command table: the flowchart (section 4) and the authorization matrix in one place.
const std::vector<Entry>& Table() {
  static const auto* const kTable = new std::vector<Entry>{
      {{EventPayload::kInstitutionRegistered, "RegisterInstitution", "registered", true}, kAll,
       kHosi | kEy | kService, {}, "R-24"},
      {{EventPayload::kInstitutionUpdated, "UpdateInstitution", "updated", true}, kAll,
       kHosi | kEy | kService, {}, "R-24"},
      {{EventPayload::kOfstedOutcomeRecorded, "RecordOfstedOutcome", "outcome", true}, kAll,
       kHosi | kLo | kSrg | kEy | kService, {}, "R-13"},
      {{EventPayload::kRagRatingRecorded, "RecordRagRating", "rating", true}, kAll,
       kHosi | kLo | kSrg | kService, {}, "R-1"},
      {{EventPayload::kVisitRecorded, "RecordVisit", "visit", true}, kAll,
       kHosi | kLo | kEy | kService, {}, "R-1"},
      {{EventPayload::kEventCorrected, "CorrectEvent", "correction", true}, kAll,
       kHosi | kLo | kSrg | kEy | kService, {}, "R-24"},

      {{EventPayload::kConcernRaised, "RaiseConcern", "concern", false}, kSchool,
       kHosi | kLo | kSrg, {kMonitored, kRemoved}, "R-3"},
      {{EventPayload::kSrgDesignated, "DesignateSchool", "designation", false}, kSchool,
       kHosi | kSrg, {kAtRisk}, "R-4"},
      {{EventPayload::kSrgDecidedNotToDesignate, "DecideNotToDesignate", "decision", false},
       kSchool, kHosi | kSrg, {kAtRisk}, "R-4"},
      {{EventPayload::kLeadOfficerAssigned, "AssignLeadOfficer", "lead_officer", false}, kSchool,
       kHosi | kSrg, kSccStates, "R-5"},
      {{EventPayload::kActionPlanAgreed, "AgreeActionPlan", "action_plan", false}, kSchool,
       kHosi | kLo, {kLoAssigned, kCategory}, "R-9"},
      {{EventPayload::kActionPlanReviewHeld, "HoldActionPlanReview", "review", false}, kSchool,
       kHosi | kLo, {kPlanActive, kCategory, kWarning, kEligible, kIntervention}, "R-10"},
      {{EventPayload::kStatementOfActionIssued, "IssueStatementOfAction", "statement", false},
       kSchool, kHosi | kLo, {kCategory, kIntervention}, "R-13"},
      {{EventPayload::kMonitoringAndChallengeMeetingHeld, "HoldMonitoringAndChallengeMeeting",
        "meeting", false},
       kSchool, kHosi, {kPlanActive, kCategory, kWarning, kEligible, kIntervention}, "R-11"},
      {{EventPayload::kSchoolProgressReviewTeamMeetingHeld, "HoldSchoolProgressReviewTeamMeeting",
        "meeting", false},
       kSchool, kHosi | kLo, kSccStates, "R-13"},
      {{EventPayload::kQualityAssuranceMeetingHeld, "HoldQualityAssuranceMeeting", "meeting",
        false},
       kSchool, kHosi, kSccStates, "R-12"},
      {{EventPayload::kSrgReviewOutcomeRecorded, "RecordSrgReviewOutcome", "review", false},
       kSchool, kHosi | kSrg, kSccStates, "R-6"},
      {{EventPayload::kEngagementConcernRecorded, "RecordEngagementConcern", "concern", false},
       kSchool, kHosi | kLo | kSrg, kSccStates, "R-8"},
      {{EventPayload::kSccRemoved, "RemoveFromScc", "removal", false}, kSchool, kHosi | kSrg,
       kSccStates, "R-14"},

      {{EventPayload::kWarningNoticeIssued, "IssueWarningNotice", "warning_notice", false},
       kSchool, kHosi, {kPlanActive}, "R-16"},
      {{EventPayload::kWarningNoticeComplied, "RecordWarningNoticeComplied", "compliance",
        false},
       kSchool, kHosi, {kWarning}, "R-18"},
      {{EventPayload::kWarningNoticeNotComplied, "RecordWarningNoticeNotComplied",
        "non_compliance", false},
       kSchool, kHosi, {kWarning}, "R-18"},
      {{EventPayload::kNoticeOfIntentionToInterveneIssued, "IssueNoticeOfIntentionToIntervene",
        "notice", false},
       kSchool, kHosi, {kWarning}, "R-18"},
      {{EventPayload::kInterventionApplied, "ApplyIntervention", "intervention", false}, kSchool,
       kHosi, {kEligible, kCategory, kIntervention}, "R-18"},

      {{EventPayload::kAcademyConcernRaisedWithSchool, "RaiseConcernWithAcademy", "concern",
        false},
       kAcademy, kHosi | kLo | kSrg, {kMonitored, kResolved}, "R-20"},
      {{EventPayload::kAcademyTrustInformed, "InformTrust", "trust", false}, kAcademy,
       kHosi | kLo | kSrg, {kRaisedWithSchool}, "R-20"},
      {{EventPayload::kAcademyTrustPlanShared, "RecordTrustPlanShared", "plan", false}, kAcademy,
       kHosi | kLo | kSrg, {kTrustInformed}, "R-20"},
      {{EventPayload::kAcademyConcernEscalated, "EscalateAcademyConcern", "escalation", false},
       kAcademy, kHosi, {kTrustInformed, kTrustPlan, kEscalated}, "R-20"},
      {{EventPayload::kAcademyConcernResolved, "ResolveAcademyConcern", "resolution", false},
       kAcademy, kHosi, {kRaisedWithSchool, kTrustInformed, kTrustPlan, kEscalated}, "R-20"},

      {{EventPayload::kSettingCausingConcernRecorded, "RecordSettingCausingConcern", "concern",
        false},
       kSetting, kHosi | kEy, {kMonitored, kRemoved}, "R-21"},
      {{EventPayload::kSettingSupportActionRecorded, "RecordSettingSupportAction", "action",
        false},
       kSetting, kHosi | kEy, {kCausingConcern, kSupportActive}, "R-22"},
      {{EventPayload::kSettingsCausingConcernMeetingHeld, "HoldSettingsCausingConcernMeeting",
        "meeting", false},
       kSetting, kHosi | kEy, {kCausingConcern, kSupportActive}, "R-22"},
      {{EventPayload::kSettingRemovedFromList, "RemoveSettingFromList", "removal", false},
       kSetting, kHosi | kEy, {kCausingConcern, kSupportActive}, "R-23"},
  };
  return *kTable;
}

const Entry* FindEntry(Kind kind) {
  for (const Entry& e : Table()) {
    if (e.spec.kind == kind) return &e;
  }
  return nullptr;
}

unsigned AppliesTo(v1::InstitutionKind kind) {
  switch (kind) {
    case v1::INSTITUTION_KIND_MAINTAINED_SCHOOL:
      return kSchool;
    case v1::INSTITUTION_KIND_ACADEMY:
      return kAcademy;
    case v1::INSTITUTION_KIND_EARLY_YEARS_SETTING:
      return kSetting;
    default:
      return 0;
  }
}

bool Contains(const std::vector<FlowchartState>& states, FlowchartState s) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

// A refusal by a workflow rule, before it is turned into a status.
struct Refusal {
  std::string rule;
  std::string message;
};

// Conditions beyond the flowchart state that a step needs, from the state alone. Used both to
// refuse a command and to list the allowed next steps, so the two never disagree.
std::optional<Refusal> StatePrecondition(const InstitutionState& s, Kind kind) {
  switch (kind) {
    case EventPayload::kActionPlanAgreed:
      if (!s.has_lead_officer()) {
        return Refusal{"R-9", "the Lead Officer writes the action plan: assign one first"};
      }
      if (s.action_plan_version() > 0) {
        return Refusal{"R-10", absl::StrCat("action plan version ", s.action_plan_version(),
                                            " is active; a new version is agreed at an "
                                            "action-plan review")};
      }
      return std::nullopt;
    case EventPayload::kActionPlanReviewHeld:
      if (s.action_plan_version() == 0) {
        return Refusal{"R-10", "there is no action plan to review: agree one first"};
      }
      return std::nullopt;
    case EventPayload::kStatementOfActionIssued:
      if (s.category_entered_on().empty()) {
        return Refusal{"R-13", "a Statement of Action is written for a school judged to need "
                               "special measures or to have serious weaknesses"};
      }
      if (!s.has_lead_officer()) {
        return Refusal{"R-13", "a school in an Ofsted category is always assigned a Lead "
                               "Officer, who writes the Statement of Action: assign one first"};
      }
      return std::nullopt;
    case EventPayload::kMonitoringAndChallengeMeetingHeld:
      if (s.action_plan_reviews() == 0 && !s.statement_of_action_issued()) {
        return Refusal{"R-11", "a Monitoring and Challenge Meeting follows a review of the "
                               "action plan: hold an action-plan review first"};
      }
      return std::nullopt;
    case EventPayload::kSchoolProgressReviewTeamMeetingHeld:
    case EventPayload::kQualityAssuranceMeetingHeld:
      if (!s.has_lead_officer()) {
        return Refusal{kind == EventPayload::kQualityAssuranceMeetingHeld ? "R-12" : "R-13",
                       "the school has no Lead Officer yet"};
      }
      return std::nullopt;
    case EventPayload::kWarningNoticeComplied:
    case EventPayload::kWarningNoticeNotComplied:
      if (s.warning_notice_not_complied()) {
        return Refusal{"R-18", "the school's failure to comply is already recorded: the next "
                               "step is the written notice of intention to intervene"};
      }
      return std::nullopt;
    case EventPayload::kNoticeOfIntentionToInterveneIssued:
      if (!s.warning_notice_not_complied()) {
        return Refusal{"R-18", "the school becomes eligible for intervention only when it has "
                               "failed to comply with the warning notice: record that first"};
      }
      return std::nullopt;
    case EventPayload::kSccRemoved:
      if (s.has_latest_ofsted() && Classify(s.latest_ofsted()).ri_or_worse) {
        return Refusal{"R-15",
                       absl::StrCat("the latest Ofsted outcome (",
                                    Classify(s.latest_ofsted()).label, ", inspected ",
                                    s.latest_ofsted().inspection_date(),
                                    ") is below Good: a school judged RI or Inadequate is not "
                                    "removed until a later inspection judges it Good or better")};
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::string KindName(v1::InstitutionKind kind) {
  switch (kind) {
    case v1::INSTITUTION_KIND_ACADEMY:
      return "an academy";
    case v1::INSTITUTION_KIND_EARLY_YEARS_SETTING:
      return "an early-years setting";
    default:
      return "a maintained school";
  }
}

// Why a command for other kinds of institution does not apply to this one.
Refusal WrongKind(const Entry& entry, v1::InstitutionKind kind) {
  if (kind == v1::INSTITUTION_KIND_ACADEMY && (entry.applies & kSchool)) {
    return {"R-20", absl::StrCat(entry.spec.rpc,
                                 " applies to maintained schools only: for an academy the "
                                 "Academy Trust is accountable; the LA raises concerns with the "
                                 "school and the Trust and may escalate to the RD, ESFA and HMI")};
  }
  if (kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING) {
    return {"R-21", absl::StrCat(entry.spec.rpc, " does not apply to ", KindName(kind),
                                 ": settings follow the settings-causing-concern path")};
  }
  if (entry.applies == kAcademy) {
    return {"R-20", absl::StrCat(entry.spec.rpc, " applies to academies only, not to ",
                                 KindName(kind))};
  }
  return {"R-21", absl::StrCat(entry.spec.rpc, " applies to early-years settings only, not to ",
                               KindName(kind))};
}

// ---------------------------------------------------------------------------------------------
// Shape checks.

// Helpers for required fields; `at` is the payload's field name in the request.
struct Required {
  Violations& v;
  const std::string& at;

  void Text(const std::string& field, const std::string& value) {
    if (absl::StripAsciiWhitespace(value).empty()) v.Add(absl::StrCat(at, ".", field), "is required");
  }
  template <typename E>
  void Enum(const std::string& field, E value) {
    if (static_cast<int>(value) == 0) v.Add(absl::StrCat(at, ".", field), "is required");
  }
  void NonEmpty(const std::string& field, int size, const std::string& what) {
    if (size == 0) v.Add(absl::StrCat(at, ".", field), absl::StrCat("needs at least one ", what));
  }
  template <typename T>
  void Triggers(const std::string& field, const T& triggers) {
    NonEmpty(field, triggers.size(), "trigger");
    for (int i = 0; i < triggers.size(); ++i) {
      const std::string item = absl::StrCat(field, "[", i, "]");
      Enum(item + ".trigger", triggers[i].trigger());
      Text(item + ".evidence", triggers[i].evidence());
    }
  }
};

void CheckDetails(const v1::InstitutionDetails& d, Required& req) {
  req.Text("details.name", d.name());
  req.Enum("details.kind", d.kind());
  req.Enum("details.phase", d.phase());
  const bool setting = d.kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;
  const v1::EstablishmentType t = d.establishment_type();
  const bool setting_type = t >= v1::ESTABLISHMENT_TYPE_PVI_NURSERY;
  const bool academy_type = t == v1::ESTABLISHMENT_TYPE_ACADEMY_CONVERTER ||
                            t == v1::ESTABLISHMENT_TYPE_ACADEMY_SPONSOR_LED ||
                            t == v1::ESTABLISHMENT_TYPE_FREE_SCHOOL;
  if (t != v1::ESTABLISHMENT_TYPE_UNSPECIFIED && d.kind() != v1::INSTITUTION_KIND_UNSPECIFIED &&
      (setting != setting_type ||
       academy_type != (d.kind() == v1::INSTITUTION_KIND_ACADEMY))) {
    req.v.Add(req.at + ".details.establishment_type",
              absl::StrCat(v1::EstablishmentType_Name(t), " does not fit ",
                           v1::InstitutionKind_Name(d.kind())));
  }
  if ((d.phase() == v1::PHASE_EARLY_YEARS) != setting && d.phase() != v1::PHASE_UNSPECIFIED &&
      d.kind() != v1::INSTITUTION_KIND_UNSPECIFIED) {
    req.v.Add(req.at + ".details.phase",
              setting ? "an early-years setting has phase PHASE_EARLY_YEARS"
                      : "PHASE_EARLY_YEARS is for early-years settings");
  }
}

// Required fields and field-level consistency of each payload.
void CheckPayload(const EventPayload& p, const std::string& at, const std::string& effective,
                  Violations& v) {
  Required req{v, at};
  auto not_before_effective = [&](const std::string& field, const std::string& value,
                                  const char* what) {
    if (!value.empty() && ParseDate(value) && value < effective) {
      v.Add(absl::StrCat(at, ".", field), absl::StrCat(value, " is before the effective date (",
                                                       effective, "): ", what));
    }
  };
  auto not_after_effective = [&](const std::string& field, const std::string& value) {
    if (!value.empty() && ParseDate(value) && value > effective) {
      v.Add(absl::StrCat(at, ".", field),
            absl::StrCat(value, " is after the effective date (", effective, ")"));
    }
  };
  switch (p.kind_case()) {
    case EventPayload::kInstitutionRegistered:
      CheckDetails(p.institution_registered().details(), req);
      break;
    case EventPayload::kInstitutionUpdated:
      CheckDetails(p.institution_updated().details(), req);
      break;
    case EventPayload::kOfstedOutcomeRecorded: {
      const v1::OfstedOutcomeRecorded& o = p.ofsted_outcome_recorded();
      req.Text("inspection_date", o.inspection_date());
      if (!o.publication_date().empty() && o.publication_date() < o.inspection_date()) {
        v.Add(at + ".publication_date", "is before the inspection date");
      }
      switch (o.judgement_case()) {
        case v1::OfstedOutcomeRecorded::kLegacy:
          req.Enum("legacy.overall", o.legacy().overall());
          if ((o.legacy().category() == v1::OFSTED_CATEGORY_SPECIAL_MEASURES ||
               o.legacy().category() == v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES) &&
              o.legacy().overall() != v1::OFSTED_GRADE_INADEQUATE) {
            v.Add(at + ".legacy.category", "special measures and serious weaknesses go with an "
                                           "Inadequate overall grade");
          }
          break;
        case v1::OfstedOutcomeRecorded::kReportCard: {
          req.NonEmpty("report_card.areas", o.report_card().areas_size(), "graded area");
          req.Enum("report_card.safeguarding", o.report_card().safeguarding());
          std::vector<int> seen;
          for (int i = 0; i < o.report_card().areas_size(); ++i) {
            const v1::AreaGrade& a = o.report_card().areas(i);
            const std::string item = absl::StrCat("report_card.areas[", i, "]");
            req.Enum(item + ".area", a.area());
            req.Enum(item + ".grade", a.grade());
            if (std::find(seen.begin(), seen.end(), a.area()) != seen.end()) {
              v.Add(absl::StrCat(at, ".", item, ".area"), "is graded twice");
            }
            seen.push_back(a.area());
          }
          break;
        }
        case v1::OfstedOutcomeRecorded::kRegistration:
          req.Enum("registration", o.registration());
          break;
        case v1::OfstedOutcomeRecorded::JUDGEMENT_NOT_SET:
          v.Add(at + ".judgement", "one of legacy, report_card or registration is required");
          break;
      }
      break;
    }
    case EventPayload::kRagRatingRecorded:
      req.Enum("rating", p.rag_rating_recorded().rating());
      req.Enum("capacity", p.rag_rating_recorded().capacity());
      break;
    case EventPayload::kVisitRecorded:
      req.Enum("kind", p.visit_recorded().kind());
      req.Text("visitor", p.visit_recorded().visitor());
      not_before_effective("note_status_on", p.visit_recorded().note_status_on(),
                           "the note cannot be agreed or disputed before the visit");
      if (p.visit_recorded().kind() == v1::VISIT_KIND_ADDITIONAL) {
        req.Text("additional_reason", p.visit_recorded().additional_reason());
      }
      break;
    case EventPayload::kEventCorrected:
      req.Text("corrected_event_id", p.event_corrected().corrected_event_id());
      break;
    case EventPayload::kConcernRaised:
      req.Triggers("triggers", p.concern_raised().triggers());
      not_after_effective("discussed_with_headteacher_on",
                          p.concern_raised().discussed_with_headteacher_on());
      break;
    case EventPayload::kSrgDesignated:
      req.Triggers("triggers", p.srg_designated().triggers());
      req.Text("letter_sent_on", p.srg_designated().letter_sent_on());
      not_before_effective("letter_sent_on", p.srg_designated().letter_sent_on(),
                           "the letter to the HT and CoG follows the SRG's decision");
      break;
    case EventPayload::kLeadOfficerAssigned:
      req.Text("lead_officer_id", p.lead_officer_assigned().lead_officer_id());
      req.Text("lead_officer_name", p.lead_officer_assigned().lead_officer_name());
      break;
    case EventPayload::kLeadOfficerReassigned:  // only as a correction's replacement
      req.Text("lead_officer_id", p.lead_officer_reassigned().lead_officer_id());
      req.Text("lead_officer_name", p.lead_officer_reassigned().lead_officer_name());
      break;
    case EventPayload::kActionPlanAgreed:
      req.NonEmpty("plan.key_issues", p.action_plan_agreed().plan().key_issues_size(),
                   "key issue");
      req.NonEmpty("plan.actions", p.action_plan_agreed().plan().actions_size(), "action");
      break;
    case EventPayload::kStatementOfActionIssued:
      req.NonEmpty("plan.actions", p.statement_of_action_issued().plan().actions_size(),
                   "action");
      break;
    case EventPayload::kSrgReviewOutcomeRecorded:
      req.Enum("outcome", p.srg_review_outcome_recorded().outcome());
      break;
    case EventPayload::kEngagementConcernRecorded:
      req.Enum("kind", p.engagement_concern_recorded().kind());
      break;
    case EventPayload::kSccRemoved: {
      const v1::SccRemoved& r = p.scc_removed();
      req.Enum("basis", r.basis());
      req.Text("review_date", r.review_date());
      req.Text("evidence", r.evidence());
      req.Text("headteacher_agreed_on", r.headteacher_agreed_on());
      not_after_effective("review_date", r.review_date());
      not_after_effective("headteacher_agreed_on", r.headteacher_agreed_on());
      not_after_effective("srg_confirmed_on", r.srg_confirmed_on());
      break;
    }
    case EventPayload::kWarningNoticeIssued: {
      const v1::WarningNoticeIssued& w = p.warning_notice_issued();
      req.NonEmpty("grounds", w.grounds_size(), "statutory ground (R-17)");
      for (int i = 0; i < w.grounds_size(); ++i) {
        req.Enum(absl::StrCat("grounds[", i, "]"), w.grounds(i));
      }
      req.Enum("reason", w.reason());
      req.Text("required_action", w.required_action());
      req.Text("compliance_period_ends_on", w.compliance_period_ends_on());
      if (!w.compliance_period_ends_on().empty() && ParseDate(w.compliance_period_ends_on()) &&
          w.compliance_period_ends_on() <= effective) {
        v.Add(at + ".compliance_period_ends_on", "must be after the date of the notice");
      }
      break;
    }
    case EventPayload::kNoticeOfIntentionToInterveneIssued:
      req.NonEmpty("proposed_powers", p.notice_of_intention_to_intervene_issued().proposed_powers_size(),
                   "proposed power");
      break;
    case EventPayload::kInterventionApplied: {
      const v1::InterventionApplied& i = p.intervention_applied();
      req.Enum("power", i.power());
      if (i.power() == v1::INTERVENTION_POWER_S63_ARRANGEMENTS) {
        req.Enum("arrangement", i.arrangement());
      } else if (i.arrangement() != v1::SECTION63_ARRANGEMENT_UNSPECIFIED) {
        v.Add(at + ".arrangement", "applies to s63 arrangements only");
      }
      break;
    }
    case EventPayload::kAcademyConcernRaisedWithSchool:
      req.Triggers("triggers", p.academy_concern_raised_with_school().triggers());
      break;
    case EventPayload::kAcademyTrustInformed:
      req.Text("recommended_actions", p.academy_trust_informed().recommended_actions());
      break;
    case EventPayload::kAcademyConcernEscalated: {
      const v1::AcademyConcernEscalated& e = p.academy_concern_escalated();
      req.NonEmpty("bodies", e.bodies_size(), "body (RD, ESFA or Regional HMI)");
      for (int i = 0; i < e.bodies_size(); ++i) req.Enum(absl::StrCat("bodies[", i, "]"), e.bodies(i));
      req.Text("trust_informed_of_escalation_on", e.trust_informed_of_escalation_on());
      not_after_effective("trust_informed_of_escalation_on", e.trust_informed_of_escalation_on());
      break;
    }
    case EventPayload::kSettingCausingConcernRecorded:
      req.Triggers("triggers", p.setting_causing_concern_recorded().triggers());
      break;
    case EventPayload::kSettingSupportActionRecorded:
      req.Enum("kind", p.setting_support_action_recorded().kind());
      break;
    case EventPayload::kSettingRemovedFromList:
      req.Enum("basis", p.setting_removed_from_list().basis());
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------

absl::Status Refuse(const InstitutionState& s, const Refusal& r) {
  return RuleViolation(r.rule, s.urn(), s.state(), AllowedNextSteps(s), r.message);
}

// Decisions that depend on the command as well as the state.
std::optional<Refusal> CommandPrecondition(const InstitutionState& s, const EventPayload& p,
                                           const std::string& effective) {
  switch (p.kind_case()) {
    case EventPayload::kSrgDesignated: {
      const std::string& discussed = p.srg_designated().discussed_with_headteacher_on().empty()
                                         ? s.concern_discussed_with_headteacher_on()
                                         : p.srg_designated().discussed_with_headteacher_on();
      if (discussed.empty()) {
        return Refusal{"R-4", "concerns must be discussed with the headteacher before the SRG "
                              "designates: give discussed_with_headteacher_on"};
      }
      if (discussed > effective) {
        return Refusal{"R-4", absl::StrCat("concerns must already have been discussed with the "
                                           "headteacher before the SRG: discussed on ",
                                           discussed, ", after the SRG on ", effective)};
      }
      return std::nullopt;
    }
    case EventPayload::kLeadOfficerAssigned:
      if (s.has_lead_officer() &&
          s.lead_officer().lead_officer_id() == p.lead_officer_assigned().lead_officer_id()) {
        return Refusal{"R-5", absl::StrCat(p.lead_officer_assigned().lead_officer_id(),
                                           " is already the Lead Officer")};
      }
      return std::nullopt;
    case EventPayload::kQualityAssuranceMeetingHeld: {
      const std::string& lo = p.quality_assurance_meeting_held().lead_officer_id();
      if (!lo.empty() && s.has_lead_officer() && lo != s.lead_officer().lead_officer_id()) {
        return Refusal{"R-12", absl::StrCat(lo, " is not this school's Lead Officer (",
                                            s.lead_officer().lead_officer_id(), ")")};
      }
      return std::nullopt;
    }
    case EventPayload::kWarningNoticeNotComplied:
      if (s.has_warning_notice() && effective <= s.warning_notice().compliance_period_ends_on()) {
        return Refusal{"R-18", absl::StrCat("the compliance period runs until ",
                                            s.warning_notice().compliance_period_ends_on(),
                                            ": non-compliance can be recorded once it has ended")};
      }
      return std::nullopt;
    case EventPayload::kSrgReviewOutcomeRecorded:
      if (p.srg_review_outcome_recorded().outcome() == v1::SRG_OUTCOME_REMOVE &&
          s.has_latest_ofsted() && Classify(s.latest_ofsted()).ri_or_worse) {
        return Refusal{"R-15", absl::StrCat("the SRG cannot decide to remove a school whose "
                                            "latest Ofsted outcome is ",
                                            Classify(s.latest_ofsted()).label,
                                            " until a later inspection judges it Good or better")};
      }
      return std::nullopt;
    case EventPayload::kSccRemoved:
      if (p.scc_removed().srg_confirmed_on().empty() &&
          s.last_srg_outcome() != v1::SRG_OUTCOME_REMOVE) {
        return Refusal{"R-14", "the SRG confirms a removal: give srg_confirmed_on, or record "
                               "an SRG review with outcome remove first"};
      }
      return std::nullopt;
    case EventPayload::kAcademyConcernEscalated:
      if (!s.trust_informed()) {
        return Refusal{"R-20", "the Academy Trust must be informed before escalation"};
      }
      return std::nullopt;
    case EventPayload::kSettingRemovedFromList:
      if (p.setting_removed_from_list().basis() == v1::SETTING_REMOVAL_BASIS_OFSTED_GRADE_CHANGED) {
        if (!(s.has_latest_ofsted() && Classify(s.latest_ofsted()).good_or_better)) {
          return Refusal{"R-23", "removal because the grade changed needs a recorded Ofsted "
                                 "outcome of Good or better"};
        }
        if (s.latest_ofsted().inspection_date() < s.designated_on()) {
          return Refusal{"R-23", absl::StrCat("the latest inspection (",
                                              s.latest_ofsted().inspection_date(),
                                              ") was before the setting was listed (",
                                              s.designated_on(), "): its grade has not changed")};
        }
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

// The request field of a correction's replacement, e.g. "correction.replacement.visit_recorded".
std::string ReplacementField(const std::string& at, const EventPayload& replacement) {
  const google::protobuf::FieldDescriptor* set =
      replacement.GetDescriptor()->FindFieldByNumber(replacement.kind_case());
  return absl::StrCat(at, ".replacement", set == nullptr ? "" : "." + set->name());
}

// Checks a correction against the event it corrects.
absl::Status CheckCorrection(const InstitutionState& s, const Command& cmd,
                             const std::string& at) {
  const v1::EventCorrected& c = cmd.payload.event_corrected();
  if (!cmd.corrected) {
    return InvalidField(at + ".corrected_event_id",
                        absl::StrCat("no event ", c.corrected_event_id(), " in institution ",
                                     s.urn()));
  }
  const Kind corrected = cmd.corrected->payload.kind_case();
  if (corrected == EventPayload::kEventCorrected) {
    return InvalidField(at + ".corrected_event_id",
                        "names a correction: a correction is corrected by correcting the "
                        "original event again");
  }
  if (c.has_replacement()) {
    if (c.replacement().kind_case() != corrected) {
      return InvalidField(at + ".replacement",
                          absl::StrCat("must be of the same kind as the corrected event (",
                                       EventKindName(corrected), ")"));
    }
    const EventPayload& r = c.replacement();
    const v1::InstitutionDetails* details = nullptr;
    if (r.has_institution_registered()) details = &r.institution_registered().details();
    if (r.has_institution_updated()) details = &r.institution_updated().details();
    if (details != nullptr && details->kind() != s.details().kind()) {
      return InvalidField(ReplacementField(at, c.replacement()) + ".details.kind",
                          "the institution's kind cannot change");
    }
  }
  return absl::OkStatus();
}

// What the server derived for the corrected event stays as it was: a replacement corrects what
// was decided, not the plan versions, the previous Lead Officer or the school's Lead Officer at
// a quality-assurance meeting (the fields Decide fills in for a fresh command).
void KeepDerivedFields(const EventPayload& original, EventPayload& replacement) {
  switch (replacement.kind_case()) {
    case EventPayload::kLeadOfficerReassigned:
      replacement.mutable_lead_officer_reassigned()->set_previous_lead_officer_id(
          original.lead_officer_reassigned().previous_lead_officer_id());
      break;
    case EventPayload::kActionPlanAgreed:
      replacement.mutable_action_plan_agreed()->set_version(
          original.action_plan_agreed().version());
      break;
    case EventPayload::kActionPlanReviewHeld:
      replacement.mutable_action_plan_review_held()->set_reviewed_version(
          original.action_plan_review_held().reviewed_version());
      replacement.mutable_action_plan_review_held()->set_new_version(
          original.action_plan_review_held().new_version());
      break;
    case EventPayload::kQualityAssuranceMeetingHeld:
      replacement.mutable_quality_assurance_meeting_held()->set_lead_officer_id(
          original.quality_assurance_meeting_held().lead_officer_id());
      break;
    default:
      break;
  }
}

}  // namespace

const CommandSpec* FindCommand(Kind kind) {
  const Entry* e = FindEntry(kind);
  return e == nullptr ? nullptr : &e->spec;
}

const CommandSpec* RecordingCommand(Kind kind) {
  return FindCommand(kind == EventPayload::kLeadOfficerReassigned
                         ? EventPayload::kLeadOfficerAssigned
                         : kind);
}

std::string EventKindName(Kind kind) {
  const google::protobuf::FieldDescriptor* field =
      EventPayload::descriptor()->FindFieldByNumber(kind);
  return field == nullptr ? "unknown" : field->message_type()->name();
}

std::vector<const CommandSpec*> Commands() {
  std::vector<const CommandSpec*> specs;
  for (const Entry& e : Table()) specs.push_back(&e.spec);
  return specs;
}

bool RoleMayRecord(v1::Role role, Kind kind) {
  const Entry* e = FindEntry(kind);
  return e != nullptr && role > 0 && role < 32 && (e->roles & Bit(role)) != 0;
}

std::string CommandTableMarkdown() {
  auto join_states = [](const std::vector<FlowchartState>& states) {
    if (states.empty()) return std::string("any (a fact)");
    std::string out;
    for (FlowchartState s : states) absl::StrAppend(&out, out.empty() ? "" : ", ", StateName(s));
    return out;
  };
  auto join_roles = [](unsigned roles) {
    std::string out;
    for (int r = 1; r < 32; ++r) {
      if ((roles & (1u << r)) == 0 || !v1::Role_IsValid(r)) continue;
      absl::StrAppend(&out, out.empty() ? "" : ", ", RoleName(static_cast<v1::Role>(r)));
    }
    return out;
  };
  auto join_kinds = [](unsigned applies) {
    if (applies == kAll) return std::string("all");
    std::string out;
    if (applies & kSchool) out = "maintained schools";
    if (applies & kAcademy) absl::StrAppend(&out, out.empty() ? "" : ", ", "academies");
    if (applies & kSetting) absl::StrAppend(&out, out.empty() ? "" : ", ", "early-years settings");
    return out;
  };
  std::string md =
      "| RPC | applies to | allowed from state | rule | roles that may call it |\n"
      "|---|---|---|---|---|\n";
  for (const Entry& e : Table()) {
    absl::StrAppend(&md, "| ", e.spec.rpc, " | ", join_kinds(e.applies), " | ",
                    join_states(e.from), " | ", e.rule, " | ", join_roles(e.roles), " |\n");
  }
  return md;
}

bool IsValidUrn(const std::string& urn) {
  auto digits = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((urn.size() == 6 || urn.size() == 7) && digits(urn)) return true;
  return urn.size() == 8 && absl::StartsWith(urn, "EY") && digits(absl::string_view(urn).substr(2));
}

std::string EffectiveDate(const Command& command, absl::CivilDay today) {
  return command.context.effective_date().empty() ? FormatDate(today)
                                                  : command.context.effective_date();
}

std::vector<std::string> AllowedNextSteps(const InstitutionState& s) {
  std::vector<std::string> steps;
  if (!s.registered()) return {"RegisterInstitution"};
  for (const Entry& e : Table()) {
    if (e.spec.fact || (e.applies & AppliesTo(s.details().kind())) == 0) continue;
    if (!Contains(e.from, s.state()) || StatePrecondition(s, e.spec.kind)) continue;
    steps.push_back(e.spec.rpc);
  }
  return steps;
}

absl::StatusOr<std::vector<EventPayload>> Decide(const InstitutionState& s, const Command& cmd,
                                                 absl::CivilDay today) {
  const Entry* entry = FindEntry(cmd.payload.kind_case());
  if (entry == nullptr) {
    return InvalidField("payload", "is not a command the server accepts");
  }
  const std::string at = entry->spec.payload_field;
  const std::string effective = EffectiveDate(cmd, today);

  // Shape: context, then every field, then what each payload requires.
  Violations v;
  const v1::CommandContext& ctx = cmd.context;
  if (!IsValidUrn(ctx.urn())) {
    v.Add("context.urn", absl::StrCat(Quoted(ctx.urn()), " is not a URN (6 or 7 digits, or EY "
                                      "and 6 digits)"));
  }
  if (absl::StripAsciiWhitespace(ctx.request_id()).empty()) {
    v.Add("context.request_id", ctx.request_id().empty()
                                    ? "is required (a UUID is best)"
                                    : "is only spaces: give an id (a UUID is best)");
  }
  if (ctx.request_id().size() > 128) v.Add("context.request_id", "is longer than 128 characters");
  CheckCommandFields(ctx, "context", today, v);
  {
    // The payload's own message, under the name the request gives it.
    const google::protobuf::FieldDescriptor* set =
        cmd.payload.GetDescriptor()->FindFieldByNumber(cmd.payload.kind_case());
    CheckCommandFields(cmd.payload.GetReflection()->GetMessage(cmd.payload, set), at, today, v);
  }
  CheckPayload(cmd.payload, at, effective, v);
  if (cmd.payload.has_event_corrected()) {
    if (absl::StripAsciiWhitespace(ctx.reason()).empty()) {
      v.Add("context.reason", "a correction must give its reason (R-24)");
    }
    // A replacement is checked like a fresh command of its kind, as of the corrected event.
    const v1::EventCorrected& c = cmd.payload.event_corrected();
    if (c.has_replacement()) {
      CheckPayload(c.replacement(), ReplacementField(at, c.replacement()),
                   cmd.corrected ? cmd.corrected->metadata.effective_date() : effective, v);
    }
  }
  if (!v.empty()) return v.Status();

  // Existence.
  if (cmd.payload.has_institution_registered()) {
    if (s.registered()) {
      return absl::AlreadyExistsError(absl::StrCat("institution ", ctx.urn(),
                                                   " is already registered; use "
                                                   "UpdateInstitution to change its details"));
    }
    return std::vector<EventPayload>{cmd.payload};
  }
  if (!s.registered()) {
    return absl::NotFoundError(absl::StrCat("institution ", ctx.urn(), " is not registered"));
  }
  if (effective < s.registered_on()) {
    return InvalidField("context.effective_date",
                        absl::StrCat(effective, " is before the institution's registration (",
                                     s.registered_on(), ")"));
  }

  // The flowchart: institution kind and state.
  if ((entry->applies & AppliesTo(s.details().kind())) == 0) {
    return Refuse(s, WrongKind(*entry, s.details().kind()));
  }
  if (!entry->spec.fact) {
    if (!Contains(entry->from, s.state())) {
      return Refuse(s, {entry->rule, absl::StrCat(entry->spec.rpc, " does not fit an institution "
                                                  "in state ", StateName(s.state()))});
    }
    if (!s.last_step_on().empty() && effective < s.last_step_on()) {
      return InvalidField("context.effective_date",
                          absl::StrCat(effective, " is before the last workflow step (",
                                       s.last_step_on(), ")"));
    }
  }
  if (auto refusal = StatePrecondition(s, cmd.payload.kind_case())) return Refuse(s, *refusal);
  if (auto refusal = CommandPrecondition(s, cmd.payload, effective)) return Refuse(s, *refusal);

  // The events, with what the server derives.
  EventPayload event = cmd.payload;
  switch (event.kind_case()) {
    case EventPayload::kInstitutionUpdated:
      if (event.institution_updated().details().kind() != s.details().kind()) {
        return InvalidField("updated.details.kind", "an institution's kind cannot change");
      }
      break;
    case EventPayload::kEventCorrected:
      if (absl::Status c = CheckCorrection(s, cmd, at); !c.ok()) return c;
      if (event.event_corrected().has_replacement()) {
        KeepDerivedFields(cmd.corrected->payload,
                          *event.mutable_event_corrected()->mutable_replacement());
      }
      break;
    case EventPayload::kLeadOfficerAssigned:
      if (s.has_lead_officer()) {
        const v1::LeadOfficerAssigned& next = event.lead_officer_assigned();
        EventPayload reassigned;
        auto* r = reassigned.mutable_lead_officer_reassigned();
        r->set_lead_officer_id(next.lead_officer_id());
        r->set_lead_officer_name(next.lead_officer_name());
        r->set_kind(next.kind());
        r->set_previous_lead_officer_id(s.lead_officer().lead_officer_id());
        return std::vector<EventPayload>{reassigned};
      }
      break;
    case EventPayload::kActionPlanAgreed:
      event.mutable_action_plan_agreed()->set_version(1);
      break;
    case EventPayload::kActionPlanReviewHeld:
      event.mutable_action_plan_review_held()->set_reviewed_version(s.action_plan_version());
      event.mutable_action_plan_review_held()->set_new_version(s.action_plan_version() + 1);
      break;
    case EventPayload::kQualityAssuranceMeetingHeld:
      event.mutable_quality_assurance_meeting_held()->set_lead_officer_id(
          s.lead_officer().lead_officer_id());
      break;
    default:
      break;
  }
  return std::vector<EventPayload>{event};
}

}  // namespace scc::domain
