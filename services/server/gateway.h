// The gateway every service shares through the call frame: who is calling (bearer token or
// client certificate, with the throttling of addresses that send wrong credentials), one
// access-log line per call, the count of denied calls and the call metrics. Thread-safe.
#ifndef SCC_SERVICES_SERVER_GATEWAY_H_
#define SCC_SERVICES_SERVER_GATEWAY_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "services/server/access_log.h"
#include "services/server/call_frame.h"
#include "services/server/denied_attempts.h"
#include "services/server/metrics.h"
#include "services/server/read_audit.h"
#include "services/server/sessions.h"
#include "services/server/tokens.h"

namespace scc::server {

// The caller's address for the access log, the denial counts and throttling: the gRPC peer or,
// for a call the HTTP gateway forwarded through the in-process channel, the HTTP client's
// address it passed along.
std::string CallerAddress(const grpc::CallbackServerContext* context);

// Whether the call came through the in-process channel (the HTTP gateway's), not the network.
bool InProcessCall(const grpc::CallbackServerContext* context);

// The calendar feeds' tokens: one per user at most, a new one replacing (revoking) the old.
// Stored as SHA-256 hashes, one "<hash> <user>" per line of a file rewritten atomically.
// Thread-safe.
class CalendarFeeds {
 public:
  // Reads `path` if it exists; errors name the file and line.
  static absl::StatusOr<std::unique_ptr<CalendarFeeds>> Open(const std::string& path);
  // A new feed token for `user`, which revokes any earlier one.
  absl::StatusOr<std::string> Issue(const std::string& user);
  // Ends `user`'s feed; whether there was one.
  absl::StatusOr<bool> Revoke(const std::string& user);
  // The user whose feed `token` is, or nullopt.
  std::optional<std::string> UserOf(const std::string& token) const;

 private:
  explicit CalendarFeeds(std::string path) : path_(std::move(path)) {}
  absl::Status Save() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const std::string path_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> user_by_hash_ ABSL_GUARDED_BY(mu_);
};

// Shared by all services (through the call frame): who is calling, one access-log line per
// call, the count of denied calls and the throttling of addresses that send wrong credentials.
// Thread-safe; the tokens can be replaced while calls run (a call sees either the old or the new
// set).
class Gateway {
 public:
  // `long_call_limit`: the longest a long call may run when its client sets no shorter deadline.
  // `metrics` (optional) counts and times every call. After `auth_failures` wrong credentials
  // from one address within `auth_window`, its calls are refused unread until the window ends.
  Gateway(std::shared_ptr<const TokenStore> tokens, AccessLog* access_log,
          absl::Duration long_call_limit = absl::Minutes(2), CallMetrics* metrics = nullptr,
          int auth_failures = 50, absl::Duration auth_window = absl::Minutes(1));

  // RESOURCE_EXHAUSTED "retry after" for a throttled address, UNAUTHENTICATED for wrong or
  // missing credentials (counted against the address).
  absl::StatusOr<Caller> Authenticate(grpc::CallbackServerContext* context);
  // Token rotation without a restart (sccd reloads the tokens file on SIGHUP or when it changes).
  void ReplaceTokens(std::shared_ptr<const TokenStore> tokens);
  // The browser sessions (people signed in through the identity provider or with a token) and
  // the calendar feeds; either may be null (none). Set before the server starts.
  void set_sessions(SessionStore* sessions) { sessions_ = sessions; }
  void set_calendar_feeds(CalendarFeeds* feeds) { feeds_ = feeds; }
  CalendarFeeds* calendar_feeds() const { return feeds_; }
  // The read audit (may be null: off), told of every successful audited read (Record). Set
  // before the server starts.
  void set_read_audit(ReadAudit* audit) { read_audit_ = audit; }
  ReadAudit* read_audit() const { return read_audit_; }
  size_t token_count() const;
  // The directory: the users the credentials in force name (TokenStore::Users) and those who
  // signed in through the identity provider since the server started; and one of them.
  std::vector<Caller> Users() const;
  std::optional<Caller> FindUser(const std::string& user) const;
  absl::Time tokens_loaded_at() const;

  // Finishes `reactor` with `status` and writes the access-log line.
  void Finish(grpc::ServerUnaryReactor* reactor, grpc::CallbackServerContext* context,
              AccessRecord record, absl::Time start, const absl::Status& status);
  // Writes the access-log line of a finished call, counts it if it was denied, records it in the
  // call metrics, and in the read audit when it read an institution's file.
  void Record(const AccessRecord& record, const grpc::Status& status);

  // When a long call (termly report, whole-log verify, list as of a date) must stop: the client's deadline,
  // but no later than the server's limit from now.
  absl::Time LongCallDeadline(const grpc::CallbackServerContext* context) const;

  const DeniedAttempts& denied() const { return denied_; }
  const AuthThrottle& throttle() const { return throttle_; }

 private:
  // The caller the credentials name, or UNAUTHENTICATED.
  absl::StatusOr<Caller> Identify(grpc::CallbackServerContext* context) const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenStore> tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time tokens_loaded_at_ ABSL_GUARDED_BY(mu_);
  AccessLog* const access_log_;
  SessionStore* sessions_ = nullptr;
  CalendarFeeds* feeds_ = nullptr;
  ReadAudit* read_audit_ = nullptr;
  const absl::Duration long_call_limit_;
  CallMetrics* const metrics_;
  DeniedAttempts denied_;
  AuthThrottle throttle_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_GATEWAY_H_
