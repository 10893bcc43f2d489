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

}  // namespace

// Network clients cannot claim an address: their peer is always a socket address (in-process
// calls have none; gRPC 1.51 names their peer "unknown").
std::string CallerAddress(const grpc::CallbackServerContext* context) {
  std::string peer = context->peer();
  for (absl::string_view network : {"ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:"}) {
    if (absl::StartsWith(peer, network)) return peer;
  }
  std::string http = Metadata(context, kHttpPeerMetadata);
  return http.empty() ? peer : http;
}

// ---------------------------------------------------------------------------------------------

Gateway::Gateway(std::shared_ptr<const TokenStore> tokens, AccessLog* access_log,
                 absl::Duration long_call_limit, CallMetrics* metrics, int auth_failures,
                 absl::Duration auth_window)
    : tokens_(std::move(tokens)),
      tokens_loaded_at_(absl::Now()),
      access_log_(access_log),
      long_call_limit_(long_call_limit),
      metrics_(metrics),
      throttle_(auth_failures, auth_window) {}

absl::StatusOr<Caller> Gateway::Authenticate(grpc::CallbackServerContext* context) {
  const std::string address = PeerAddress(CallerAddress(context));
  RETURN_IF_ERROR(throttle_.Check(address));
  absl::StatusOr<Caller> caller = Identify(context);
  if (absl::IsUnauthenticated(caller.status())) throttle_.Failed(address);
  return caller;
}

absl::StatusOr<Caller> Gateway::Identify(grpc::CallbackServerContext* context) const {
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

namespace {

// A command RPC: request field 1 is the CommandContext, field 2 the payload.
void RunCommand(CommandHandler* handler, const CallPtr& call) {
  const google::protobuf::Message& request = call->request();
  const google::protobuf::Reflection* r = request.GetReflection();
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  domain::Command command;
  command.context.CopyFrom(r->GetMessage(request, d->FindFieldByNumber(1)));
  const google::protobuf::Message& payload = r->GetMessage(request, d->FindFieldByNumber(2));
  const google::protobuf::FieldDescriptor* slot = PayloadFieldFor(payload.GetDescriptor());
  if (slot != nullptr) {
    command.payload.GetReflection()->MutableMessage(&command.payload, slot)->CopyFrom(payload);
  }
  handler->Execute(call->caller(), std::move(command),
                   [call](absl::StatusOr<v1::CommandResult> result) {
                     if (result.ok()) {
                       *static_cast<v1::CommandResult*>(call->response()) = *std::move(result);
                     }
                     call->Finish(result.status());
                   });
}

}  // namespace

std::vector<Rpc> CommandRpcs(const char* service, CommandHandler* handler) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  std::vector<Rpc> rpcs;
  for (int i = 0; i < descriptor->method_count(); ++i) {
    rpcs.push_back(Rpc{descriptor->method(i)->name(), Work::kCommand,
                       [handler](const CallPtr& call) { RunCommand(handler, call); }});
  }
  return rpcs;
}

BulkServiceImpl::BulkServiceImpl(CallFrame* frame, CommandHandler* handler)
    : FramedService<v1::BulkService>(
          frame, {Rpc{"SubmitCommands", Work::kBatch,
                      [this](const CallPtr& call) { SubmitCommands(call); }}}),
      handler_(handler) {}

void BulkServiceImpl::SubmitCommands(const CallPtr& call) {
  const auto& request = static_cast<const v1::SubmitCommandsRequest&>(call->request());
  if (request.commands_size() > kMaxCommands) {
    call->Finish(domain::InvalidField(
        "commands", absl::StrCat("holds ", request.commands_size(), " commands; at most ",
                                 kMaxCommands, " per call: split the submission")));
    return;
  }
  std::vector<domain::Command> commands(request.commands_size());
  for (int i = 0; i < request.commands_size(); ++i) {
    commands[i].context = request.commands(i).context();
    commands[i].payload = request.commands(i).payload();
  }
  handler_->ExecuteBatch(
      call->caller(), std::move(commands),
      [call](std::vector<absl::StatusOr<v1::CommandResult>> outcomes) {
        auto* response = static_cast<v1::SubmitCommandsResponse*>(call->response());
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
        call->Finish(absl::OkStatus());
      });
}

// ---------------------------------------------------------------------------------------------

absl::Status WatchRegistry::Add(storage::Subscription* subscription, const std::string& user) {
  absl::MutexLock lock(&mu_);
  if (closing_) return absl::UnavailableError("the server is shutting down");
  if (open_.size() >= limit_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many open Watch streams (the server allows ", limit_,
                     "); close one you no longer read, or retry later"));
  }
  size_t& mine = by_caller_[user];
  if (mine >= per_caller_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        user, " has ", mine, " Watch streams open, the most one caller may (", per_caller_,
        " of the server's ", limit_, "); close one you no longer read"));
  }
  ++mine;
  open_.emplace(subscription, user);
  return absl::OkStatus();
}

void WatchRegistry::Remove(storage::Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(subscription);
  if (it == open_.end()) return;
  auto mine = by_caller_.find(it->second);
  if (mine != by_caller_.end() && --mine->second == 0) by_caller_.erase(mine);
  open_.erase(it);
}

void WatchRegistry::CancelAll() {
  absl::MutexLock lock(&mu_);
  closing_ = true;
  for (const auto& [s, user] : open_) s->Cancel();
}

size_t WatchRegistry::open() const {
  absl::MutexLock lock(&mu_);
  return open_.size();
}

void WatchRegistry::WaitUntilEmpty() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](absl::flat_hash_map<storage::Subscription*, std::string>* open) {
        return open->empty();
      },
      &open_));
}

namespace {

// One Watch call: a thread follows the subscription and writes one event at a time, waiting
// for each write to complete. Cancellation (client gone, or shutdown) cancels the
// subscription, which wakes the thread. The thread (after Finish returns) and OnDone each let
// go of the reactor; whichever is last deletes it.
class WatchReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
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
    bool own = false;
    buffer_.Clear();  // the serializer writes only into an empty buffer
    if (!grpc::SerializationTraits<v1::WatchResponse>::Serialize(message_, &buffer_, &own).ok()) {
      return false;
    }
    StartWrite(&buffer_);
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
  grpc::ByteBuffer buffer_;  // message_, serialized
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  int owners_ ABSL_GUARDED_BY(mu_) = 2;  // the thread and OnDone
};

absl::Status ValidateWatch(const v1::WatchRequest& request) {
  domain::Violations v;
  constexpr uint32_t kMaxHeartbeatSeconds = 3600;
  if (request.heartbeat_seconds() > kMaxHeartbeatSeconds) {
    v.Add("heartbeat_seconds", absl::StrCat("is ", request.heartbeat_seconds(),
                                            "; the limit is ", kMaxHeartbeatSeconds));
  }
  return v.Status();
}

// Finishes a streaming call at once with an error.
class RefusedWatch : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

AuditServiceImpl::AuditServiceImpl(CallFrame* frame, Gateway* gateway, storage::EventLog* log,
                                   InstitutionRepository* repository, WatchRegistry* watches)
    : FramedService<v1::AuditService>(
          frame,
          {Answer("GetWorkflowState", Work::kRead, this, &AuditServiceImpl::GetWorkflowState),
           Answer("GetHistory", Work::kRead, this, &AuditServiceImpl::GetHistory),
           Answer("ReadEvents", Work::kRead, this, &AuditServiceImpl::ReadEvents),
           Answer("VerifyLog", Work::kLong, this, &AuditServiceImpl::VerifyLog)}),
      frame_(frame),
      watch_method_(google::protobuf::DescriptorPool::generated_pool()
                        ->FindServiceByName(v1::AuditService::service_full_name())
                        ->FindMethodByName("Watch")),
      gateway_(gateway),
      log_(log),
      repository_(repository),
      watches_(watches) {
  MarkMethodRawCallback(
      watch_method_->index(),
      new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
          [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
            return StartWatch(context, request);
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
  for (const storage::RecordedEvent& recorded : page->events) {
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
    *response->add_events() = codec::ToApiEvent(recorded, event, call.caller().role);
  }
  if (page->next_version) response->set_next_page_token(absl::StrCat(*page->next_version));
  return absl::OkStatus();
}

absl::Status AuditServiceImpl::ReadEvents(const UnaryCall& call,
                                          const v1::ReadEventsRequest& request,
                                          v1::ReadEventsResponse* response) {
  ASSIGN_OR_RETURN(storage::AllPage page,
                   log_->ReadAll(request.from_position(), PageSize(request.page_size())));
  for (const storage::RecordedEvent& recorded : page.events) {
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
    *response->add_events() = codec::ToApiEvent(recorded, event, call.caller().role);
  }
  response->set_next_position(page.next_position);
  response->set_end(page.end);
  return absl::OkStatus();
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* AuditServiceImpl::StartWatch(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes) {
  AccessRecord record;
  record.method = "Watch";
  record.peer = CallerAddress(context);
  Caller caller;
  v1::WatchRequest request;
  absl::Status admitted =
      frame_->Admit(watch_method_, Work::kRead, context, *bytes, caller, request, record);
  if (admitted.ok()) admitted = ValidateWatch(request);
  std::unique_ptr<storage::Subscription> subscription;
  if (admitted.ok()) {
    subscription = log_->Subscribe(request.from_position());
    admitted = watches_->Add(subscription.get(), caller.user);
  }
  const grpc::Status status = ToGrpcStatus(admitted);
  gateway_->Record(record, status);
  if (!status.ok()) return new RefusedWatch(status);
  return new WatchReactor(std::move(subscription), caller.role, request, watches_);
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
  return absl::OkStatus();
}

}  // namespace scc::server
