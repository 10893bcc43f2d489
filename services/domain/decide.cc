#include "services/domain/decide.h"

#include "absl/strings/str_cat.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/domain/rules.h"

namespace scc::domain {
namespace {

using v1::EventPayload;

absl::Status Refuse(const InstitutionState& s, const Refusal& r) {
  return RuleViolation(r.rule, s.urn(), s.state(), AllowedNextSteps(s), r.message);
}

// Whether a command (or a recorded event, re-decided) of `entry`'s kind fits the state: the
// flowchart's kinds and states, the closure, the order of workflow steps and the rules beyond
// the flowchart.
absl::Status CheckFits(const InstitutionState& s, const CommandEntry& entry,
                       const EventPayload& p, const std::string& effective) {
  if ((entry.applies & AppliesTo(s.details().kind())) == 0) {
    return Refuse(s, WrongKind(entry, s.details().kind()));
  }
  if (auto refusal = ClosedPrecondition(s, entry, p, effective)) return Refuse(s, *refusal);
  if (!entry.spec.fact) {
    if (!AllowedFrom(entry, s.state())) {
      return Refuse(s, {entry.rule, absl::StrCat(entry.spec.rpc, " does not fit an institution "
                                                 "in state ", StateName(s.state()))});
    }
    if (!s.last_step_on().empty() && effective < s.last_step_on()) {
      return InvalidField("context.effective_date",
                          absl::StrCat(effective, " is before the last workflow step (",
                                       s.last_step_on(), ")"));
    }
  }
  if (auto refusal = StatePrecondition(s, p.kind_case())) return Refuse(s, *refusal);
  if (auto refusal = CommandPrecondition(s, p, effective)) return Refuse(s, *refusal);
  return absl::OkStatus();
}

// a correction must leave the stream coherent. The stream is folded again with the
// correction applied, and the corrected event and every event after it that still counts is
// decided again against the state before it, as if it were sent now: a withdrawal or a new
// date that a later step builds on is refused, naming that step.
absl::Status CheckCorrectionFits(const Command& cmd, const EventPayload& correction) {
  const uint64_t from = cmd.corrected->version;
  std::vector<StoredEvent> stream = cmd.stream;
  StoredEvent pending{stream.empty() ? 0 : stream.back().version + 1, correction, {}};
  stream.push_back(std::move(pending));
  InstitutionState s;
  s.set_urn(cmd.context.urn());
  absl::Status failed;
  ForEachCounting(stream, "", [&](const StoredEvent* counted, const StoredEvent& stored) {
    if (!failed.ok() || counted == nullptr) return;
    const CommandEntry* entry = FindCommandEntry(counted->payload.kind_case());
    if (stored.version >= from && entry != nullptr && !counted->payload.has_event_corrected() &&
        !counted->payload.has_institution_registered()) {
      const std::string& on = counted->metadata.effective_date();
      absl::Status fits =
          s.registered()
              ? CheckFits(s, *entry, counted->payload, on)
              : absl::FailedPreconditionError("the institution would not be registered");
      if (!fits.ok()) {
        const bool itself = stored.version == from;
        failed = absl::FailedPreconditionError(absl::StrCat(
            "R-24: ", itself ? "the corrected " : "the later ", EventKindName(stored.payload.kind_case()),
            " of ", on, " (event ", stored.metadata.event_id(), ") would no longer fit: ",
            fits.message(),
            itself ? "" : ". Correct or withdraw the later event first"));
        return;
      }
    }
    Evolve(s, *counted);
  });
  return failed;
}

}  // namespace

std::string EffectiveDate(const Command& command, absl::CivilDay today) {
  return command.context.effective_date().empty() ? FormatDate(today)
                                                  : command.context.effective_date();
}

std::vector<std::string> AllowedNextSteps(const InstitutionState& s) {
  std::vector<std::string> steps;
  if (!s.registered()) return {"RegisterInstitution"};
  for (const CommandEntry& e : CommandTable()) {
    if (e.spec.fact || (e.applies & AppliesTo(s.details().kind())) == 0) continue;
    if (!AllowedFrom(e, s.state()) || StatePrecondition(s, e.spec.kind)) continue;
    steps.push_back(e.spec.rpc);
  }
  return steps;
}

absl::StatusOr<std::vector<EventPayload>> Decide(const InstitutionState& s, const Command& cmd,
                                                 absl::CivilDay today) {
  const CommandEntry* entry = FindCommandEntry(cmd.payload.kind_case());
  if (entry == nullptr) {
    return InvalidField("payload", "is not a command the server accepts");
  }
  const std::string at = entry->spec.payload_field;
  const std::string effective = EffectiveDate(cmd, today);

  if (absl::Status shape = CheckShape(cmd, at, effective, today); !shape.ok()) return shape;

  // Existence.
  if (cmd.payload.has_institution_registered()) {
    if (s.registered()) {
      return absl::AlreadyExistsError(absl::StrCat("institution ", cmd.context.urn(),
                                                   " is already registered; use "
                                                   "UpdateInstitution to change its details"));
    }
    return std::vector<EventPayload>{cmd.payload};
  }
  if (!s.registered()) {
    return absl::NotFoundError(
        absl::StrCat("institution ", cmd.context.urn(), " is not registered"));
  }
  if (effective < s.registered_on()) {
    return InvalidField("context.effective_date",
                        absl::StrCat(effective, " is before the institution's registration (",
                                     s.registered_on(), ")"));
  }

  if (absl::Status fits = CheckFits(s, *entry, cmd.payload, effective); !fits.ok()) return fits;
  if (cmd.payload.has_event_corrected()) {
    if (absl::Status c = CheckCorrection(s, cmd, at); !c.ok()) return c;
  }
  if (cmd.payload.has_event_redacted()) {
    if (absl::Status c = CheckRedaction(s, cmd, at); !c.ok()) return c;
  }

  // The events, with what the server derives.
  EventPayload event = cmd.payload;
  switch (event.kind_case()) {
    case EventPayload::kInstitutionUpdated:
      if (event.institution_updated().details().kind() != s.details().kind()) {
        return InvalidField("updated.details.kind", "an institution's kind cannot change");
      }
      break;
    case EventPayload::kEventCorrected:
      if (event.event_corrected().has_replacement()) {
        KeepDerivedFields(cmd.corrected->payload,
                          *event.mutable_event_corrected()->mutable_replacement());
      }
      if (absl::Status c = CheckCorrectionFits(cmd, event); !c.ok()) return c;
      break;
    case EventPayload::kLeadOfficerAssigned:
      if (s.episode().has_lead_officer()) {
        const v1::LeadOfficerAssigned& next = event.lead_officer_assigned();
        EventPayload reassigned;
        auto* r = reassigned.mutable_lead_officer_reassigned();
        r->set_lead_officer_id(next.lead_officer_id());
        r->set_lead_officer_name(next.lead_officer_name());
        r->set_kind(next.kind());
        r->set_previous_lead_officer_id(s.episode().lead_officer().lead_officer_id());
        return std::vector<EventPayload>{reassigned};
      }
      break;
    case EventPayload::kActionPlanAgreed:
      event.mutable_action_plan_agreed()->set_version(1);
      break;
    case EventPayload::kActionPlanReviewHeld:
      event.mutable_action_plan_review_held()->set_reviewed_version(
          s.episode().action_plan_version());
      event.mutable_action_plan_review_held()->set_new_version(
          s.episode().action_plan_version() + 1);
      break;
    case EventPayload::kSettingActionPlanAgreed:
      event.mutable_setting_action_plan_agreed()->set_version(s.episode().action_plan_version() +
                                                              1);
      break;
    case EventPayload::kQualityAssuranceMeetingHeld:
      event.mutable_quality_assurance_meeting_held()->set_lead_officer_id(
          s.episode().lead_officer().lead_officer_id());
      break;
    default:
      break;
  }
  return std::vector<EventPayload>{event};
}

}  // namespace scc::domain
