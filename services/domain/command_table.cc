#include "services/domain/command_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "services/domain/errors.h"
#include "services/domain/role_bits.h"

namespace scc::domain {
namespace {

using v1::EventPayload;
using v1::FlowchartState;
using Kind = v1::EventPayload::KindCase;
using namespace applies;    // NOLINT: the table reads best with short names
using namespace role_bits;  // NOLINT

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

// Where a formal warning notice may be given: any maintained school, in SCC or not, with
// or without a plan — not while a notice or a power is in force, or in an Ofsted category,
// which makes the school eligible for intervention already (s61, s62).
const std::vector<FlowchartState> kWarnable = {kMonitored,  kAtRisk,     kDesignated,
                                               kLoAssigned, kPlanActive, kRemoved};

}  // namespace

// The command table: the flowchart (section 4) and the authorization matrix in one place.
const std::vector<CommandEntry>& CommandTable() {
  static const auto* const kTable = new std::vector<CommandEntry>{
      {{EventPayload::kInstitutionRegistered, "RegisterInstitution", "registered", true}, kAll,
       kHosi | kEy | kService, {}, "R-24"},
      {{EventPayload::kInstitutionUpdated, "UpdateInstitution", "updated", true}, kAll,
       kHosi | kEy | kService, {}, "R-24"},
      {{EventPayload::kOfstedOutcomeRecorded, "RecordOfstedOutcome", "outcome", true}, kAll,
       kHosi | kLo | kSrg | kEy | kService, {}, "R-13"},
      {{EventPayload::kRiseInvolvementRecorded, "RecordRiseInvolvement", "involvement", true},
       kSchool | kAcademy, kHosi | kLo | kSrg | kService, {}, "R-18"},
      {{EventPayload::kRagRatingRecorded, "RecordRagRating", "rating", true}, kAll,
       kHosi | kLo | kSrg | kService, {}, "R-1"},
      {{EventPayload::kVisitRecorded, "RecordVisit", "visit", true}, kAll,
       kHosi | kLo | kEy | kService, {}, "R-1"},
      {{EventPayload::kEventCorrected, "CorrectEvent", "correction", true}, kAll,
       kHosi | kLo | kSrg | kEy | kService, {}, "R-24"},
      {{EventPayload::kNoteOfVisitResponseRecorded, "RecordNoteOfVisitResponse", "response",
        true},
       kAll, kHosi | kLo | kEy | kService | kSchoolUsers, {}, "R-1"},
      {{EventPayload::kLetterProduced, "ProduceLetter", "letter", true}, kAll,
       kHosi | kLo | kEy | kService, {}, "R-5"},
      {{EventPayload::kEventRedacted, "RedactEvent", "redaction", true}, kAll, kHosi | kService,
       {}, "R-24"},
      {{EventPayload::kLegalHoldPlaced, "PlaceLegalHold", "hold", true}, kAll, kHosi | kService,
       {}, "R-24"},
      {{EventPayload::kLegalHoldLifted, "LiftLegalHold", "lift", true}, kAll, kHosi | kService,
       {}, "R-24"},
      {{EventPayload::kReviewSecured, "RecordReviewSecured", "review", true}, kSchool,
       kHosi | kLo | kSrg | kService, {}, "R-16"},
      {{EventPayload::kSecretaryOfStateWarningNoticeRecorded,
        "RecordSecretaryOfStateWarningNotice", "notice", true},
       kSchool, kHosi | kService, {}, "R-17"},

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
      {{EventPayload::kProgressReportRecorded, "RecordProgressReport", "report", false}, kSchool,
       kHosi | kLo, kSccStates, "R-7"},
      {{EventPayload::kStatementOfActionPeriodShortened, "ShortenStatementOfActionPeriod",
        "period", false},
       kSchool, kHosi, {kCategory, kIntervention}, "R-13"},
      {{EventPayload::kSccRemoved, "RemoveFromScc", "removal", false}, kSchool, kHosi | kSrg,
       kSccStates, "R-14"},

      {{EventPayload::kWarningNoticeIssued, "IssueWarningNotice", "warning_notice", false},
       kSchool, kHosi, kWarnable, "R-16"},
      {{EventPayload::kPayAndConditionsWarningNoticeIssued, "IssuePayAndConditionsWarningNotice",
        "warning_notice", false},
       kSchool, kHosi, kWarnable, "R-17"},
      {{EventPayload::kWarningNoticeNotIssued, "DecideNotToIssueWarningNotice", "decision",
        false},
       kSchool, kHosi | kSrg, {kDesignated, kLoAssigned, kPlanActive}, "R-16"},
      {{EventPayload::kWarningNoticeComplied, "RecordWarningNoticeComplied", "compliance",
        false},
       kSchool, kHosi, {kWarning}, "R-18"},
      {{EventPayload::kWarningNoticeNotComplied, "RecordWarningNoticeNotComplied",
        "non_compliance", false},
       kSchool, kHosi, {kWarning}, "R-18"},
      {{EventPayload::kNoticeOfIntentionToInterveneIssued, "IssueNoticeOfIntentionToIntervene",
        "notice", false},
       kSchool, kHosi, {kWarning}, "R-18"},
      {{EventPayload::kInterventionPowersNotUsed, "DecideNotToUseInterventionPowers", "decision",
        false},
       kSchool, kHosi, {kWarning, kEligible}, "R-18"},
      {{EventPayload::kInterventionConsultationHeld, "RecordInterventionConsultation",
        "consultation", false},
       kSchool, kHosi, {kWarning, kEligible, kCategory, kIntervention}, "R-19"},
      {{EventPayload::kInterventionApplied, "ApplyIntervention", "intervention", false}, kSchool,
       kHosi, {kEligible, kCategory, kIntervention}, "R-18"},
      {{EventPayload::kInterventionEnded, "EndIntervention", "ending", false}, kSchool, kHosi,
       {kIntervention}, "R-19"},

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
      {{EventPayload::kSettingActionPlanAgreed, "AgreeSettingActionPlan", "action_plan", false},
       kSetting, kHosi | kEy, {kCausingConcern, kSupportActive}, "R-21"},
      {{EventPayload::kSettingsCausingConcernMeetingHeld, "HoldSettingsCausingConcernMeeting",
        "meeting", false},
       kSetting, kHosi | kEy, {kCausingConcern, kSupportActive}, "R-22"},
      {{EventPayload::kSettingRemovedFromList, "RemoveSettingFromList", "removal", false},
       kSetting, kHosi | kEy, {kCausingConcern, kSupportActive}, "R-23"},

      // The life of an institution: facts (GIAS records them too), dated by the effective date.
      // A closure or conversion ends an open episode: R-15 does not keep a closed school listed.
      {{EventPayload::kInstitutionClosed, "RecordClosure", "closure", true}, kAll,
       kHosi | kEy | kService, {}, "R-15"},
      {{EventPayload::kConvertedToAcademy, "RecordAcademyConversion", "conversion", true},
       kSchool, kHosi | kService, {}, "R-15"},
      {{EventPayload::kAcademyOrderMade, "RecordAcademyOrderMade", "order", true}, kSchool,
       kHosi | kService, {}, "R-18"},
      {{EventPayload::kAcademyOrderRevoked, "RecordAcademyOrderRevoked", "revocation", true},
       kSchool, kHosi | kService, {}, "R-18"},
      {{EventPayload::kTrustChanged, "RecordTrustChange", "change", true}, kAcademy,
       kHosi | kService, {}, "R-20"},
      {{EventPayload::kPredecessorLinked, "LinkPredecessor", "link", true}, kAll,
       kHosi | kEy | kService, {}, "R-24"},
  };
  return *kTable;
}

const CommandEntry* FindCommandEntry(Kind kind) {
  for (const CommandEntry& e : CommandTable()) {
    if (e.spec.kind == kind) return &e;
  }
  return nullptr;
}

const CommandEntry* FindCommandEntryByRpc(absl::string_view rpc) {
  for (const CommandEntry& e : CommandTable()) {
    if (e.spec.rpc == rpc) return &e;
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

bool AllowedFrom(const CommandEntry& entry, FlowchartState state) {
  return entry.spec.fact ||
         std::find(entry.from.begin(), entry.from.end(), state) != entry.from.end();
}

const CommandSpec* FindCommand(Kind kind) {
  const CommandEntry* e = FindCommandEntry(kind);
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
  for (const CommandEntry& e : CommandTable()) specs.push_back(&e.spec);
  return specs;
}

bool RoleMayRecord(v1::Role role, Kind kind) {
  const CommandEntry* e = FindCommandEntry(kind);
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
  for (const CommandEntry& e : CommandTable()) {
    absl::StrAppend(&md, "| ", e.spec.rpc, " | ", join_kinds(e.applies), " | ",
                    join_states(e.from), " | ", e.rule, " | ", join_roles(e.roles), " |\n");
  }
  return md;
}

}  // namespace scc::domain
