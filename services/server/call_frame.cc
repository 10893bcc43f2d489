#include "services/server/call_frame.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/projections.pb.h"
#include "services/domain/authorization.h"
#include "services/domain/errors.h"
#include "services/domain/fields.h"
#include "services/projections/institution_projection.h"
#include "services/server/gateway.h"
#include "storage/event_log.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// How long a read parked for min_position waits when its client set no deadline.
constexpr absl::Duration kDefaultWait = absl::Seconds(10);
// A parked read is looked at again at least this often (new reads, cancellations, deadlines).
constexpr absl::Duration kParkSlice = absl::Milliseconds(20);

std::string Join(const std::string& path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

absl::Status Bad(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(path.empty() ? absl::StrCat("it ", why)
                                                 : absl::StrCat("field '", path, "' ", why));
}

// The wire type a field's values are written with (packed repeated scalars aside).
bool WireTypeFits(const FieldDescriptor* field, WireFormatLite::WireType wire) {
  const auto expected =
      WireFormatLite::WireTypeForFieldType(static_cast<WireFormatLite::FieldType>(field->type()));
  return wire == expected ||
         (field->is_packable() && wire == WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

absl::Status CheckMessage(CodedInputStream& in, const Descriptor* type, const std::string& path,
                          int depth) {
  if (depth > RequestWire::kMaxNesting) {
    return Bad(path,
               absl::StrCat("is nested more than ", RequestWire::kMaxNesting, " messages deep"));
  }
  absl::flat_hash_map<int, int> repeats;  // field number -> values seen, for indexed paths
  for (;;) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (in.ConsumedEntireMessage()) return absl::OkStatus();
      return Bad(path, "is not a well-formed protobuf message (garbled bytes)");
    }
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const auto wire = WireFormatLite::GetTagWireType(tag);
    const FieldDescriptor* field = type->FindFieldByNumber(number);
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown field number ", number, " in ", path.empty() ? "the request" : path, " (",
          type->full_name(), " has no such field; is the client newer than the server?)"));
    }
    std::string name = Join(path, field->name());
    if (field->is_repeated() && !field->is_map()) {
      absl::StrAppend(&name, "[", repeats[number]++, "]");
    }
    if (!WireTypeFits(field, wire)) return Bad(name, "has the wrong wire type (garbled bytes)");
    if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit())) {
        return Bad(name, "is truncated (garbled bytes)");
      }
      const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
      if (absl::Status s = CheckMessage(in, field->message_type(), name, depth + 1); !s.ok()) {
        return s;
      }
      in.PopLimit(limit);
    } else if (field->type() == FieldDescriptor::TYPE_STRING) {
      std::string value;
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit()) ||
          !in.ReadString(&value, static_cast<int>(length))) {
        return Bad(name, "is truncated (garbled bytes)");
      }
      if (!google::protobuf::internal::IsStructurallyValidUTF8(value.data(),
                                                               static_cast<int>(value.size()))) {
        return Bad(name, "is not valid UTF-8 text");
      }
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return Bad(name, "is truncated (garbled bytes)");
    }
  }
}

// The request's QueryOptions, if its type has them ("options").
const v1::QueryOptions* OptionsOf(const google::protobuf::Message& request) {
  const FieldDescriptor* field = request.GetDescriptor()->FindFieldByName("options");
  if (field == nullptr || field->message_type() != v1::QueryOptions::descriptor()) return nullptr;
  return static_cast<const v1::QueryOptions*>(&request.GetReflection()->GetMessage(request, field));
}

// The institution and request id a call names, for the access log.
void Describe(const google::protobuf::Message& request, AccessRecord& record) {
  constexpr size_t kShown = 64;
  const Descriptor* d = request.GetDescriptor();
  const google::protobuf::Reflection* r = request.GetReflection();
  if (const FieldDescriptor* urn = d->FindFieldByName("urn");
      urn != nullptr && urn->type() == FieldDescriptor::TYPE_STRING && !urn->is_repeated()) {
    record.urn = r->GetString(request, urn).substr(0, kShown);
  }
  if (const FieldDescriptor* context = d->FindFieldByName("context");
      context != nullptr && context->message_type() == v1::CommandContext::descriptor()) {
    const auto& c = static_cast<const v1::CommandContext&>(r->GetMessage(request, context));
    record.urn = c.urn().substr(0, kShown);
    record.request_id = c.request_id().substr(0, kShown);
  }
}

absl::Time WaitDeadline(const grpc::CallbackServerContext* context) {
  const auto deadline = context->deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::Now() + kDefaultWait;
  return absl::FromChrono(deadline);
}

}  // namespace

absl::Status RequestWire::Check(absl::string_view bytes, const Descriptor* type) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError("the request is too large");
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  return CheckMessage(in, type, "", 0);
}

// ---------------------------------------------------------------------------------------------

absl::Status Shares::Take(const std::string& caller, absl::string_view what) {
  absl::MutexLock lock(&mu_);
  if (held_ >= total_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("server busy, retry: all ", total_, " places for ", what, " are taken"));
  }
  size_t& mine = by_caller_[caller];
  if (mine >= per_caller_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "server busy, retry: ", caller, " holds ", mine, " places for ", what,
        ", the most one caller may (", per_caller_, " of ", total_, "); wait for one to finish"));
  }
  ++mine;
  ++held_;
  return absl::OkStatus();
}

void Shares::Give(const std::string& caller) {
  absl::MutexLock lock(&mu_);
  auto it = by_caller_.find(caller);
  if (it == by_caller_.end()) return;
  --held_;
  if (--it->second == 0) by_caller_.erase(it);
}

size_t Shares::held() const {
  absl::MutexLock lock(&mu_);
  return held_;
}

// ---------------------------------------------------------------------------------------------

absl::Status AuthThrottle::Check(const std::string& address) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  auto it = windows_.find(address);
  if (it == windows_.end() || it->second.failures < failures_) return absl::OkStatus();
  const absl::Time until = it->second.start + window_;
  if (now >= until) {
    windows_.erase(it);
    return absl::OkStatus();
  }
  ++refused_;
  return absl::ResourceExhaustedError(
      absl::StrCat("too many failed sign-ins from ", address, " (", failures_, " within ",
                   absl::FormatDuration(window_), "); retry after ",
                   static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(until - now))), " s"));
}

void AuthThrottle::Failed(const std::string& address) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (!windows_.contains(address) && windows_.size() >= kMaxAddresses) {
    absl::erase_if(windows_,
                   [&](const auto& entry) { return now >= entry.second.start + window_; });
    if (windows_.size() >= kMaxAddresses) return;
  }
  Window& w = windows_[address];
  if (w.failures == 0 || now >= w.start + window_) w = Window{now, 0};
  ++w.failures;
}

uint64_t AuthThrottle::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

size_t AuthThrottle::throttled_addresses() const {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  return std::count_if(windows_.begin(), windows_.end(), [&](const auto& entry) {
    return entry.second.failures >= failures_ && now < entry.second.start + window_;
  });
}

// ---------------------------------------------------------------------------------------------

absl::Time UnaryCall::long_deadline() const { return gateway_->LongCallDeadline(context_); }

void UnaryCall::Finish(const absl::Status& status) {
  if (finished_.exchange(true)) return;
  absl::Status answer = status;
  if (answer.ok()) {
    bool own = false;
    const grpc::Status serialized =
        grpc::SerializationTraits<google::protobuf::Message>::Serialize(*response_, out_, &own);
    if (!serialized.ok()) {
      answer = absl::InternalError(
          absl::StrCat("the answer could not be encoded: ", serialized.error_message()));
    }
  }
  gateway_->Finish(reactor_, context_, std::move(record_), start_, answer);
}

// ---------------------------------------------------------------------------------------------

CallFrame::CallFrame(Gateway* gateway, const storage::EventLog* log,
                     const projections::InstitutionProjection* projection, Options options)
    : gateway_(gateway),
      log_(log),
      projection_(projection),
      long_shares_(options.long_call_threads + options.long_call_queue,
                   std::max<size_t>(1, (options.long_call_threads + options.long_call_queue) / 2)),
      park_shares_(options.max_waiting_reads, std::max<size_t>(1, options.max_waiting_reads / 2)),
      long_work_(options.long_call_threads),
      waiter_([this] { WaitLoop(); }) {}

CallFrame::~CallFrame() { Close(); }

void CallFrame::Close() {
  std::vector<Parked> parked;
  {
    absl::MutexLock lock(&park_mu_);
    closing_ = true;
    parked.swap(parked_);
  }
  Unpark(parked, absl::UnavailableError("the server is shutting down; retry"));
  // The waiter may be inside the projection's or the log's wait (a slice at most): once it has
  // returned, nothing of the frame touches them, so they may be closed after this.
  if (waiter_.joinable()) waiter_.join();
}

grpc::ServerUnaryReactor* CallFrame::Handle(const google::protobuf::MethodDescriptor* method,
                                            const Rpc& rpc, grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_shared<UnaryCall>();
  call->gateway_ = gateway_;
  call->context_ = context;
  call->reactor_ = reactor;
  call->out_ = response;
  call->start_ = absl::Now();
  call->record_.method = rpc.name;

  google::protobuf::MessageFactory* factory =
      google::protobuf::MessageFactory::generated_factory();
  call->request_.reset(factory->GetPrototype(method->input_type())->New());
  call->response_.reset(factory->GetPrototype(method->output_type())->New());
  if (absl::Status admitted = Admit(method, rpc.work, context, *request, call->caller_,
                                    *call->request_, call->record_);
      !admitted.ok()) {
    call->Finish(admitted);
    return reactor;
  }

  const v1::QueryOptions* options = OptionsOf(*call->request_);
  if (options != nullptr && options->has_min_position()) {
    const uint64_t end = log_->NextPosition();
    if (options->min_position() > end + 1000000) {
      call->Finish(domain::InvalidField("options.min_position", "is beyond the end of the log"));
      return reactor;
    }
    const bool live = options->as_of().empty() && !options->has_known_at();
    if (Reached(live) <= options->min_position()) {
      Park(Parked{call, &rpc, live, options->min_position(), WaitDeadline(context)});
      return reactor;
    }
  }
  Dispatch(rpc, call);
  return reactor;
}

absl::Status CallFrame::Admit(const google::protobuf::MethodDescriptor* method, Work work,
                              grpc::CallbackServerContext* context, const grpc::ByteBuffer& bytes,
                              Caller& caller, google::protobuf::Message& request,
                              AccessRecord& record) {
  // Who calls, before a byte of the request is looked at.
  absl::StatusOr<Caller> known = gateway_->Authenticate(context);
  if (!known.ok()) return known.status();
  caller = *std::move(known);
  record.actor = caller.user;
  record.role = RoleName(caller.role);
  record.role_code = caller.role;

  std::vector<grpc::Slice> slices;
  if (!bytes.Dump(&slices).ok()) {
    return absl::InternalError(absl::StrCat(method->name(), ": the request could not be read"));
  }
  std::string joined;
  absl::string_view wire;
  if (slices.size() == 1) {
    wire = absl::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size());
  } else {
    for (const grpc::Slice& s : slices) {
      joined.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    wire = joined;
  }
  absl::Status decoded = RequestWire::Check(wire, method->input_type());
  if (decoded.ok() && !request.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    decoded = absl::InvalidArgumentError("it is not a well-formed protobuf message");
  }
  if (!decoded.ok()) {
    undecodable_.fetch_add(1, std::memory_order_relaxed);
    return absl::InvalidArgumentError(absl::StrCat(method->name(), ": the request is not a valid ",
                                                   method->input_type()->full_name(), ": ",
                                                   decoded.message()));
  }
  parsed_bytes_.fetch_add(wire.size(), std::memory_order_relaxed);
  Describe(request, record);

  // A calendar feed's token reads what falls due, and nothing else.
  if (caller.calendar_feed && method->name() != "ListObligations" && method->name() != "WhoAmI") {
    return absl::PermissionDeniedError(
        absl::StrCat("a calendar feed reads what falls due only, not ", method->name()));
  }
  if (work == Work::kCommand) return absl::OkStatus();  // the handler authorizes by kind
  RETURN_IF_ERROR(domain::AuthorizeCall(caller.user, caller.role, method->name()));
  // A headteacher's read names their own school; their lists hold only it (the services').
  if (!record.urn.empty()) {
    RETURN_IF_ERROR(domain::CheckReach(caller.user, caller.role, caller.urns, record.urn));
  }
  if (work == Work::kBatch) return absl::OkStatus();  // the handler checks each command
  domain::Violations violations;
  domain::CheckFields(request, "", domain::kQueryLimits, violations);
  return violations.Status();
}

void CallFrame::Dispatch(const Rpc& rpc, const CallPtr& call) {
  const v1::QueryOptions* options = OptionsOf(call->request());
  const bool folds = options != nullptr && (!options->as_of().empty() || options->has_known_at());
  if (rpc.work == Work::kLong || (rpc.work == Work::kRead && folds)) {
    RunLong(rpc, call);
  } else {
    rpc.body(call);
  }
}

void CallFrame::RunLong(const Rpc& rpc, const CallPtr& call) {
  const std::string user = call->caller().user;
  if (absl::Status share = long_shares_.Take(user, "long calls"); !share.ok()) {
    busy_.fetch_add(1, std::memory_order_relaxed);
    call->Finish(share);
    return;
  }
  long_work_.Submit([this, &rpc, call, user] {
    // A call whose client went away, or whose time ran out, while it waited is not started.
    if (call->context()->IsCancelled()) {
      call->Finish(absl::CancelledError("the client cancelled the call"));
    } else if (absl::Now() >= call->long_deadline()) {
      call->Finish(absl::DeadlineExceededError(absl::StrCat(
          rpc.name, ": waited for a long-call thread past the deadline; retry later")));
    } else {
      rpc.body(call);
    }
    long_shares_.Give(user);
  });
}

uint64_t CallFrame::Reached(bool live) const {
  return live ? projection_->applied_position() : log_->NextPosition();
}

void CallFrame::Park(Parked parked) {
  const std::string user = parked.call->caller().user;
  if (absl::Status share = park_shares_.Take(user, "reads waiting for min_position");
      !share.ok()) {
    busy_.fetch_add(1, std::memory_order_relaxed);
    parked.call->Finish(share);
    return;
  }
  {
    absl::MutexLock lock(&park_mu_);
    if (!closing_) {
      parked_.push_back(std::move(parked));
      return;
    }
  }
  park_shares_.Give(user);
  parked.call->Finish(absl::UnavailableError("the server is shutting down; retry"));
}

void CallFrame::Unpark(std::vector<Parked>& ready, const absl::Status& why) {
  for (Parked& p : ready) {
    park_shares_.Give(p.call->caller().user);
    if (why.ok()) {
      Dispatch(*p.rpc, p.call);
    } else {
      p.call->Finish(why);
    }
  }
  ready.clear();
}

void CallFrame::WaitLoop() {
  for (;;) {
    std::vector<Parked> ready, expired, cancelled;
    bool any_live = false;
    uint64_t lowest = std::numeric_limits<uint64_t>::max();
    {
      absl::MutexLock lock(&park_mu_);
      park_mu_.Await(absl::Condition(
          +[](CallFrame* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->park_mu_) {
            return self->closing_ || !self->parked_.empty();
          },
          this));
      if (closing_ && parked_.empty()) return;
      const absl::Time now = absl::Now();
      const uint64_t applied = projection_->applied_position();
      const uint64_t committed = log_->NextPosition();
      std::vector<Parked> waiting;
      for (Parked& p : parked_) {
        if ((p.live ? applied : committed) > p.position) {
          ready.push_back(std::move(p));
        } else if (p.call->context()->IsCancelled()) {
          cancelled.push_back(std::move(p));
        } else if (now >= p.deadline) {
          expired.push_back(std::move(p));
        } else {
          any_live = any_live || p.live;
          lowest = std::min(lowest, p.position);
          waiting.push_back(std::move(p));
        }
      }
      parked_.swap(waiting);
    }
    Unpark(ready, absl::OkStatus());
    Unpark(cancelled, absl::CancelledError("the client cancelled the call"));
    for (Parked& p : expired) {
      park_shares_.Give(p.call->caller().user);
      p.call->Finish(absl::DeadlineExceededError(
          absl::StrCat(p.live ? "the read model has applied " : "the log holds ", Reached(p.live),
                       " events, not yet ", p.position + 1,
                       " (min_position); try again or allow a longer deadline")));
    }
    if (lowest == std::numeric_limits<uint64_t>::max()) continue;
    // Wakes as soon as the position is reached, or after a slice to look at the rest again.
    const absl::Time until = absl::Now() + kParkSlice;
    if (any_live) {
      projection_->WaitFor(lowest + 1, until).IgnoreError();  // re-checked above
    } else {
      log_->WaitForPosition(lowest, until).IgnoreError();  // re-checked above
    }
  }
}

void CallFrame::RenderMetrics(std::string* out) const {
  absl::StrAppend(
      out,
      "# HELP scc_request_bytes_parsed_total Request bytes parsed, only ever after the caller "
      "was authenticated.\n# TYPE scc_request_bytes_parsed_total counter\n"
      "scc_request_bytes_parsed_total ",
      parsed_bytes_.load(), "\n",
      "# HELP scc_requests_undecodable_total Requests refused because their bytes did not "
      "decode as the method's request.\n# TYPE scc_requests_undecodable_total counter\n"
      "scc_requests_undecodable_total ",
      undecodable_.load(), "\n",
      "# HELP scc_auth_throttled_total Calls refused unread because their address sent too many "
      "wrong credentials.\n# TYPE scc_auth_throttled_total counter\nscc_auth_throttled_total ",
      gateway_->throttle().refused(), "\n",
      "# HELP scc_auth_throttled_addresses Client addresses throttled now.\n"
      "# TYPE scc_auth_throttled_addresses gauge\nscc_auth_throttled_addresses ",
      gateway_->throttle().throttled_addresses(), "\n",
      "# HELP scc_server_busy_total Calls refused with server busy (long-call or waiting "
      "places taken).\n# TYPE scc_server_busy_total counter\nscc_server_busy_total ",
      busy_.load(), "\n",
      "# HELP scc_long_calls Long calls running or waiting for a long-call thread.\n"
      "# TYPE scc_long_calls gauge\nscc_long_calls ",
      long_shares_.held(), "\n",
      "# HELP scc_reads_waiting Reads parked until the read model reaches their min_position.\n"
      "# TYPE scc_reads_waiting gauge\nscc_reads_waiting ",
      park_shares_.held(), "\n");
}

}  // namespace scc::server
