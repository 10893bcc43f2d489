#include "services/domain/shape.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "services/domain/dates.h"
#include "services/domain/command_table.h"
#include "services/domain/errors.h"
#include "services/domain/fields.h"

namespace scc::domain {
namespace {

using v1::EventPayload;


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
  // A compliance period or similar, set by the LA: after the date of the notice.
  void After(const std::string& field, const std::string& value, const std::string& effective,
             const char* what) {
    if (!value.empty() && ParseDate(value) && value <= effective) {
      v.Add(absl::StrCat(at, ".", field), absl::StrCat("must be after ", what, " (", effective, ")"));
    }
  }
  // The copies of a notice: each to someone, on a day; one to the governing body.
  template <typename T>
  void Copies(const T& copies, const std::string& effective) {
    bool governing_body = false;
    for (int i = 0; i < copies.size(); ++i) {
      const std::string item = absl::StrCat("copies[", i, "]");
      Enum(item + ".recipient", copies[i].recipient());
      Text(item + ".sent_on", copies[i].sent_on());
      if (!copies[i].sent_on().empty() && copies[i].sent_on() < effective) {
        v.Add(absl::StrCat(at, ".", item, ".sent_on"),
              absl::StrCat(copies[i].sent_on(), " is before the notice (", effective, ")"));
      }
      governing_body |= copies[i].recipient() == v1::SCHOOL_PARTY_GOVERNING_BODY;
    }
    if (!governing_body) {
      v.Add(at + ".copies", "the Act requires a copy to the governing body (R-17): record to "
                            "whom and when copies were given");
    }
  }
  // An action plan: what it is to fix, and what is to be done.
  void Plan(const v1::ActionPlan& plan) {
    NonEmpty("plan.key_issues", plan.key_issues_size(), "key issue");
    NonEmpty("plan.actions", plan.actions_size(), "action");
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
  // The GIAS record's numbers and codes (docs/import.md).
  auto digits = [&](const std::string& field, const std::string& value, size_t n) {
    if (!value.empty() && (value.size() != n || !std::all_of(value.begin(), value.end(), [](char c) {
                             return absl::ascii_isdigit(static_cast<unsigned char>(c));
                           }))) {
      req.v.Add(absl::StrCat(req.at, ".details.", field), absl::StrCat("is not ", n, " digits"));
    }
  };
  digits("la_code", d.la_code(), 3);
  digits("ukprn", d.ukprn(), 8);
  const std::pair<const char*, int> numbers[] = {{"number_of_pupils", d.number_of_pupils()},
                                                 {"statutory_low_age", d.statutory_low_age()},
                                                 {"statutory_high_age", d.statutory_high_age()},
                                                 {"gias_type_code", d.gias_type_code()}};
  for (const auto& [field, value] : numbers) {
    if (value < 0) req.v.Add(absl::StrCat(req.at, ".details.", field), "is negative");
  }
  if (d.statutory_high_age() != 0 && d.statutory_low_age() > d.statutory_high_age()) {
    req.v.Add(req.at + ".details.statutory_low_age",
              absl::StrCat(d.statutory_low_age(), " is above the statutory high age (",
                           d.statutory_high_age(), ")"));
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
            v.Add(at + ".legacy.category", "special measures and requires significant "
                                           "improvement (formerly serious weaknesses) go with "
                                           "an Inadequate overall grade");
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
        case v1::OfstedOutcomeRecorded::kUngraded: {
          // The 2024/25 framework: no overall grade, the four key judgements and safeguarding.
          const v1::KeyJudgements& k = o.ungraded().key_judgements();
          req.Enum("ungraded.key_judgements.quality_of_education", k.quality_of_education());
          req.Enum("ungraded.key_judgements.behaviour_and_attitudes",
                   k.behaviour_and_attitudes());
          req.Enum("ungraded.key_judgements.personal_development", k.personal_development());
          req.Enum("ungraded.key_judgements.leadership_and_management",
                   k.leadership_and_management());
          req.Enum("ungraded.key_judgements.safeguarding", k.safeguarding());
          break;
        }
        case v1::OfstedOutcomeRecorded::kMonitoring:
          break;
        case v1::OfstedOutcomeRecorded::kRegistration:
          req.Enum("registration", o.registration());
          break;
        case v1::OfstedOutcomeRecorded::JUDGEMENT_NOT_SET:
          v.Add(at + ".judgement", "one of legacy (graded), ungraded (no overall grade, "
                                   "2024/25), report_card, monitoring or registration is "
                                   "required");
          break;
      }
      break;
    }
    case EventPayload::kRiseInvolvementRecorded:
      req.Enum("kind", p.rise_involvement_recorded().kind());
      break;
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
      req.Plan(p.action_plan_agreed().plan());
      break;
    case EventPayload::kSettingActionPlanAgreed:
      req.Plan(p.setting_action_plan_agreed().plan());
      break;
    case EventPayload::kStatementOfActionIssued: {
      const v1::StatementOfActionIssued& soa = p.statement_of_action_issued();
      req.NonEmpty("plan.actions", soa.plan().actions_size(), "action");
      req.Text("parents_informed", soa.parents_informed());
      not_before_effective("sent_to_ofsted_on", soa.sent_to_ofsted_on(),
                           "it is sent to Ofsted once written");
      req.After("action_period_ends_on", soa.action_period_ends_on(), effective,
                "the Statement of Action");
      break;
    }
    case EventPayload::kStatementOfActionPeriodShortened:
      req.Text("due_on", p.statement_of_action_period_shortened().due_on());
      break;
    case EventPayload::kProgressReportRecorded: {
      const v1::ProgressReportRecorded& r = p.progress_report_recorded();
      req.Enum("judgement", r.judgement());
      req.Text("progress_against_plan", r.progress_against_plan());
      req.Text("next_steps", r.next_steps());
      break;
    }
    case EventPayload::kLetterProduced:
      req.Enum("kind", p.letter_produced().kind());
      req.Text("html", p.letter_produced().html());
      break;
    case EventPayload::kLegalHoldPlaced:
      req.Text("matter", p.legal_hold_placed().matter());
      break;
    case EventPayload::kEventRedacted:
      req.Text("redacted_event_id", p.event_redacted().redacted_event_id());
      if (p.event_redacted().fields().empty()) {
        v.Add(at + ".fields", "is required: name the personal data to redact (the event's "
                              "redactable fields)");
      }
      break;
    case EventPayload::kNoteOfVisitResponseRecorded: {
      const v1::NoteOfVisitResponseRecorded& r = p.note_of_visit_response_recorded();
      req.Text("visit_event_id", r.visit_event_id());
      if (r.status() != v1::NOTE_OF_VISIT_STATUS_AGREED &&
          r.status() != v1::NOTE_OF_VISIT_STATUS_DISPUTED) {
        v.Add(at + ".status", "is required: NOTE_OF_VISIT_STATUS_AGREED or "
                              "NOTE_OF_VISIT_STATUS_DISPUTED");
      }
      if (r.status() == v1::NOTE_OF_VISIT_STATUS_DISPUTED) req.Text("comment", r.comment());
      break;
    }
    case EventPayload::kReviewSecured:
      req.Enum("review", p.review_secured().review());
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
      for (int i = 0; i < w.grounds_size(); ++i) {
        if (w.grounds(i) == v1::WARNING_NOTICE_GROUND_PAY_AND_CONDITIONS) {
          v.Add(absl::StrCat(at, ".grounds[", i, "]"),
                "teachers' pay and conditions is its own kind of notice (s60A), not a ground of "
                "an s60 notice: use IssuePayAndConditionsWarningNotice (R-17)");
        }
      }
      req.Enum("reason", w.reason());
      req.Text("matters_relied_upon", w.matters_relied_upon());
      req.Text("required_action", w.required_action());
      req.Text("action_minded_to_take", w.action_minded_to_take());
      req.Text("compliance_period_ends_on", w.compliance_period_ends_on());
      req.After("compliance_period_ends_on", w.compliance_period_ends_on(), effective,
                "the date of the notice");
      req.Copies(w.copies(), effective);
      break;
    }
    case EventPayload::kPayAndConditionsWarningNoticeIssued: {
      const v1::PayAndConditionsWarningNoticeIssued& w = p.pay_and_conditions_warning_notice_issued();
      req.Text("matters_relied_upon", w.matters_relied_upon());
      req.Text("required_action", w.required_action());
      req.Text("compliance_period_ends_on", w.compliance_period_ends_on());
      req.After("compliance_period_ends_on", w.compliance_period_ends_on(), effective,
                "the date of the notice");
      req.Copies(w.copies(), effective);
      break;
    }
    case EventPayload::kSecretaryOfStateWarningNoticeRecorded:
      req.Text("compliance_period_ends_on",
               p.secretary_of_state_warning_notice_recorded().compliance_period_ends_on());
      break;
    case EventPayload::kInterventionConsultationHeld: {
      const v1::InterventionConsultationHeld& c = p.intervention_consultation_held();
      if (c.power() != v1::INTERVENTION_POWER_S63_ARRANGEMENTS &&
          c.power() != v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD) {
        v.Add(at + ".power", "the Act requires consultation before s63 arrangements and an s65 "
                             "Interim Executive Board: give one of them (R-19)");
      }
      const auto& who = c.consulted();
      if (std::find(who.begin(), who.end(), v1::SCHOOL_PARTY_GOVERNING_BODY) == who.end()) {
        v.Add(at + ".consulted", "the governing body is consulted before s63 and s65 (R-19)");
      }
      break;
    }
    case EventPayload::kInterventionEnded:
      req.Enum("power", p.intervention_ended().power());
      break;
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
      req.NonEmpty("bodies", e.bodies_size(), "body (RD, DfE Regions Group, RISE or Regional HMI)");
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
    case EventPayload::kConvertedToAcademy:
      req.Text("successor_urn", p.converted_to_academy().successor_urn());
      req.Text("trust_name", p.converted_to_academy().trust_name());
      break;
    case EventPayload::kTrustChanged:
      req.Text("trust_name", p.trust_changed().trust_name());
      break;
    case EventPayload::kPredecessorLinked:
      req.Text("predecessor_urn", p.predecessor_linked().predecessor_urn());
      break;
    default:
      break;
  }
}

// The other institution a closure, conversion or predecessor link names: a URN, not its own.
void CheckLinkedUrn(const Command& command, const std::string& at, Violations& v) {
  const EventPayload& p = command.payload;
  std::string field;
  std::string urn;
  switch (p.kind_case()) {
    case EventPayload::kInstitutionClosed:
      field = "successor_urn";
      urn = p.institution_closed().successor_urn();
      break;
    case EventPayload::kConvertedToAcademy:
      field = "successor_urn";
      urn = p.converted_to_academy().successor_urn();
      break;
    case EventPayload::kPredecessorLinked:
      field = "predecessor_urn";
      urn = p.predecessor_linked().predecessor_urn();
      break;
    default:
      return;
  }
  if (urn.empty()) return;
  if (!IsValidUrn(urn)) {
    v.Add(absl::StrCat(at, ".", field),
          absl::StrCat(Quoted(urn), " is not a URN (6 or 7 digits, or EY and 6 digits)"));
  } else if (urn == command.context.urn()) {
    v.Add(absl::StrCat(at, ".", field),
          "is this institution's own URN: give the URN of the other institution");
  }
}

}  // namespace

bool IsValidUrn(const std::string& urn) {
  auto digits = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((urn.size() == 6 || urn.size() == 7) && digits(urn)) return true;
  return urn.size() == 8 && absl::StartsWith(urn, "EY") && digits(absl::string_view(urn).substr(2));
}

// The request field of a correction's replacement, e.g. "correction.replacement.visit_recorded".
std::string ReplacementField(const std::string& at, const EventPayload& replacement) {
  const google::protobuf::FieldDescriptor* set =
      replacement.GetDescriptor()->FindFieldByNumber(replacement.kind_case());
  return absl::StrCat(at, ".replacement", set == nullptr ? "" : "." + set->name());
}

// Context, then every field, then what each payload requires.
absl::Status CheckShape(const Command& command, const std::string& at,
                        const std::string& effective, absl::CivilDay today) {
  Violations v;
  const v1::CommandContext& ctx = command.context;
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
        command.payload.GetDescriptor()->FindFieldByNumber(command.payload.kind_case());
    CheckCommandFields(command.payload.GetReflection()->GetMessage(command.payload, set), at,
                       today, v);
  }
  CheckPayload(command.payload, at, effective, v);
  CheckLinkedUrn(command, at, v);
  // every decision says why; facts (an inspection, a visit) need no reason.
  const CommandSpec* spec = FindCommand(command.payload.kind_case());
  const bool decision = command.payload.has_event_corrected() || (spec != nullptr && !spec->fact);
  if (decision && absl::StripAsciiWhitespace(ctx.reason()).empty()) {
    v.Add("context.reason", command.payload.has_event_corrected()
                                ? "a correction must give its reason (R-24)"
                                : "every decision records why it was taken (R-24): give a reason");
  }
  if (command.payload.has_event_corrected()) {
    // A replacement is checked like a fresh command of its kind, as of the corrected event.
    const v1::EventCorrected& c = command.payload.event_corrected();
    if (c.has_replacement()) {
      const std::string corrected_on =
          !c.new_effective_date().empty() ? c.new_effective_date()
          : command.corrected            ? command.corrected->metadata.effective_date()
                                         : effective;
      CheckPayload(c.replacement(), ReplacementField(at, c.replacement()), corrected_on, v);
    }
  }
  return v.Status();
}

}  // namespace scc::domain
