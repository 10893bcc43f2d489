#include "services/server/gateway.h"

#include "services/domain/authorization.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "grpc/grpc_security_constants.h"
#include "services/server/grpc_status.h"
#include "services/server/http_gateway.h"
#include "services/server/http_people.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

std::string Metadata(const grpc::CallbackServerContext* context, const char* key) {
  auto it = context->client_metadata().find(key);
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

// Network clients cannot claim an address: their peer is always a socket address (in-process
// calls have none; gRPC 1.51 names their peer "unknown").
bool InProcessCall(const grpc::CallbackServerContext* context) {
  const std::string peer = context->peer();
  for (absl::string_view network : {"ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:"}) {
    if (absl::StartsWith(peer, network)) return false;
  }
  return true;
}

std::string CallerAddress(const grpc::CallbackServerContext* context) {
  if (!InProcessCall(context)) return context->peer();
  std::string http = Metadata(context, kHttpPeerMetadata);
  return http.empty() ? context->peer() : http;
}

absl::StatusOr<std::unique_ptr<CalendarFeeds>> CalendarFeeds::Open(const std::string& path) {
  std::unique_ptr<CalendarFeeds> feeds(new CalendarFeeds(path));
  std::ifstream in(path);
  if (!in) return feeds;  // none issued yet
  std::string line;
  int number = 0;
  absl::MutexLock lock(&feeds->mu_);
  while (std::getline(in, line)) {
    ++number;
    const std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields.size() != 2 || fields[0].size() != 64) {
      return absl::DataLossError(absl::StrCat(path, ":", number, ": want '<sha256> <user>'"));
    }
    feeds->user_by_hash_[fields[0]] = fields[1];
  }
  return feeds;
}

absl::Status CalendarFeeds::Save() const {
  const std::string temporary = absl::StrCat(path_, ".new");
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const auto& [hash, user] : user_by_hash_) out << hash << ' ' << user << '\n';
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path_, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot replace ", path_, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CalendarFeeds::Issue(const std::string& user) {
  const std::string token = RandomUrlSafe(24);
  if (token.empty()) return absl::InternalError("no random bytes for a calendar feed");
  absl::MutexLock lock(&mu_);
  absl::erase_if(user_by_hash_, [&](const auto& e) { return e.second == user; });
  user_by_hash_[HashToken(token)] = user;
  RETURN_IF_ERROR(Save());
  return token;
}

absl::StatusOr<bool> CalendarFeeds::Revoke(const std::string& user) {
  absl::MutexLock lock(&mu_);
  const size_t removed =
      absl::erase_if(user_by_hash_, [&](const auto& e) { return e.second == user; });
  RETURN_IF_ERROR(Save());
  return removed > 0;
}

std::optional<std::string> CalendarFeeds::UserOf(const std::string& token) const {
  if (token.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = user_by_hash_.find(HashToken(token));
  if (it == user_by_hash_.end()) return std::nullopt;
  return it->second;
}

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
  // The HTTP gateway names a browser's session or a calendar feed on the calls it forwards.
  if (authorization.empty() && InProcessCall(context)) {
    if (const std::string session = Metadata(context, kSessionMetadata);
        !session.empty() && sessions_ != nullptr) {
      std::optional<Caller> caller = sessions_->Find(session, absl::Now());
      if (caller.has_value() && !caller->token_hash.empty() &&
          !tokens->HasTokenHash(caller->token_hash)) {
        sessions_->End(session);
        caller.reset();
      }
      if (!caller.has_value()) {
        return absl::UnauthenticatedError(absl::StrCat(
            "your session has ended (signed out, or no use for ",
            absl::FormatDuration(sessions_->limits().idle), "): sign in again"));
      }
      return *caller;
    }
    if (const std::string feed = Metadata(context, kCalendarFeedMetadata);
        !feed.empty() && feeds_ != nullptr) {
      const std::optional<std::string> user = feeds_->UserOf(feed);
      std::optional<Caller> caller = user ? FindUser(*user) : std::nullopt;
      if (!caller.has_value()) {
        return absl::UnauthenticatedError("this calendar feed was revoked or its user has left");
      }
      caller->calendar_feed = true;
      return *caller;
    }
  }
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

std::vector<Caller> Gateway::Users() const {
  std::vector<Caller> users;
  {
    absl::MutexLock lock(&mu_);
    users = tokens_->Users();
  }
  if (sessions_ == nullptr) return users;
  for (Caller& c : sessions_->SignedIn()) {
    if (std::none_of(users.begin(), users.end(), [&](const Caller& u) { return u.user == c.user; })) {
      users.push_back(std::move(c));
    }
  }
  std::sort(users.begin(), users.end(),
            [](const Caller& a, const Caller& b) { return a.user < b.user; });
  return users;
}

std::optional<Caller> Gateway::FindUser(const std::string& user) const {
  {
    absl::MutexLock lock(&mu_);
    if (std::optional<Caller> found = tokens_->FindUser(user)) return found;
  }
  return sessions_ == nullptr ? std::nullopt : sessions_->FindSignedIn(user);
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
  if (read_audit_ != nullptr && status.ok() && domain::IsAuditedRead(record.method)) {
    v1::FileRead read;
    read.set_user(record.actor);
    read.set_role(static_cast<v1::Role>(record.role_code));
    read.set_rpc(record.method);
    read.set_urn(record.urn);
    read.set_peer(record.peer);
    read_audit_->Record(std::move(read));
  }
}

void Gateway::Finish(grpc::ServerUnaryReactor* reactor, grpc::CallbackServerContext* context,
                     AccessRecord record, absl::Time start, const absl::Status& status) {
  const grpc::Status grpc_status = ToGrpcStatus(status);
  record.peer = CallerAddress(context);
  record.latency = absl::Now() - start;
  Record(record, grpc_status);
  reactor->Finish(grpc_status);
}

}  // namespace scc::server
