#include "services/server/data_protection_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/reports/subject_access.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

constexpr absl::string_view kStreamPrefix = "subject-access/";

std::string StreamOf(const std::string& id) { return absl::StrCat(kStreamPrefix, id); }

// A request's id: from its request_id, so that a retry names the same request.
std::string IdFor(const std::string& request_id) {
  const storage::Sha256Digest digest = storage::Sha256({"subject-access|", request_id});
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), 8));
}

// Folds one request's events into what it stands at.
void Apply(const domain::StoredEvent& e, absl::CivilDay today, v1::SubjectAccessRequest* r) {
  if (e.payload.has_subject_access_request_received()) {
    *r->mutable_received() = e.payload.subject_access_request_received();
    r->set_recorded_by(e.metadata.actor());
  }
  if (e.payload.has_subject_access_request_answered()) {
    r->set_answered_on(e.payload.subject_access_request_answered().answered_on());
  }
  r->set_overdue(r->answered_on().empty() && r->received().due_on() < domain::FormatDate(today));
}

v1::EventMetadata Stamp(const UnaryCall& call, const std::string& event_id,
                        const std::string& effective_date, const std::string& reason) {
  v1::EventMetadata m;
  m.set_event_id(event_id);
  m.set_actor(call.caller().user);
  m.set_role(call.caller().role);
  m.set_effective_date(effective_date);
  m.set_reason(reason);
  return m;
}

}  // namespace

DataProtectionServiceImpl::DataProtectionServiceImpl(CallFrame* frame,
                                                     const RetentionRunner* retention,
                                                     storage::EventLog* log, std::string authority)
    : FramedService<v1::DataProtectionService>(
          frame,
          {Answer("RunRetention", Work::kLong, this, &DataProtectionServiceImpl::RunRetention),
           Answer("RecordSubjectAccessRequest", Work::kLong, this,
                  &DataProtectionServiceImpl::RecordSubjectAccessRequest),
           Answer("ListSubjectAccessRequests", Work::kLong, this,
                  &DataProtectionServiceImpl::ListSubjectAccessRequests),
           Answer("ExportSubjectAccess", Work::kLong, this,
                  &DataProtectionServiceImpl::ExportSubjectAccess),
           Answer("AnswerSubjectAccessRequest", Work::kLong, this,
                  &DataProtectionServiceImpl::AnswerSubjectAccessRequest)}),
      retention_(retention),
      log_(log),
      authority_(std::move(authority)) {}

absl::Status DataProtectionServiceImpl::RunRetention(const UnaryCall& call,
                                                     const v1::RunRetentionRequest& request,
                                                     v1::RetentionReport* response) {
  absl::CivilDay as_of = retention_->today();
  if (!request.as_of().empty()) {
    const std::optional<absl::CivilDay> day = domain::ParseDate(request.as_of());
    if (!day) return domain::InvalidField("as_of", "is not a date (YYYY-MM-DD)");
    if (!request.dry_run() && *day != as_of) {
      return domain::InvalidField(
          "as_of", "is for a dry run only: a retention run redacts what has expired today");
    }
    as_of = *day;
  }
  if (retention_->rules().empty()) {
    return absl::FailedPreconditionError(
        "no retention schedule is configured (sccd --retention-schedule FILE); nothing expires");
  }
  ASSIGN_OR_RETURN(*response, retention_->Run(request.dry_run(), as_of, call.long_deadline()));
  return absl::OkStatus();
}

absl::Status DataProtectionServiceImpl::RecordSubjectAccessRequest(
    const UnaryCall& call, const v1::RecordSubjectAccessRequestRequest& request,
    v1::SubjectAccessRequest* response) {
  domain::Violations bad;
  v1::SubjectAccessRequestReceived received = request.request();
  const absl::CivilDay today = retention_->today();
  const std::optional<absl::CivilDay> on = domain::ParseDate(received.received_on());
  if (request.request_id().empty()) bad.Add("request_id", "is required");
  if (received.person_name().empty()) {
    bad.Add("request.person_name", "is required: whose data is asked for");
  }
  if (!on) {
    bad.Add("request.received_on", "is required: the date the request was received (YYYY-MM-DD)");
  } else if (*on > today) {
    bad.Add("request.received_on", absl::StrCat("is after today (", domain::FormatDate(today), ")"));
  }
  if (!received.due_on().empty()) bad.Add("request.due_on", "is the server's: leave it out");
  RETURN_IF_ERROR(bad.Status());
  // UK GDPR Art. 12(3): within one month of receipt.
  received.set_due_on(domain::FormatDate(domain::AddMonths(*on, 1)));
  const std::string id = IdFor(request.request_id());
  v1::EventPayload payload;
  *payload.mutable_subject_access_request_received() = received;
  const v1::EventMetadata metadata =
      Stamp(call, absl::StrCat(id, "-received"), received.received_on(),
            "subject access request received (UK GDPR Art. 15)");
  RETURN_IF_ERROR(log_->Append(StreamOf(id), storage::ExpectedVersion::NoStream(),
                               {codec::Encode(payload, metadata)}, request.request_id())
                      .status());
  ASSIGN_OR_RETURN(*response, Load(id));
  return absl::OkStatus();
}

absl::StatusOr<v1::SubjectAccessRequest> DataProtectionServiceImpl::Load(
    const std::string& id) const {
  absl::StatusOr<storage::StreamPage> page =
      log_->ReadStream(StreamOf(id), 0, storage::ReadDirection::kForwards, 100);
  if (absl::IsNotFound(page.status()) || (page.ok() && page->events.empty())) {
    return absl::NotFoundError(absl::StrCat("no subject access request ", id));
  }
  RETURN_IF_ERROR(page.status());
  v1::SubjectAccessRequest request;
  request.set_id(id);
  for (const storage::RecordedEvent& recorded : page->events) {
    ASSIGN_OR_RETURN(domain::StoredEvent e, codec::Decode(recorded));
    Apply(e, retention_->today(), &request);
  }
  return request;
}

absl::Status DataProtectionServiceImpl::ListSubjectAccessRequests(
    const UnaryCall& /*call*/, const v1::ListSubjectAccessRequestsRequest& request,
    v1::ListSubjectAccessRequestsResponse* response) {
  std::vector<v1::SubjectAccessRequest> found;
  absl::flat_hash_map<std::string, size_t> at;
  domain::StoredEvent event;
  const absl::CivilDay today = retention_->today();
  RETURN_IF_ERROR(log_->Scan(0, log_->NextPosition(), [&](const storage::RecordView& recorded) {
    if (!absl::StartsWith(recorded.stream, kStreamPrefix)) return absl::OkStatus();
    RETURN_IF_ERROR(codec::DecodeInto(recorded, &event));
    const std::string id(recorded.stream.substr(kStreamPrefix.size()));
    auto [it, fresh] = at.try_emplace(id, found.size());
    if (fresh) {
      found.emplace_back();
      found.back().set_id(id);
    }
    Apply(event, today, &found[it->second]);
    return absl::OkStatus();
  }));
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.received().received_on() > b.received().received_on();
  });
  for (v1::SubjectAccessRequest& r : found) {
    if (request.open_only() && !r.answered_on().empty()) continue;
    *response->add_requests() = std::move(r);
  }
  return absl::OkStatus();
}

absl::Status DataProtectionServiceImpl::ExportSubjectAccess(
    const UnaryCall& call, const v1::ExportSubjectAccessRequest& request,
    v1::SubjectAccessExport* response) {
  if (request.id().empty()) return domain::InvalidField("id", "is required");
  ASSIGN_OR_RETURN(v1::SubjectAccessRequest sar, Load(request.id()));
  ASSIGN_OR_RETURN(*response, reports::BuildSubjectAccessExport(*log_, sar, authority_,
                                                                call.long_deadline()));
  return absl::OkStatus();
}

absl::Status DataProtectionServiceImpl::AnswerSubjectAccessRequest(
    const UnaryCall& call, const v1::AnswerSubjectAccessRequestRequest& request,
    v1::SubjectAccessRequest* response) {
  if (request.id().empty()) return domain::InvalidField("id", "is required");
  ASSIGN_OR_RETURN(v1::SubjectAccessRequest sar, Load(request.id()));
  const std::string& answered_on = request.answer().answered_on();
  const std::optional<absl::CivilDay> on = domain::ParseDate(answered_on);
  if (!on) return domain::InvalidField("answer.answered_on", "is required (YYYY-MM-DD)");
  if (answered_on < sar.received().received_on()) {
    return domain::InvalidField("answer.answered_on",
                                absl::StrCat("is before the request was received (",
                                             sar.received().received_on(), ")"));
  }
  if (!sar.answered_on().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("subject access request ", request.id(), " was answered on ",
                     sar.answered_on()));
  }
  v1::EventPayload payload;
  *payload.mutable_subject_access_request_answered() = request.answer();
  const v1::EventMetadata metadata = Stamp(call, absl::StrCat(request.id(), "-answered"),
                                           answered_on, "subject access request answered");
  RETURN_IF_ERROR(log_->Append(StreamOf(request.id()), storage::ExpectedVersion::Exact(0),
                               {codec::Encode(payload, metadata)}, "")
                      .status());
  ASSIGN_OR_RETURN(*response, Load(request.id()));
  return absl::OkStatus();
}

}  // namespace scc::server
