#include "services/server/watch_service.h"

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "scc/v1/audit.grpc.pb.h"
#include "services/codec/event_codec.h"
#include "services/domain/errors.h"
#include "services/server/gateway.h"
#include "services/server/grpc_status.h"
#include "storage/event_log.h"
#include "storage/subscription.h"

namespace scc::server {

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
  WatchReactor(std::unique_ptr<storage::Subscription> subscription, domain::Reader reader,
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
  // gRPC runs OnDone after OnCancel has returned, but through code TSan cannot see: holding a
  // share of the reactor for the call orders it before the delete in the last Release.
  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      ++owners_;
    }
    subscription_->Cancel();
    Release();
  }
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
  const domain::Reader reader_;
  const absl::flat_hash_set<std::string> urns_;
  const absl::flat_hash_set<std::string> types_;
  const absl::Duration heartbeat_;
  WatchRegistry* const registry_;
  v1::WatchResponse message_;
  grpc::ByteBuffer buffer_;  // message_, serialized
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  int owners_ ABSL_GUARDED_BY(mu_) = 2;  // the thread and OnDone (and OnCancel while it runs)
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

WatchService::WatchService(CallFrame* frame, Gateway* gateway, storage::EventLog* log,
                           WatchRegistry* watches)
    : frame_(frame),
      method_(google::protobuf::DescriptorPool::generated_pool()
                  ->FindServiceByName(v1::AuditService::service_full_name())
                  ->FindMethodByName("Watch")),
      gateway_(gateway),
      log_(log),
      watches_(watches) {}

grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchService::Start(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes) {
  AccessRecord record;
  record.method = "Watch";
  record.peer = CallerAddress(context);
  Caller caller;
  v1::WatchRequest request;
  absl::Status admitted =
      frame_->Admit(method_, Work::kRead, context, *bytes, caller, request, record);
  if (admitted.ok()) admitted = ValidateWatch(request);
  std::unique_ptr<storage::Subscription> subscription;
  if (admitted.ok()) {
    subscription = log_->Subscribe(request.from_position());
    admitted = watches_->Add(subscription.get(), caller.user);
  }
  const grpc::Status status = ToGrpcStatus(admitted);
  gateway_->Record(record, status);
  if (!status.ok()) return new RefusedWatch(status);
  return new WatchReactor(std::move(subscription), LogWideReader(caller), request, watches_);
}

}  // namespace scc::server
