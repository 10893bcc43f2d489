#include "services/domain/confidentiality.h"

namespace scc::domain {

bool MayReadConfidential(v1::Role role) {
  switch (role) {
    case v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT:
    case v1::ROLE_LEAD_OFFICER:
    case v1::ROLE_SRG_MEMBER:
    case v1::ROLE_EARLY_YEARS_STANDARDS_TEAM:
    case v1::ROLE_AUDITOR:
      return true;
    default:
      return false;
  }
}

bool NotesAlwaysConfidential(const v1::EventPayload& payload) {
  const v1::EventPayload::KindCase kind =
      payload.has_event_corrected() ? payload.event_corrected().replacement().kind_case()
                                    : payload.kind_case();
  return kind == v1::EventPayload::kActionPlanReviewHeld ||
         kind == v1::EventPayload::kMonitoringAndChallengeMeetingHeld;
}

bool RedactFor(v1::Role reader, v1::Notes& notes, v1::EventPayload& payload) {
  if (MayReadConfidential(reader)) return false;
  bool redacted = false;
  if (notes.confidential()) {
    notes.Clear();
    notes.set_confidential(true);
    redacted = true;
  }
  v1::EventPayload* meeting = &payload;
  if (meeting->has_event_corrected() && meeting->event_corrected().has_replacement()) {
    meeting = meeting->mutable_event_corrected()->mutable_replacement();
  }
  if (meeting->has_monitoring_and_challenge_meeting_held() &&
      !meeting->monitoring_and_challenge_meeting_held().quality_of_la_support().empty()) {
    meeting->mutable_monitoring_and_challenge_meeting_held()->clear_quality_of_la_support();
    redacted = true;
  }
  return redacted;
}

}  // namespace scc::domain
