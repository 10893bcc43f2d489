#include "services/server/grpc_services.h"

#include <limits>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "grpc/grpc_security_constants.h"
#include "services/domain/authorization.h"
#include "services/domain/decide.h"
#include "services/domain/errors.h"
#include "services/domain/fields.h"
#include "services/domain/ofsted.h"
#include "services/codec/event_codec.h"
#include "services/server/grpc_status.h"
#include "services/server/http_gateway.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

constexpr uint32_t kDefaultPageSize = 100;

uint32_t PageSize(uint32_t requested) {
  return requested == 0 ? kDefaultPageSize : std::min(requested, kMaxPageSize);
}

std::string Metadata(const grpc::CallbackServerContext* context, const char* key) {
  auto it = context->client_metadata().find(key);
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// The EventPayload field whose message type is `type`.
const google::protobuf::FieldDescriptor* PayloadFieldFor(const google::protobuf::Descriptor* type) {
  const google::protobuf::Descriptor* payload = v1::EventPayload::descriptor();
  for (int i = 0; i < payload->field_count(); ++i) {
    if (payload->field(i)->message_type() == type) return payload->field(i);
  }
  return nullptr;
}

// The caller's address for the access log and the denial counts: the gRPC peer or, for a call
// the HTTP gateway forwarded through the in-process channel, the HTTP client's address it
// passed along. Network clients cannot claim an address: their peer is always a socket address
// (in-process calls have none; gRPC 1.51 names their peer "unknown").
std::string CallerAddress(const grpc::CallbackServerContext* context) {
  std::string peer = context->peer();
  for (absl::string_view network : {"ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:"}) {
    if (absl::StartsWith(peer, network)) return peer;
  }
  std::string http = Metadata(context, kHttpPeerMetadata);
  return http.empty() ? peer : http;
}

std::string MethodName(const google::protobuf::Message& request) {
  std::string name = request.GetDescriptor()->name();
  constexpr absl::string_view kSuffix = "Request";
  if (absl::EndsWith(name, kSuffix)) name.resize(name.size() - kSuffix.size());
  return name;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Gateway::Gateway(std::shared_ptr<const TokenStore> tokens, AccessLog* access_log,
                 absl::Duration long_call_limit, CallMetrics* metrics)
    : tokens_(std::move(tokens)),
      tokens_loaded_at_(absl::Now()),
      access_log_(access_log),
      long_call_limit_(long_call_limit),
      metrics_(metrics) {}

absl::StatusOr<Caller> Gateway::Authenticate(grpc::CallbackServerContext* context) const {
  std::shared_ptr<const TokenStore> tokens;
  {
    absl::MutexLock lock(&mu_);
    tokens = tokens_;
  }
  const std::string authorization = Metadata(context, "authorization");
  // No bearer token: a client certificate that mutual TLS verified may stand for a service account.
  if (authorization.empty()) {
    const std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
    if (auth != nullptr && auth->IsPeerAuthenticated()) {
      const std::vector<grpc::string_ref> names = auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
      if (!names.empty()) {
        return tokens->AuthenticateCertificate(std::string(names.front().data(), names.front().size()));
      }
    }
  }
  return tokens->Authenticate(authorization);
}

absl::StatusOr<Caller> Gateway::Admit(grpc::CallbackServerContext* context,
                                      AccessRecord& record) const {
  ASSIGN_OR_RETURN(Caller caller, Authenticate(context));
  record.actor = caller.user;
  record.role = RoleName(caller.role);
  RETURN_IF_ERROR(domain::AuthorizeCall(caller.user, caller.role, record.method));
  return caller;
}

void Gateway::ReplaceTokens(std::shared_ptr<const TokenStore> tokens) {
  absl::MutexLock lock(&mu_);
  tokens_ = std::move(tokens);
  tokens_loaded_at_ = absl::Now();
}

size_t Gateway::token_count() const {
  absl::MutexLock lock(&mu_);
  return tokens_->size();
}

absl::Time Gateway::tokens_loaded_at() const {
  absl::MutexLock lock(&mu_);
  return tokens_loaded_at_;
}

absl::Time Gateway::LongCallDeadline(const grpc::CallbackServerContext* context) const {
  return std::min(absl::FromChrono(context->deadline()), absl::Now() + long_call_limit_);
}

void Gateway::Record(const AccessRecord& record, const grpc::Status& status) {
  denied_.Count(record.peer, status.error_code());
  access_log_->Record(record, status);
  if (metrics_ != nullptr) metrics_->Record(record.method, status.error_code(), record.latency);
}

void Gateway::Finish(grpc::ServerUnaryReactor* reactor, grpc::CallbackServerContext* context,
                     AccessRecord record, absl::Time start, const absl::Status& status) {
  const grpc::Status grpc_status = ToGrpcStatus(status);
  record.peer = CallerAddress(context);
  record.latency = absl::Now() - start;
  Record(record, grpc_status);
  reactor->Finish(grpc_status);
}

grpc::ServerUnaryReactor* CommandRunner::Run(grpc::CallbackServerContext* context,
                                             const google::protobuf::Message& request,
                                             v1::CommandResult* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  AccessRecord record;
  record.method = MethodName(request);

  const google::protobuf::Reflection* r = request.GetReflection();
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  domain::Command command;
  command.context.CopyFrom(r->GetMessage(request, d->FindFieldByNumber(1)));
  const google::protobuf::Message& payload = r->GetMessage(request, d->FindFieldByNumber(2));
  const google::protobuf::FieldDescriptor* slot = PayloadFieldFor(payload.GetDescriptor());
  if (slot != nullptr) {
    command.payload.GetReflection()->MutableMessage(&command.payload, slot)->CopyFrom(payload);
  }
  record.urn = command.context.urn();
  record.request_id = command.context.request_id();

  absl::StatusOr<Caller> caller = gateway_->Authenticate(context);
  if (!caller.ok()) {
    gateway_->Finish(reactor, context, record, start, caller.status());
    return reactor;
  }
  record.actor = caller->user;
  record.role = RoleName(caller->role);
  handler_->Execute(*caller, std::move(command),
                    [this, reactor, context, response, record,
                     start](absl::StatusOr<v1::CommandResult> result) {
                      if (result.ok()) *response = *std::move(result);
                      gateway_->Finish(reactor, context, record, start, result.status());
                    });
  return reactor;
}

grpc::ServerUnaryReactor* BulkServiceImpl::SubmitCommands(grpc::CallbackServerContext* context,
                                                          const v1::SubmitCommandsRequest* request,
                                                          v1::SubmitCommandsResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  AccessRecord record;
  record.method = "SubmitCommands";
  absl::StatusOr<Caller> caller = gateway_->Admit(context, record);
  if (caller.ok() && request->commands_size() > kMaxCommands) {
    caller = domain::InvalidField("commands", absl::StrCat("holds ", request->commands_size(),
                                                          " commands; at most ", kMaxCommands,
                                                          " per call: split the submission"));
  }
  if (!caller.ok()) {
    gateway_->Finish(reactor, context, record, start, caller.status());
    return reactor;
  }
  std::vector<domain::Command> commands(request->commands_size());
  for (int i = 0; i < request->commands_size(); ++i) {
    commands[i].context = request->commands(i).context();
    commands[i].payload = request->commands(i).payload();
  }
  handler_->ExecuteBatch(
      *caller, std::move(commands),
      [this, reactor, context, response, record,
       start](std::vector<absl::StatusOr<v1::CommandResult>> outcomes) {
        for (absl::StatusOr<v1::CommandResult>& outcome : outcomes) {
          v1::CommandOutcome* out = response->add_outcomes();
          if (outcome.ok()) {
            *out->mutable_result() = *std::move(outcome);
            response->set_recorded(response->recorded() + 1);
          } else {
            *out->mutable_error() = ToRpcStatus(outcome.status());
            response->set_failed(response->failed() + 1);
          }
        }
        gateway_->Finish(reactor, context, record, start, absl::OkStatus());
      });
  return reactor;
}

// ---------------------------------------------------------------------------------------------

absl::Status WatchRegistry::Add(storage::Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  if (closing_) return absl::UnavailableError("the server is shutting down");
  if (open_.size() >= limit_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many open Watch streams (the server allows ", limit_,
                     "); close one you no longer read, or retry later"));
  }
  open_.insert(subscription);
  return absl::OkStatus();
}

void WatchRegistry::Remove(storage::Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  open_.erase(subscription);
}

void WatchRegistry::CancelAll() {
  absl::MutexLock lock(&mu_);
  closing_ = true;
  for (storage::Subscription* s : open_) s->Cancel();
}

size_t WatchRegistry::open() const {
  absl::MutexLock lock(&mu_);
  return open_.size();
}

void WatchRegistry::WaitUntilEmpty() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](absl::flat_hash_set<storage::Subscription*>* open) { return open->empty(); }, &open_));
}

namespace {

// One Watch call: a thread follows the subscription and writes one event at a time, waiting
// for each write to complete. Cancellation (client gone, or shutdown) cancels the
// subscription, which wakes the thread. The thread (after Finish returns) and OnDone each let
// go of the reactor; whichever is last deletes it.
class WatchReactor : public grpc::ServerWriteReactor<v1::WatchResponse> {
 public:
  WatchReactor(std::unique_ptr<storage::Subscription> subscription, v1::Role reader,
               const v1::WatchRequest& request, WatchRegistry* registry)
      : subscription_(std::move(subscription)),
        reader_(reader),
        urns_(request.urns().begin(), request.urns().end()),
        types_(request.event_types().begin(), request.event_types().end()),
        heartbeat_(absl::Seconds(request.heartbeat_seconds() == 0 ? 15
                                                                  : request.heartbeat_seconds())),
        registry_(registry) {
    std::thread([this] { Run(); }).detach();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    write_failed_ = !ok;
  }
  void OnCancel() override { subscription_->Cancel(); }
  void OnDone() override { Release(); }

 private:
  // Writes one message and waits until the write completed; false when the client is gone.
  bool Write() {
    {
      absl::MutexLock lock(&mu_);
      writing_ = true;
    }
    StartWrite(&message_);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](WatchReactor* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return !self->writing_; },
        this));
    return !write_failed_;
  }

  bool Wanted(const storage::RecordedEvent& recorded) const {
    return (urns_.empty() || urns_.contains(codec::UrnOfStream(recorded.stream))) &&
           (types_.empty() || types_.contains(recorded.type));
  }

  void Run() {
    grpc::Status status = grpc::Status::OK;
    for (bool more = true; more;) {
      absl::StatusOr<std::vector<storage::RecordedEvent>> batch =
          subscription_->Next(64, absl::Now() + heartbeat_);
      if (!batch.ok()) {
        status = absl::IsCancelled(batch.status())
                     ? grpc::Status(grpc::StatusCode::CANCELLED, "watch ended")
                     : ToGrpcStatus(batch.status());
        break;
      }
      if (batch->empty()) {
        message_.mutable_heartbeat()->set_next_position(subscription_->position());
        more = Write();
        if (!more) status = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
        continue;
      }
      for (const storage::RecordedEvent& recorded : *batch) {
        if (!Wanted(recorded)) continue;
        absl::StatusOr<domain::StoredEvent> event = codec::Decode(recorded);
        if (!event.ok()) {
          status = ToGrpcStatus(event.status());
          more = false;
          break;
        }
        *message_.mutable_event() = codec::ToApiEvent(recorded, *event, reader_);
        if (!Write()) {
          status = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
          more = false;
          break;
        }
      }
    }
    registry_->Remove(subscription_.get());
    Finish(status);
    Release();
  }

  void Release() {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      last = --owners_ == 0;
    }
    if (last) delete this;
  }

  std::unique_ptr<storage::Subscription> subscription_;
  const v1::Role reader_;
  const absl::flat_hash_set<std::string> urns_;
  const absl::flat_hash_set<std::string> types_;
  const absl::Duration heartbeat_;
  WatchRegistry* const registry_;
  v1::WatchResponse message_;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  int owners_ ABSL_GUARDED_BY(mu_) = 2;  // the thread and OnDone
};

absl::Status ValidateWatch(const v1::WatchRequest& request) {
  domain::Violations v;
  domain::CheckFields(request, "", domain::kQueryLimits, v);
  constexpr uint32_t kMaxHeartbeatSeconds = 3600;
  if (request.heartbeat_seconds() > kMaxHeartbeatSeconds) {
    v.Add("heartbeat_seconds", absl::StrCat("is ", request.heartbeat_seconds(),
                                            "; the limit is ", kMaxHeartbeatSeconds));
  }
  return v.Status();
}

// Finishes a streaming call at once with an error.
class RefusedWatch : public grpc::ServerWriteReactor<v1::WatchResponse> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* Gateway::Unary(grpc::CallbackServerContext* context, const char* method,
                                         const google::protobuf::Message& request,
                                         const std::function<absl::Status(const Caller&)>& body) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  AccessRecord record;
  record.method = method;
  if (const auto* urn = request.GetDescriptor()->FindFieldByName("urn");
      urn != nullptr && urn->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !urn->is_repeated()) {
    record.urn = request.GetReflection()->GetString(request, urn).substr(0, 64);
  }
  absl::StatusOr<Caller> caller = Admit(context, record);
  absl::Status status = caller.status();
  if (caller.ok()) {
    domain::Violations violations;
    domain::CheckFields(request, "", domain::kQueryLimits, violations);
    status = violations.empty() ? body(*caller) : violations.Status();
  }
  Finish(reactor, context, record, start, status);
  return reactor;
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetWorkflowState(
    grpc::CallbackServerContext* context, const v1::GetWorkflowStateRequest* request,
    v1::WorkflowState* response) {
  return gateway_->Unary(context, "GetWorkflowState", *request, [&](const Caller&) -> absl::Status {
    if (!domain::IsValidUrn(request->urn())) {
      return domain::InvalidField("urn", absl::StrCat("'", request->urn(), "' is not a URN"));
    }
    ASSIGN_OR_RETURN(auto state, repository_->Load(request->urn()));
    if (!state->registered()) {
      return absl::NotFoundError(absl::StrCat("institution ", request->urn(), " is not registered"));
    }
    response->set_urn(request->urn());
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
    if (request->include_path()) {
      ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> events,
                       codec::ReadInstitution(*log_, request->urn(), 0));
      v1::FlowchartState last = v1::FLOWCHART_STATE_UNSPECIFIED;
      domain::Fold(request->urn(), events,
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
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetHistory(grpc::CallbackServerContext* context,
                                                       const v1::GetHistoryRequest* request,
                                                       v1::GetHistoryResponse* response) {
  return gateway_->Unary(context, "GetHistory", *request, [&](const Caller& caller) -> absl::Status {
    if (!domain::IsValidUrn(request->urn())) {
      return domain::InvalidField("urn", absl::StrCat("'", request->urn(), "' is not a URN"));
    }
    uint64_t from = request->newest_first() ? std::numeric_limits<uint64_t>::max() : 0;
    if (!request->page_token().empty() && !absl::SimpleAtoi(request->page_token(), &from)) {
      return domain::InvalidField("page_token", "is not a token from a previous page");
    }
    absl::StatusOr<storage::StreamPage> page = log_->ReadStream(
        codec::StreamName(request->urn()), from,
        request->newest_first() ? storage::ReadDirection::kBackwards
                                : storage::ReadDirection::kForwards,
        PageSize(request->page_size()));
    if (absl::IsNotFound(page.status())) {
      return absl::NotFoundError(absl::StrCat("institution ", request->urn(), " is not registered"));
    }
    RETURN_IF_ERROR(page.status());
    for (const storage::RecordedEvent& recorded : page->events) {
      ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
      *response->add_events() = codec::ToApiEvent(recorded, event, caller.role);
    }
    if (page->next_version) response->set_next_page_token(absl::StrCat(*page->next_version));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::ReadEvents(grpc::CallbackServerContext* context,
                                                       const v1::ReadEventsRequest* request,
                                                       v1::ReadEventsResponse* response) {
  return gateway_->Unary(context, "ReadEvents", *request, [&](const Caller& caller) -> absl::Status {
    ASSIGN_OR_RETURN(storage::AllPage page,
                     log_->ReadAll(request->from_position(), PageSize(request->page_size())));
    for (const storage::RecordedEvent& recorded : page.events) {
      ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
      *response->add_events() = codec::ToApiEvent(recorded, event, caller.role);
    }
    response->set_next_position(page.next_position);
    response->set_end(page.end);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::WatchResponse>* AuditServiceImpl::Watch(grpc::CallbackServerContext* context,
                                                             const v1::WatchRequest* request) {
  AccessRecord record;
  record.method = "Watch";
  record.peer = CallerAddress(context);
  absl::StatusOr<Caller> caller = gateway_->Admit(context, record);
  if (!caller.ok()) {
    const grpc::Status status = ToGrpcStatus(caller.status());
    gateway_->Record(record, status);
    return new RefusedWatch(status);
  }
  if (absl::Status valid = ValidateWatch(*request); !valid.ok()) {
    const grpc::Status status = ToGrpcStatus(valid);
    gateway_->Record(record, status);
    return new RefusedWatch(status);
  }
  std::unique_ptr<storage::Subscription> subscription = log_->Subscribe(request->from_position());
  if (absl::Status added = watches_->Add(subscription.get()); !added.ok()) {
    const grpc::Status status = ToGrpcStatus(added);
    gateway_->Record(record, status);
    return new RefusedWatch(status);
  }
  gateway_->Record(record, grpc::Status::OK);
  return new WatchReactor(std::move(subscription), caller->role, *request, watches_);
}

grpc::ServerUnaryReactor* AuditServiceImpl::VerifyLog(grpc::CallbackServerContext* context,
                                                      const v1::VerifyLogRequest* request,
                                                      v1::VerifyLogResponse* response) {
  return gateway_->Unary(context, "VerifyLog", *request, [&](const Caller&) -> absl::Status {
    // In pieces, so a long log cannot hold the call past its deadline or after a cancel.
    constexpr uint64_t kPiece = 1 << 16;
    const absl::Time deadline = gateway_->LongCallDeadline(context);
    const uint64_t to = request->to_position() == 0 ? std::numeric_limits<uint64_t>::max()
                                                    : request->to_position();
    if (to < request->from_position()) {
      return domain::InvalidField("to_position", "is before from_position");
    }
    storage::VerifyReport report;
    for (uint64_t at = request->from_position();;) {
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
      if (context->IsCancelled() || absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "verified positions ", request->from_position(), " to ", at - 1,
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
    return absl::OkStatus();
  });
}

}  // namespace scc::server
