// The Watch stream of the audit service: committed events as they come, filtered by
// institution and event type, with a heartbeat while none do. A call is admitted by the call
// frame like every unary call, then followed by a thread of its own; the WatchRegistry bounds
// the open streams. Thread-safe.
#ifndef SCC_SERVICES_SERVER_WATCH_SERVICE_H_
#define SCC_SERVICES_SERVER_WATCH_SERVICE_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "services/server/call_frame.h"

namespace scc::storage {
class EventLog;
class Subscription;
}  // namespace scc::storage

namespace scc::server {

// The open Watch streams, each holding a subscription and a thread: bounded in all and per
// caller, so that clients that open streams and never read cannot exhaust the server, and one
// token cannot hold every place. Thread-safe.
class WatchRegistry {
 public:
  WatchRegistry(size_t limit, size_t per_caller) : limit_(limit), per_caller_(per_caller) {}
  // UNAVAILABLE once shutting down, RESOURCE_EXHAUSTED when `limit` streams are open or `user`
  // holds `per_caller` of them: the caller must refuse the watch with that status.
  absl::Status Add(storage::Subscription* subscription, const std::string& user);
  void Remove(storage::Subscription* subscription);
  // Cancels every open watch and refuses new ones.
  void CancelAll();
  // Blocks until every watch has let go of its subscription (after CancelAll).
  void WaitUntilEmpty();
  size_t open() const;

 private:
  const size_t limit_;
  const size_t per_caller_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<storage::Subscription*, std::string> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> by_caller_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
};

// Starts Watch calls; the audit service makes Start the handler of its Watch method.
class WatchService {
 public:
  WatchService(CallFrame* frame, Gateway* gateway, storage::EventLog* log,
               WatchRegistry* watches);

  // Watch, in v1::AuditService.
  const google::protobuf::MethodDescriptor* method() const { return method_; }
  // Admits the call and follows the log for it, or refuses it at once with the reason.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* bytes);

 private:
  CallFrame* const frame_;
  const google::protobuf::MethodDescriptor* const method_;
  Gateway* const gateway_;
  storage::EventLog* const log_;
  WatchRegistry* const watches_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_WATCH_SERVICE_H_
