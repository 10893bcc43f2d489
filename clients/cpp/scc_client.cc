#include "clients/cpp/scc_client.h"

namespace scc::client {

SccClient::SccClient(std::shared_ptr<grpc::Channel> channel, std::string token)
    : token_(std::move(token)),
      institutions_(v1::InstitutionService::NewStub(channel)),
      designation_(v1::DesignationService::NewStub(channel)),
      interventions_(v1::InterventionService::NewStub(channel)),
      academies_(v1::AcademyService::NewStub(channel)),
      settings_(v1::SettingService::NewStub(channel)),
      bulk_(v1::BulkService::NewStub(channel)),
      audit_(v1::AuditService::NewStub(channel)),
      projections_(v1::ProjectionService::NewStub(channel)) {}

std::unique_ptr<grpc::ClientContext> SccClient::NewContext() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) ctx->AddMetadata("authorization", "Bearer " + token_);
  ctx->set_deadline(std::chrono::system_clock::now() + deadline_);
  return ctx;
}

grpc::Status SccClient::SubmitCommands(const v1::SubmitCommandsRequest& request,
                                       v1::SubmitCommandsResponse* response) const {
  std::unique_ptr<grpc::ClientContext> ctx = NewContext();
  return bulk_->SubmitCommands(ctx.get(), request, response);
}

grpc::Status SccClient::Send(const v1::CommandContext& context, const v1::EventPayload& payload,
                             v1::CommandResult* result) const {
  std::unique_ptr<grpc::ClientContext> ctx = NewContext();
  switch (payload.kind_case()) {
    case v1::EventPayload::kInstitutionRegistered: {
      v1::RegisterInstitutionRequest request;
      *request.mutable_context() = context;
      *request.mutable_registered() = payload.institution_registered();
      return institutions_->RegisterInstitution(ctx.get(), request, result);
    }
    case v1::EventPayload::kInstitutionUpdated: {
      v1::UpdateInstitutionRequest request;
      *request.mutable_context() = context;
      *request.mutable_updated() = payload.institution_updated();
      return institutions_->UpdateInstitution(ctx.get(), request, result);
    }
    case v1::EventPayload::kOfstedOutcomeRecorded: {
      v1::RecordOfstedOutcomeRequest request;
      *request.mutable_context() = context;
      *request.mutable_outcome() = payload.ofsted_outcome_recorded();
      return institutions_->RecordOfstedOutcome(ctx.get(), request, result);
    }
    case v1::EventPayload::kRagRatingRecorded: {
      v1::RecordRagRatingRequest request;
      *request.mutable_context() = context;
      *request.mutable_rating() = payload.rag_rating_recorded();
      return institutions_->RecordRagRating(ctx.get(), request, result);
    }
    case v1::EventPayload::kVisitRecorded: {
      v1::RecordVisitRequest request;
      *request.mutable_context() = context;
      *request.mutable_visit() = payload.visit_recorded();
      return institutions_->RecordVisit(ctx.get(), request, result);
    }
    case v1::EventPayload::kEventCorrected: {
      v1::CorrectEventRequest request;
      *request.mutable_context() = context;
      *request.mutable_correction() = payload.event_corrected();
      return institutions_->CorrectEvent(ctx.get(), request, result);
    }
    case v1::EventPayload::kConcernRaised: {
      v1::RaiseConcernRequest request;
      *request.mutable_context() = context;
      *request.mutable_concern() = payload.concern_raised();
      return designation_->RaiseConcern(ctx.get(), request, result);
    }
    case v1::EventPayload::kSrgDesignated: {
      v1::DesignateSchoolRequest request;
      *request.mutable_context() = context;
      *request.mutable_designation() = payload.srg_designated();
      return designation_->DesignateSchool(ctx.get(), request, result);
    }
    case v1::EventPayload::kSrgDecidedNotToDesignate: {
      v1::DecideNotToDesignateRequest request;
      *request.mutable_context() = context;
      *request.mutable_decision() = payload.srg_decided_not_to_designate();
      return designation_->DecideNotToDesignate(ctx.get(), request, result);
    }
    case v1::EventPayload::kLeadOfficerAssigned: {
      v1::AssignLeadOfficerRequest request;
      *request.mutable_context() = context;
      *request.mutable_lead_officer() = payload.lead_officer_assigned();
      return designation_->AssignLeadOfficer(ctx.get(), request, result);
    }
    case v1::EventPayload::kActionPlanAgreed: {
      v1::AgreeActionPlanRequest request;
      *request.mutable_context() = context;
      *request.mutable_action_plan() = payload.action_plan_agreed();
      return designation_->AgreeActionPlan(ctx.get(), request, result);
    }
    case v1::EventPayload::kActionPlanReviewHeld: {
      v1::HoldActionPlanReviewRequest request;
      *request.mutable_context() = context;
      *request.mutable_review() = payload.action_plan_review_held();
      return designation_->HoldActionPlanReview(ctx.get(), request, result);
    }
    case v1::EventPayload::kStatementOfActionIssued: {
      v1::IssueStatementOfActionRequest request;
      *request.mutable_context() = context;
      *request.mutable_statement() = payload.statement_of_action_issued();
      return designation_->IssueStatementOfAction(ctx.get(), request, result);
    }
    case v1::EventPayload::kMonitoringAndChallengeMeetingHeld: {
      v1::HoldMonitoringAndChallengeMeetingRequest request;
      *request.mutable_context() = context;
      *request.mutable_meeting() = payload.monitoring_and_challenge_meeting_held();
      return designation_->HoldMonitoringAndChallengeMeeting(ctx.get(), request, result);
    }
    case v1::EventPayload::kSchoolProgressReviewTeamMeetingHeld: {
      v1::HoldSchoolProgressReviewTeamMeetingRequest request;
      *request.mutable_context() = context;
      *request.mutable_meeting() = payload.school_progress_review_team_meeting_held();
      return designation_->HoldSchoolProgressReviewTeamMeeting(ctx.get(), request, result);
    }
    case v1::EventPayload::kQualityAssuranceMeetingHeld: {
      v1::HoldQualityAssuranceMeetingRequest request;
      *request.mutable_context() = context;
      *request.mutable_meeting() = payload.quality_assurance_meeting_held();
      return designation_->HoldQualityAssuranceMeeting(ctx.get(), request, result);
    }
    case v1::EventPayload::kSrgReviewOutcomeRecorded: {
      v1::RecordSrgReviewOutcomeRequest request;
      *request.mutable_context() = context;
      *request.mutable_review() = payload.srg_review_outcome_recorded();
      return designation_->RecordSrgReviewOutcome(ctx.get(), request, result);
    }
    case v1::EventPayload::kEngagementConcernRecorded: {
      v1::RecordEngagementConcernRequest request;
      *request.mutable_context() = context;
      *request.mutable_concern() = payload.engagement_concern_recorded();
      return designation_->RecordEngagementConcern(ctx.get(), request, result);
    }
    case v1::EventPayload::kSccRemoved: {
      v1::RemoveFromSccRequest request;
      *request.mutable_context() = context;
      *request.mutable_removal() = payload.scc_removed();
      return designation_->RemoveFromScc(ctx.get(), request, result);
    }
    case v1::EventPayload::kWarningNoticeIssued: {
      v1::IssueWarningNoticeRequest request;
      *request.mutable_context() = context;
      *request.mutable_warning_notice() = payload.warning_notice_issued();
      return interventions_->IssueWarningNotice(ctx.get(), request, result);
    }
    case v1::EventPayload::kWarningNoticeComplied: {
      v1::RecordWarningNoticeCompliedRequest request;
      *request.mutable_context() = context;
      *request.mutable_compliance() = payload.warning_notice_complied();
      return interventions_->RecordWarningNoticeComplied(ctx.get(), request, result);
    }
    case v1::EventPayload::kWarningNoticeNotComplied: {
      v1::RecordWarningNoticeNotCompliedRequest request;
      *request.mutable_context() = context;
      *request.mutable_non_compliance() = payload.warning_notice_not_complied();
      return interventions_->RecordWarningNoticeNotComplied(ctx.get(), request, result);
    }
    case v1::EventPayload::kNoticeOfIntentionToInterveneIssued: {
      v1::IssueNoticeOfIntentionToInterveneRequest request;
      *request.mutable_context() = context;
      *request.mutable_notice() = payload.notice_of_intention_to_intervene_issued();
      return interventions_->IssueNoticeOfIntentionToIntervene(ctx.get(), request, result);
    }
    case v1::EventPayload::kInterventionApplied: {
      v1::ApplyInterventionRequest request;
      *request.mutable_context() = context;
      *request.mutable_intervention() = payload.intervention_applied();
      return interventions_->ApplyIntervention(ctx.get(), request, result);
    }
    case v1::EventPayload::kAcademyConcernRaisedWithSchool: {
      v1::RaiseConcernWithAcademyRequest request;
      *request.mutable_context() = context;
      *request.mutable_concern() = payload.academy_concern_raised_with_school();
      return academies_->RaiseConcernWithAcademy(ctx.get(), request, result);
    }
    case v1::EventPayload::kAcademyTrustInformed: {
      v1::InformTrustRequest request;
      *request.mutable_context() = context;
      *request.mutable_trust() = payload.academy_trust_informed();
      return academies_->InformTrust(ctx.get(), request, result);
    }
    case v1::EventPayload::kAcademyTrustPlanShared: {
      v1::RecordTrustPlanSharedRequest request;
      *request.mutable_context() = context;
      *request.mutable_plan() = payload.academy_trust_plan_shared();
      return academies_->RecordTrustPlanShared(ctx.get(), request, result);
    }
    case v1::EventPayload::kAcademyConcernEscalated: {
      v1::EscalateAcademyConcernRequest request;
      *request.mutable_context() = context;
      *request.mutable_escalation() = payload.academy_concern_escalated();
      return academies_->EscalateAcademyConcern(ctx.get(), request, result);
    }
    case v1::EventPayload::kAcademyConcernResolved: {
      v1::ResolveAcademyConcernRequest request;
      *request.mutable_context() = context;
      *request.mutable_resolution() = payload.academy_concern_resolved();
      return academies_->ResolveAcademyConcern(ctx.get(), request, result);
    }
    case v1::EventPayload::kSettingCausingConcernRecorded: {
      v1::RecordSettingCausingConcernRequest request;
      *request.mutable_context() = context;
      *request.mutable_concern() = payload.setting_causing_concern_recorded();
      return settings_->RecordSettingCausingConcern(ctx.get(), request, result);
    }
    case v1::EventPayload::kSettingSupportActionRecorded: {
      v1::RecordSettingSupportActionRequest request;
      *request.mutable_context() = context;
      *request.mutable_action() = payload.setting_support_action_recorded();
      return settings_->RecordSettingSupportAction(ctx.get(), request, result);
    }
    case v1::EventPayload::kSettingsCausingConcernMeetingHeld: {
      v1::HoldSettingsCausingConcernMeetingRequest request;
      *request.mutable_context() = context;
      *request.mutable_meeting() = payload.settings_causing_concern_meeting_held();
      return settings_->HoldSettingsCausingConcernMeeting(ctx.get(), request, result);
    }
    case v1::EventPayload::kSettingRemovedFromList: {
      v1::RemoveSettingFromListRequest request;
      *request.mutable_context() = context;
      *request.mutable_removal() = payload.setting_removed_from_list();
      return settings_->RemoveSettingFromList(ctx.get(), request, result);
    }
    case v1::EventPayload::kLeadOfficerReassigned:
    case v1::EventPayload::KIND_NOT_SET:
      break;
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "no command records this kind of event (AssignLeadOfficer reassigns)");
}

}  // namespace scc::client
