#include "services/server/sessions.h"

#include <algorithm>

namespace scc::server {
namespace {

constexpr size_t kIdBytes = 32;

// Drops the entry of `map` whose `time(entry)` is earliest, when the map is full.
template <typename Map, typename TimeOf>
void MakeRoom(Map& map, size_t limit, TimeOf time) {
  while (!map.empty() && map.size() >= limit) {
    auto oldest = std::min_element(map.begin(), map.end(), [&](const auto& a, const auto& b) {
      return time(a.second) < time(b.second);
    });
    map.erase(oldest);
  }
}

}  // namespace

absl::StatusOr<LoginRequest> SessionStore::BeginLogin(absl::Time now) {
  LoginRequest login{RandomUrlSafe(kIdBytes), RandomUrlSafe(kIdBytes), RandomUrlSafe(kIdBytes)};
  if (login.state.empty() || login.nonce.empty() || login.code_verifier.empty()) {
    return absl::InternalError("no random bytes for a sign-in");
  }
  absl::MutexLock lock(&mu_);
  absl::erase_if(logins_, [&](const auto& e) { return now - e.second.started > limits_.login_wait; });
  MakeRoom(logins_, limits_.max_logins, [](const PendingLogin& p) { return p.started; });
  logins_[login.state] = PendingLogin{login, now};
  return login;
}

std::optional<LoginRequest> SessionStore::TakeLogin(const std::string& state, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = logins_.find(state);
  if (it == logins_.end()) return std::nullopt;
  PendingLogin pending = it->second;
  logins_.erase(it);
  if (now - pending.started > limits_.login_wait) return std::nullopt;
  return pending.login;
}

absl::StatusOr<std::string> SessionStore::Create(const Caller& caller, absl::Time now) {
  const std::string id = RandomUrlSafe(kIdBytes);
  if (id.empty()) return absl::InternalError("no random bytes for a session");
  absl::MutexLock lock(&mu_);
  absl::erase_if(sessions_, [&](const auto& e) {
    return now - e.second.last_used > limits_.idle || now - e.second.created > limits_.lifetime;
  });
  MakeRoom(sessions_, limits_.max_sessions, [](const Session& s) { return s.last_used; });
  sessions_[HashToken(id)] = Session{caller, now, now};
  signed_in_[caller.user] = caller;
  return id;
}

std::optional<Caller> SessionStore::Find(const std::string& id, absl::Time now) {
  if (id.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(HashToken(id));
  if (it == sessions_.end()) return std::nullopt;
  Session& s = it->second;
  if (now - s.last_used > limits_.idle || now - s.created > limits_.lifetime) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.last_used = now;
  return s.caller;
}

void SessionStore::End(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(HashToken(id));
}

std::vector<Caller> SessionStore::SignedIn() const {
  absl::MutexLock lock(&mu_);
  std::vector<Caller> out;
  out.reserve(signed_in_.size());
  for (const auto& [user, caller] : signed_in_) out.push_back(caller);
  return out;
}

std::optional<Caller> SessionStore::FindSignedIn(const std::string& user) const {
  absl::MutexLock lock(&mu_);
  auto it = signed_in_.find(user);
  if (it == signed_in_.end()) return std::nullopt;
  return it->second;
}

size_t SessionStore::live_sessions() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

}  // namespace scc::server
