// SessionStore: the people signed in through the identity provider, and the sign-ins on their
// way there. A session is named by a random id the browser holds in an HttpOnly cookie (no
// script on the page can read it); the store keeps only its SHA-256. A session ends after
// `idle` without a call, after `lifetime` whatever, or when its person signs out. A sign-in
// waiting for the provider's answer (state, nonce, PKCE verifier) is kept for `login_wait` and
// can be taken once. Both maps are bounded: the oldest entries go first. Thread-safe.
#ifndef SCC_SERVICES_SERVER_SESSIONS_H_
#define SCC_SERVICES_SERVER_SESSIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/server/oidc.h"
#include "services/server/tokens.h"

namespace scc::server {

class SessionStore {
 public:
  struct Limits {
    absl::Duration idle = absl::Minutes(30);
    absl::Duration lifetime = absl::Hours(10);
    absl::Duration login_wait = absl::Minutes(10);
    size_t max_sessions = 10000;
    size_t max_logins = 1000;
  };
  explicit SessionStore(Limits limits) : limits_(limits) {}

  // A new sign-in: fresh state, nonce and code verifier, remembered until taken or stale.
  absl::StatusOr<LoginRequest> BeginLogin(absl::Time now);
  // The sign-in `state` names, once; nullopt when unknown, taken already or stale.
  std::optional<LoginRequest> TakeLogin(const std::string& state, absl::Time now);

  // A session for `caller`: its id, for the cookie.
  absl::StatusOr<std::string> Create(const Caller& caller, absl::Time now);
  // The caller of a live session (which counts as use), or nullopt.
  std::optional<Caller> Find(const std::string& id, absl::Time now);
  void End(const std::string& id);

  // Everyone who signed in since the server started, latest details first found: the identity
  // provider's part of the directory.
  std::vector<Caller> SignedIn() const;
  std::optional<Caller> FindSignedIn(const std::string& user) const;
  size_t live_sessions() const;
  const Limits& limits() const { return limits_; }

 private:
  struct Session {
    Caller caller;
    absl::Time created;
    absl::Time last_used;
  };
  struct PendingLogin {
    LoginRequest login;
    absl::Time started;
  };
  const Limits limits_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);  // by id's SHA-256
  absl::flat_hash_map<std::string, PendingLogin> logins_ ABSL_GUARDED_BY(mu_);  // by state
  absl::flat_hash_map<std::string, Caller> signed_in_ ABSL_GUARDED_BY(mu_);  // by user id
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_SESSIONS_H_
