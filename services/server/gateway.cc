#include "services/server/gateway.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "grpc/grpc_security_constants.h"
#include "services/server/grpc_status.h"
#include "services/server/http_gateway.h"
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
std::string CallerAddress(const grpc::CallbackServerContext* context) {
  std::string peer = context->peer();
  for (absl::string_view network : {"ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:"}) {
    if (absl::StartsWith(peer, network)) return peer;
  }
  std::string http = Metadata(context, kHttpPeerMetadata);
  return http.empty() ? peer : http;
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
  absl::MutexLock lock(&mu_);
  return tokens_->Users();
}

std::optional<Caller> Gateway::FindUser(const std::string& user) const {
  absl::MutexLock lock(&mu_);
  return tokens_->FindUser(user);
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

}  // namespace scc::server
