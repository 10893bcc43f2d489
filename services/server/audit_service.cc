#include "services/server/audit_service.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/codec/event_codec.h"
#include "services/domain/authorization.h"
#include "services/domain/decide.h"
#include "services/domain/errors.h"
#include "services/domain/fields.h"
#include "services/domain/ofsted.h"
#include "services/server/gateway.h"
#include "services/server/log_upgrade.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

constexpr uint32_t kDefaultPageSize = 100;

uint32_t PageSize(uint32_t requested) {
  return requested == 0 ? kDefaultPageSize : std::min(requested, kMaxPageSize);
}

}  // namespace

AuditServiceImpl::AuditServiceImpl(CallFrame* frame, Gateway* gateway, storage::EventLog* log,
                                   InstitutionRepository* repository, WatchRegistry* watches)
    : FramedService<v1::AuditService>(
          frame,
          {Answer("GetWorkflowState", Work::kRead, this, &AuditServiceImpl::GetWorkflowState),
           Answer("GetHistory", Work::kRead, this, &AuditServiceImpl::GetHistory),
           Answer("ReadEvents", Work::kRead, this, &AuditServiceImpl::ReadEvents),
           Answer("VerifyLog", Work::kLong, this, &AuditServiceImpl::VerifyLog),
           Answer("GetLetter", Work::kRead, this, &AuditServiceImpl::GetLetter),
           Answer("ListFileReads", Work::kLong, this, &AuditServiceImpl::ListFileReads)}),
      watch_(frame, gateway, log, watches),
      gateway_(gateway),
      log_(log),
      repository_(repository) {
  MarkMethodRawCallback(
      watch_.method()->index(),
      new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
          [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
            return watch_.Start(context, request);
          }));
}

absl::Status AuditServiceImpl::GetWorkflowState(const UnaryCall& /*call*/,
                                                const v1::GetWorkflowStateRequest& request,
                                                v1::WorkflowState* response) {
  if (!domain::IsValidUrn(request.urn())) {
    return domain::InvalidField("urn", absl::StrCat("'", request.urn(), "' is not a URN"));
  }
  ASSIGN_OR_RETURN(auto state, repository_->Load(request.urn()));
  if (!state->registered()) {
    return absl::NotFoundError(absl::StrCat("institution ", request.urn(), " is not registered"));
  }
  response->set_urn(request.urn());
  *response->mutable_details() = state->details();
  response->set_version(state->version());
  response->set_state(state->state());
  response->set_causing_concern(domain::IsCausingConcern(state->state()));
  for (const std::string& step : domain::AllowedNextSteps(*state)) {
    response->add_allowed_next_steps(step);
  }
  if (state->episode().has_lead_officer()) {
    response->set_lead_officer_id(state->episode().lead_officer().lead_officer_id());
    response->set_lead_officer_name(state->episode().lead_officer().lead_officer_name());
  }
  response->set_action_plan_version(state->episode().action_plan_version());
  response->set_designated_on(state->episode().designated_on());
  if (request.include_path()) {
    ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> events,
                     codec::ReadInstitution(*log_, request.urn(), 0));
    v1::FlowchartState last = v1::FLOWCHART_STATE_UNSPECIFIED;
    domain::Fold(request.urn(), events,
                 [&](const domain::StoredEvent& e, const domain::InstitutionState& after) {
                   if (after.state() == last) return;
                   last = after.state();
                   v1::StateChange* step = response->add_path();
                   step->set_on(e.metadata.effective_date());
                   step->set_state(after.state());
                   step->set_version(e.version);
                 });
  }
  *response->mutable_triggers() = state->episode().triggers();
  *response->mutable_setting_triggers() = state->episode().setting_triggers();
  if (state->has_latest_ofsted()) {
    *response->mutable_latest_ofsted() = state->latest_ofsted();
    response->set_latest_ofsted_summary(domain::Classify(state->latest_ofsted()).label);
  }
  return absl::OkStatus();
}

absl::Status AuditServiceImpl::GetHistory(const UnaryCall& call,
                                          const v1::GetHistoryRequest& request,
                                          v1::GetHistoryResponse* response) {
  if (!domain::IsValidUrn(request.urn())) {
    return domain::InvalidField("urn", absl::StrCat("'", request.urn(), "' is not a URN"));
  }
  uint64_t from = request.newest_first() ? std::numeric_limits<uint64_t>::max() : 0;
  if (!request.page_token().empty() && !absl::SimpleAtoi(request.page_token(), &from)) {
    return domain::InvalidField("page_token", "is not a token from a previous page");
  }
  absl::StatusOr<storage::StreamPage> page = log_->ReadStream(
      codec::StreamName(request.urn()), from,
      request.newest_first() ? storage::ReadDirection::kBackwards
                              : storage::ReadDirection::kForwards,
      PageSize(request.page_size()));
  if (absl::IsNotFound(page.status())) {
    return absl::NotFoundError(absl::StrCat("institution ", request.urn(), " is not registered"));
  }
  RETURN_IF_ERROR(page.status());
  // what the caller may read depends on whether they work with this institution now.
  ASSIGN_OR_RETURN(auto state, repository_->Load(request.urn(), InstitutionRepository::Freshness::kCached));
  const Caller& caller = call.caller();
  const domain::Reader reader{caller.role,
                              domain::WorksWith(caller.user, caller.role, caller.urns, *state)};
  for (const storage::RecordedEvent& recorded : page->events) {
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
    *response->add_events() = codec::ToApiEvent(recorded, event, reader);
  }
  if (page->next_version) response->set_next_page_token(absl::StrCat(*page->next_version));
  return absl::OkStatus();
}

absl::Status AuditServiceImpl::GetLetter(const UnaryCall& /*call*/,
                                         const v1::GetLetterRequest& request,
                                         v1::Letter* response) {
  if (!domain::IsValidUrn(request.urn())) {
    return domain::InvalidField("urn", absl::StrCat("'", request.urn(), "' is not a URN"));
  }
  if (request.event_id().empty()) return domain::InvalidField("event_id", "is required");
  absl::StatusOr<std::vector<domain::StoredEvent>> stream =
      codec::ReadInstitution(*log_, request.urn());
  if (absl::IsNotFound(stream.status())) {
    return absl::NotFoundError(absl::StrCat("institution ", request.urn(), " is not registered"));
  }
  RETURN_IF_ERROR(stream.status());
  bool found = false;
  for (const domain::StoredEvent& e : *stream) {
    if (e.payload.has_letter_produced() && e.metadata.event_id() == request.event_id()) {
      const v1::LetterProduced& letter = e.payload.letter_produced();
      response->set_kind(letter.kind());
      response->set_html(letter.html());
      *response->mutable_recipients() = letter.recipients();
      response->set_reference(letter.reference());
      response->set_produced_on(e.metadata.effective_date());
      response->set_produced_by(e.metadata.actor());
      found = true;
    } else if (found && e.payload.has_event_corrected() &&
               e.payload.event_corrected().corrected_event_id() == request.event_id() &&
               e.payload.event_corrected().withdraw()) {
      response->set_withdrawn(true);
    }
  }
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no letter ", request.event_id(), " for ",
                                            request.urn(), " (ProduceLetter records one)"));
  }
  return absl::OkStatus();
}

absl::Status AuditServiceImpl::ReadEvents(const UnaryCall& call,
                                          const v1::ReadEventsRequest& request,
                                          v1::ReadEventsResponse* response) {
  ASSIGN_OR_RETURN(storage::AllPage page,
                   log_->ReadAll(request.from_position(), PageSize(request.page_size())));
  for (const storage::RecordedEvent& recorded : page.events) {
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
    *response->add_events() = codec::ToApiEvent(recorded, event, LogWideReader(call.caller()));
  }
  response->set_next_position(page.next_position);
  response->set_end(page.end);
  return absl::OkStatus();
}

absl::Status AuditServiceImpl::ListFileReads(const UnaryCall& /*call*/,
                                             const v1::ListFileReadsRequest& request,
                                             v1::ListFileReadsResponse* response) {
  if (!request.urn().empty() && !domain::IsValidUrn(request.urn())) {
    return domain::InvalidField("urn", absl::StrCat("'", request.urn(), "' is not a URN"));
  }
  ReadAudit* audit = gateway_->read_audit();
  if (audit == nullptr) {
    return absl::FailedPreconditionError(
        "the read audit is off on this server (sccd --read-audit-days 0)");
  }
  audit->Flush();  // every read finished before this call is listed (on the executor: it waits)
  ASSIGN_OR_RETURN(*response, audit->List(request));
  return absl::OkStatus();
}

absl::Status AuditServiceImpl::VerifyLog(const UnaryCall& call,
                                         const v1::VerifyLogRequest& request,
                                         v1::VerifyLogResponse* response) {
  // In pieces, so a long log cannot hold the call past its deadline or after a cancel.
  constexpr uint64_t kPiece = 1 << 16;
  const absl::Time deadline = call.long_deadline();
  const uint64_t to = request.to_position() == 0 ? std::numeric_limits<uint64_t>::max()
                                                  : request.to_position();
  if (to < request.from_position()) {
    return domain::InvalidField("to_position", "is before from_position");
  }
  storage::VerifyReport report;
  for (uint64_t at = request.from_position();;) {
    // The last piece runs to `to` itself, so that reaching the end also checks the head.
    const uint64_t piece_to = to - at <= kPiece ? to : at + kPiece;
    ASSIGN_OR_RETURN(storage::VerifyReport piece, log_->Verify(at, piece_to));
    report.checked += piece.checked;
    report.ok = piece.ok;
    report.first_bad_position = piece.first_bad_position;
    report.problem = piece.problem;
    report.last_hash = std::move(piece.last_hash);
    if (!piece.ok || piece.to < piece_to || piece.to == to) break;
    at = piece.to;
    if (call.context()->IsCancelled() || absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "verified positions ", request.from_position(), " to ", at - 1,
          " (all good) in the time allowed; call again with from_position=", at,
          " to go on"));
    }
  }
  response->set_ok(report.ok);
  response->set_checked(report.checked);
  if (report.first_bad_position) response->set_first_bad_position(*report.first_bad_position);
  response->set_problem(report.problem);
  response->set_head_hash(absl::BytesToHexString(report.last_hash));
  response->set_next_position(log_->NextPosition());
  if (request.legacy()) {
    ASSIGN_OR_RETURN(LegacyChain legacy, RebuildLegacyChain(*log_));
    response->set_legacy_head_hash(legacy.head);
    response->set_legacy_checked(legacy.checked);
    response->set_legacy_redacted(legacy.redacted);
    response->set_legacy_problem(legacy.problem);
  }
  return absl::OkStatus();
}

}  // namespace scc::server
