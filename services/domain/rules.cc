#include "services/domain/rules.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/domain/command_table.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/domain/ofsted.h"
#include "services/domain/shape.h"

namespace scc::domain {
namespace {

using v1::EventPayload;
using Kind = v1::EventPayload::KindCase;
using namespace applies;  // NOLINT: short names for the kinds of institution

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

// Refusals about the life of an institution name its section of docs/rules.md, which has no
// number of its own.
constexpr char kLifeCycle[] = "life of an institution";

// "closed on 2026-03-31", "converted to an academy (URN 149999, Oak Trust) on 2026-03-31".
std::string ClosureWords(const InstitutionState& s) {
  if (s.has_conversion()) {
    return absl::StrCat("converted to an academy (URN ", s.conversion().successor_urn(), ", ",
                        s.conversion().trust_name(), ") on ", s.closed_on());
  }
  return absl::StrCat("closed on ", s.closed_on());
}

// A church school (GIAS "ReligiousCharacter (name)"): its diocesan authority gets a copy of a
// warning notice and is consulted before s63 and s65.
bool ChurchSchool(const InstitutionState& s) {
  const std::string character = absl::AsciiStrToLower(s.details().religious_character());
  return !character.empty() && character != "none" && character != "does not apply" &&
         character != "not applicable";
}

bool Has(const google::protobuf::RepeatedField<int>& values, int value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string PowerName(v1::InterventionPower power) {
  switch (power) {
    case v1::INTERVENTION_POWER_S63_ARRANGEMENTS:
      return "s63 arrangements";
    case v1::INTERVENTION_POWER_S64_ADDITIONAL_GOVERNORS:
      return "s64 additional governors";
    case v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD:
      return "an s65 Interim Executive Board";
    case v1::INTERVENTION_POWER_S66_SUSPEND_DELEGATED_BUDGET:
      return "s66 suspension of the delegated budget";
    default:
      return "the power";
  }
}

// A notice's copies include the diocesan authority of a church school.
std::optional<Refusal> ChurchCopy(const InstitutionState& s,
                                  const google::protobuf::RepeatedPtrField<v1::NoticeCopy>& copies) {
  if (!ChurchSchool(s)) return std::nullopt;
  for (const v1::NoticeCopy& c : copies) {
    if (c.recipient() == v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY) return std::nullopt;
  }
  return Refusal{"R-17", absl::StrCat("this is a church school (", s.details().religious_character(),
                                      s.details().diocese().empty() ? "" : ", ",
                                      s.details().diocese(),
                                      "): the Act requires a copy of the notice to its diocesan "
                                      "authority; record it among the copies")};
}

// The LA may not give a notice while one of the Secretary of State's is in force.
std::optional<Refusal> SecretaryOfStateNoticeInForce(const InstitutionState& s,
                                                     const std::string& effective) {
  if (s.secretary_of_state_notice_until().empty() ||
      effective > s.secretary_of_state_notice_until()) {
    return std::nullopt;
  }
  return Refusal{"R-17", absl::StrCat("a warning notice given by the Secretary of State is in "
                                      "force until ",
                                      s.secretary_of_state_notice_until(),
                                      ": the local authority may not give one while it runs")};
}

bool SameName(absl::string_view a, absl::string_view b) {
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(a), absl::StripAsciiWhitespace(b));
}

}  // namespace

std::optional<Refusal> ClosedPrecondition(const InstitutionState& s, const CommandEntry& entry,
                                          const EventPayload& p, const std::string& effective) {
  if (s.closed_on().empty()) return std::nullopt;
  switch (p.kind_case()) {
    case EventPayload::kEventCorrected:
    case EventPayload::kInstitutionUpdated:
    case EventPayload::kPredecessorLinked:
    case EventPayload::kEventRedacted:  // records outlive the institution, and so does retention
    case EventPayload::kLegalHoldPlaced:
    case EventPayload::kLegalHoldLifted:
      return std::nullopt;
    case EventPayload::kInstitutionClosed:
    case EventPayload::kConvertedToAcademy:
      return Refusal{kLifeCycle, absl::StrCat("the institution already ", ClosureWords(s),
                                              ": correct that event to change it")};
    case EventPayload::kOfstedOutcomeRecorded: {
      const std::string& inspected = p.ofsted_outcome_recorded().inspection_date();
      if (inspected <= s.closed_on()) return std::nullopt;  // a report published after closing
      return Refusal{kLifeCycle, absl::StrCat("an inspection on ", inspected,
                                              " cannot follow the institution's closure: it ",
                                              ClosureWords(s))};
    }
    default:
      break;
  }
  if (!entry.spec.fact) {
    return Refusal{kLifeCycle,
                   absl::StrCat(entry.spec.rpc, " is a workflow step, and the institution ",
                                ClosureWords(s),
                                ": its episode of concern ended with it (R-15 does not keep a "
                                "school that no longer exists on the list); only corrections and "
                                "facts dated on or before the closure may still be recorded")};
  }
  if (effective > s.closed_on()) {
    return Refusal{kLifeCycle, absl::StrCat(entry.spec.rpc, " is dated ", effective,
                                            ", after the institution ", ClosureWords(s),
                                            ": only facts dated on or before the closure may "
                                            "still be recorded")};
  }
  return std::nullopt;
}

std::optional<Refusal> StatePrecondition(const InstitutionState& s, Kind kind) {
  switch (kind) {
    case EventPayload::kActionPlanAgreed:
      if (!s.episode().has_lead_officer()) {
        return Refusal{"R-9", "the Lead Officer writes the action plan: assign one first"};
      }
      if (s.episode().action_plan_version() > 0) {
        return Refusal{"R-10",
                       absl::StrCat("action plan version ", s.episode().action_plan_version(),
                                    " is active; a new version is agreed at an "
                                    "action-plan review")};
      }
      return std::nullopt;
    case EventPayload::kActionPlanReviewHeld:
      if (s.episode().action_plan_version() == 0) {
        return Refusal{"R-10", "there is no action plan to review: agree one first"};
      }
      return std::nullopt;
    case EventPayload::kStatementOfActionIssued:
      if (s.episode().category_entered_on().empty()) {
        return Refusal{"R-13", "a Statement of Action is written for a school judged to need "
                               "special measures or to require significant improvement "
                               "(formerly serious weaknesses)"};
      }
      if (!s.episode().has_lead_officer()) {
        return Refusal{"R-13", "a school in an Ofsted category is always assigned a Lead "
                               "Officer, who writes the Statement of Action: assign one first"};
      }
      return std::nullopt;
    case EventPayload::kMonitoringAndChallengeMeetingHeld:
      if (s.episode().action_plan_reviews() == 0 && !s.episode().statement_of_action_issued()) {
        return Refusal{"R-11", "a Monitoring and Challenge Meeting follows a review of the "
                               "action plan: hold an action-plan review first"};
      }
      return std::nullopt;
    case EventPayload::kSchoolProgressReviewTeamMeetingHeld:
    case EventPayload::kQualityAssuranceMeetingHeld:
      if (!s.episode().has_lead_officer()) {
        return Refusal{kind == EventPayload::kQualityAssuranceMeetingHeld ? "R-12" : "R-13",
                       "the school has no Lead Officer yet"};
      }
      return std::nullopt;
    case EventPayload::kWarningNoticeComplied:
    case EventPayload::kWarningNoticeNotComplied:
      if (s.episode().warning_notice_not_complied()) {
        return Refusal{"R-18", "the school's failure to comply is already recorded: the next "
                               "step is the written notice of intention to intervene"};
      }
      return std::nullopt;
    case EventPayload::kInterventionPowersNotUsed:
      if (s.state() == v1::FLOWCHART_STATE_WARNING_NOTICE &&
          !s.episode().warning_notice_not_complied()) {
        return Refusal{"R-18", "the decision whether to use intervention powers follows a "
                               "failure to comply with the warning notice: record that first"};
      }
      return std::nullopt;
    case EventPayload::kStatementOfActionPeriodShortened:
      if (s.episode().statement_of_action_issued()) {
        return Refusal{"R-13", "the Statement of Action was issued on " +
                                   s.episode().statement_of_action_issued_on() +
                                   ": its period can no longer be shortened"};
      }
      return std::nullopt;
    case EventPayload::kProgressReportRecorded:
      if (!s.episode().has_lead_officer()) {
        return Refusal{"R-7", "the progress report is the Lead Officer's: assign one first"};
      }
      return std::nullopt;
    case EventPayload::kNoticeOfIntentionToInterveneIssued:
      if (!s.episode().warning_notice_not_complied()) {
        return Refusal{"R-18", "the school becomes eligible for intervention only when it has "
                               "failed to comply with the warning notice: record that first"};
      }
      return std::nullopt;
    case EventPayload::kSccRemoved:
      if (s.has_latest_ofsted() && Classify(s.latest_ofsted()).ri_or_worse) {
        return Refusal{"R-15",
                       absl::StrCat("this school's latest inspection (",
                                    s.latest_ofsted().inspection_date(), ") was ",
                                    Classify(s.latest_ofsted()).label,
                                    ": record a later inspection judged Good or better first")};
      }
      return std::nullopt;
    case EventPayload::kAcademyOrderMade:
      if (!s.academy_order_made_on().empty() && s.academy_order_revoked_on().empty()) {
        return Refusal{kLifeCycle, absl::StrCat("an academy order made on ",
                                                s.academy_order_made_on(),
                                                " is in force: record its revocation first")};
      }
      return std::nullopt;
    case EventPayload::kAcademyOrderRevoked:
      if (s.academy_order_made_on().empty() || !s.academy_order_revoked_on().empty()) {
        return Refusal{kLifeCycle, "no academy order is in force: there is nothing to revoke"};
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

Refusal WrongKind(const CommandEntry& entry, v1::InstitutionKind kind) {
  if (kind == v1::INSTITUTION_KIND_ACADEMY && (entry.applies & kSchool)) {
    return {"R-20", absl::StrCat(entry.spec.rpc,
                                 " applies to maintained schools only: for an academy the "
                                 "Academy Trust is accountable; the LA raises concerns with the "
                                 "school and the Trust and may escalate to the RD, the DfE "
                                 "Regions Group (formerly the ESFA), RISE and HMI")};
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

std::optional<Refusal> CommandPrecondition(const InstitutionState& s, const EventPayload& p,
                                           const std::string& effective) {
  switch (p.kind_case()) {
    case EventPayload::kLegalHoldPlaced:
      if (s.legal_hold_since().empty()) return std::nullopt;
      return Refusal{"R-24", absl::StrCat("the institution is under a legal hold already, since ",
                                          s.legal_hold_since(), " (", s.legal_hold_matter(), ")")};
    case EventPayload::kLegalHoldLifted:
      if (!s.legal_hold_since().empty()) return std::nullopt;
      return Refusal{"R-24", "the institution is under no legal hold: there is none to lift"};
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
      if (s.episode().has_lead_officer() && s.episode().lead_officer().lead_officer_id() ==
                                                p.lead_officer_assigned().lead_officer_id()) {
        return Refusal{"R-5", absl::StrCat(p.lead_officer_assigned().lead_officer_id(),
                                           " is already the Lead Officer")};
      }
      return std::nullopt;
    case EventPayload::kQualityAssuranceMeetingHeld: {
      const std::string& lo = p.quality_assurance_meeting_held().lead_officer_id();
      if (!lo.empty() && s.episode().has_lead_officer() &&
          lo != s.episode().lead_officer().lead_officer_id()) {
        return Refusal{"R-12", absl::StrCat(lo, " is not this school's Lead Officer (",
                                            s.episode().lead_officer().lead_officer_id(), ")")};
      }
      return std::nullopt;
    }
    case EventPayload::kWarningNoticeIssued:
      if (auto r = SecretaryOfStateNoticeInForce(s, effective)) return r;
      return ChurchCopy(s, p.warning_notice_issued().copies());
    case EventPayload::kPayAndConditionsWarningNoticeIssued:
      if (auto r = SecretaryOfStateNoticeInForce(s, effective)) return r;
      return ChurchCopy(s, p.pay_and_conditions_warning_notice_issued().copies());
    case EventPayload::kInterventionConsultationHeld: {
      const auto& who = p.intervention_consultation_held().consulted();
      if (ChurchSchool(s) && !Has(who, v1::SCHOOL_PARTY_DIOCESAN_AUTHORITY) &&
          !Has(who, v1::SCHOOL_PARTY_FOUNDATION_GOVERNOR_APPOINTER)) {
        return Refusal{"R-19", absl::StrCat("this is a church school (",
                                            s.details().religious_character(),
                                            "): consult its diocesan authority, or whoever "
                                            "appoints the foundation governors, as well")};
      }
      return std::nullopt;
    }
    case EventPayload::kInterventionApplied: {
      const v1::InterventionPower power = p.intervention_applied().power();
      const v1::SccEpisode& e = s.episode();
      if (power == v1::INTERVENTION_POWER_S63_ARRANGEMENTS && e.eligible_under_section_60_only()) {
        if (e.warning_notice_section_60a()) {
          return Refusal{"R-19", "the school is eligible for intervention only through an s60A "
                                 "(pay and conditions) notice: s63 arrangements are not available "
                                 "on that ground"};
        }
        if (auto ended = ParseDate(e.compliance_period_ended_on())) {
          const absl::CivilDay limit = AddMonths(*ended, 2);
          if (auto on = ParseDate(effective); on && *on > limit) {
            return Refusal{"R-19", absl::StrCat("s63 arrangements are available for two months "
                                                "after the compliance period ended (",
                                                e.compliance_period_ended_on(), "), until ",
                                                FormatDate(limit), ": no longer on ", effective)};
          }
        }
      }
      if ((power == v1::INTERVENTION_POWER_S63_ARRANGEMENTS ||
           power == v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD) &&
          !Has(e.consulted_for(), power)) {
        return Refusal{"R-19", absl::StrCat("the Act requires the governing body (and a church "
                                            "school's diocesan authority) to be consulted before ",
                                            PowerName(power),
                                            ": record the consultation first")};
      }
      if (Has(e.interventions(), power)) {
        return Refusal{"R-19", absl::StrCat(PowerName(power), " is already in force")};
      }
      return std::nullopt;
    }
    case EventPayload::kInterventionEnded:
      if (!Has(s.episode().interventions(), p.intervention_ended().power())) {
        return Refusal{"R-19", absl::StrCat(PowerName(p.intervention_ended().power()),
                                            " is not in force: there is nothing to end")};
      }
      return std::nullopt;
    case EventPayload::kReviewSecured:
      if (!Has(s.reviews_not_secured(), p.review_secured().review())) {
        return Refusal{"R-16", "the latest Ofsted report recommends no such review, or it was "
                               "secured already"};
      }
      return std::nullopt;
    case EventPayload::kLetterProduced:
      switch (p.letter_produced().kind()) {
        case v1::LETTER_KIND_DESIGNATION:
          if (IsCausingConcern(s.state()) && !s.episode().designated_on().empty()) break;
          return Refusal{"R-5", "a designation letter is for an institution designated as "
                                "causing concern, and this one is not"};
        case v1::LETTER_KIND_WARNING_NOTICE:
          if (!s.episode().warning_notice_issued_on().empty()) break;
          return Refusal{"R-17", "no formal warning notice has been issued to this school in "
                                 "its present episode: record the notice first"};
        case v1::LETTER_KIND_REMOVAL:
          if (!s.episode().removed_on().empty() && s.episode().ended_by() == v1::EPISODE_END_UNSPECIFIED) break;
          return Refusal{"R-14", "a removal letter is for an institution removed from the list, "
                                 "and this one has not been"};
        default:
          break;  // the shape check names the kind
      }
      return std::nullopt;
    case EventPayload::kNoteOfVisitResponseRecorded: {
      const std::string& visit = p.note_of_visit_response_recorded().visit_event_id();
      if (!AwaitsResponse(s, visit)) {
        return Refusal{"R-1", absl::StrCat("no visit ", Quoted(visit),
                                           " of this institution awaits the headteacher's "
                                           "response")};
      }
      return std::nullopt;
    }
    case EventPayload::kWarningNoticeNotComplied:
      if (s.episode().has_warning_notice() &&
          effective <= s.episode().warning_notice().compliance_period_ends_on()) {
        return Refusal{"R-18",
                       absl::StrCat("the compliance period runs until ",
                                    s.episode().warning_notice().compliance_period_ends_on(),
                                    ": non-compliance can be recorded once it has ended")};
      }
      return std::nullopt;
    case EventPayload::kSrgReviewOutcomeRecorded:
      if (p.srg_review_outcome_recorded().outcome() == v1::SRG_OUTCOME_REMOVE &&
          s.has_latest_ofsted() && Classify(s.latest_ofsted()).ri_or_worse) {
        return Refusal{"R-15", absl::StrCat("this school's latest inspection (",
                                            s.latest_ofsted().inspection_date(), ") was ",
                                            Classify(s.latest_ofsted()).label,
                                            ": the SRG can decide to remove it once a later "
                                            "inspection is judged Good or better")};
      }
      return std::nullopt;
    case EventPayload::kSccRemoved:
      if (p.scc_removed().srg_confirmed_on().empty() &&
          s.episode().last_srg_outcome() != v1::SRG_OUTCOME_REMOVE) {
        return Refusal{"R-14", "the SRG confirms a removal: give srg_confirmed_on, or record "
                               "an SRG review with outcome remove first"};
      }
      return std::nullopt;
    case EventPayload::kAcademyConcernEscalated:
      if (!s.episode().trust_informed()) {
        return Refusal{"R-20", "the Academy Trust must be informed before escalation"};
      }
      return std::nullopt;
    case EventPayload::kTrustChanged:
      if (SameName(p.trust_changed().trust_name(), s.details().trust_name())) {
        return Refusal{"R-20", absl::StrCat(Quoted(p.trust_changed().trust_name()),
                                            " is already the academy's trust")};
      }
      return std::nullopt;
    case EventPayload::kPredecessorLinked:
      for (const v1::PredecessorLinked& link : s.predecessors()) {
        if (link.predecessor_urn() == p.predecessor_linked().predecessor_urn()) {
          return Refusal{kLifeCycle, absl::StrCat("the institution is already linked to its "
                                                  "predecessor ",
                                                  link.predecessor_urn())};
        }
      }
      return std::nullopt;
    case EventPayload::kSettingRemovedFromList:
      if (p.setting_removed_from_list().basis() == v1::SETTING_REMOVAL_BASIS_OFSTED_GRADE_CHANGED) {
        if (!(s.has_latest_ofsted() && Classify(s.latest_ofsted()).good_or_better)) {
          return Refusal{"R-23", "removal because the grade changed needs a recorded Ofsted "
                                 "outcome of Good or better"};
        }
        if (s.latest_ofsted().inspection_date() < s.episode().designated_on()) {
          return Refusal{
              "R-23", absl::StrCat("the latest inspection (", s.latest_ofsted().inspection_date(),
                                   ") was before the setting was listed (",
                                   s.episode().designated_on(), "): its grade has not changed")};
        }
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

absl::Status CheckRedaction(const InstitutionState& s, const Command& cmd, const std::string& at) {
  const v1::EventRedacted& r = cmd.payload.event_redacted();
  if (!cmd.corrected) {
    return InvalidField(at + ".redacted_event_id",
                        absl::StrCat("no event ", r.redacted_event_id(), " in institution ",
                                     s.urn()));
  }
  const auto& paths = cmd.corrected->metadata.section_paths();
  const std::vector<std::string>& erased = cmd.corrected->redacted;
  std::vector<std::string> kept;
  for (const std::string& path : paths) {
    if (std::find(erased.begin(), erased.end(), path) == erased.end()) kept.push_back(path);
  }
  for (int i = 0; i < r.fields_size(); ++i) {
    const std::string& field = r.fields(i);
    const std::string name = absl::StrCat(at, ".fields[", i, "]");
    if (std::find(r.fields().begin(), r.fields().begin() + i, field) != r.fields().begin() + i) {
      return InvalidField(name, absl::StrCat("'", field, "' is named twice"));
    }
    if (std::find(erased.begin(), erased.end(), field) != erased.end()) {
      return InvalidField(name, absl::StrCat("'", field, "' was redacted already"));
    }
    if (std::find(paths.begin(), paths.end(), field) == paths.end()) {
      return InvalidField(
          name, absl::StrCat("'", field, "' is not personal data that event holds; it holds ",
                             kept.empty() ? "none that could be redacted"
                                          : absl::StrJoin(kept, ", ")));
    }
  }
  return absl::OkStatus();
}

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
  if (corrected == EventPayload::kEventRedacted) {
    return InvalidField(at + ".corrected_event_id",
                        "names a redaction, which cannot be corrected or withdrawn: what it "
                        "erased is gone from the log");
  }
  if (c.withdraw() && (c.has_replacement() || !c.new_effective_date().empty())) {
    return InvalidField(at + ".withdraw",
                        "a withdrawn event counts no more: give no replacement or new date with it");
  }
  for (const StoredEvent& e : cmd.stream) {
    if (e.payload.has_event_corrected() &&
        e.payload.event_corrected().corrected_event_id() == c.corrected_event_id() &&
        e.payload.event_corrected().withdraw()) {
      return InvalidField(at + ".corrected_event_id",
                          absl::StrCat("event ", c.corrected_event_id(), " was withdrawn on ",
                                       e.metadata.effective_date(),
                                       ": record what happened afresh instead"));
    }
  }
  if (!c.new_effective_date().empty() && corrected != EventPayload::kInstitutionRegistered &&
      c.new_effective_date() < s.registered_on()) {
    return InvalidField(at + ".new_effective_date",
                        absl::StrCat(c.new_effective_date(), " is before the institution's "
                                     "registration (", s.registered_on(), ")"));
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
    case EventPayload::kSettingActionPlanAgreed:
      replacement.mutable_setting_action_plan_agreed()->set_version(
          original.setting_action_plan_agreed().version());
      break;
    case EventPayload::kLetterProduced: {  // a letter stays as it was sent
      v1::LetterProduced& letter = *replacement.mutable_letter_produced();
      letter.set_html(original.letter_produced().html());
      *letter.mutable_recipients() = original.letter_produced().recipients();
      letter.set_reference(original.letter_produced().reference());
      letter.set_template_sha256(original.letter_produced().template_sha256());
      break;
    }
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

}  // namespace scc::domain
