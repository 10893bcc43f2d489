#include "services/server/admin_service.h"

#include "services/codec/event_codec.h"

namespace scc::server {

grpc::ServerUnaryReactor* AdminServiceImpl::GetServerStatus(
    grpc::CallbackServerContext* context, const v1::GetServerStatusRequest* request,
    v1::ServerStatus* response) {
  return gateway_->Unary(context, "GetServerStatus", *request, [&](const Caller&) {
    constexpr size_t kPeersShown = 100;
    codec::SetTimestamp(started_at_, response->mutable_started_at());
    response->set_next_position(log_->NextPosition());
    response->set_open_watches(static_cast<uint32_t>(watches_->open()));
    const DeniedAttempts& denied = gateway_->denied();
    response->set_denied_unauthenticated(denied.unauthenticated());
    response->set_denied_permission(denied.permission_denied());
    for (const DeniedAttempts::Peer& peer : denied.TopPeers(kPeersShown)) {
      v1::DeniedPeer* out = response->add_denied_peers();
      out->set_peer(peer.peer);
      out->set_unauthenticated(peer.unauthenticated);
      out->set_permission_denied(peer.permission_denied);
      codec::SetTimestamp(peer.last_denied_at, out->mutable_last_denied_at());
    }
    response->set_tokens(static_cast<uint32_t>(gateway_->token_count()));
    codec::SetTimestamp(gateway_->tokens_loaded_at(), response->mutable_tokens_loaded_at());
    *response->mutable_limits() = limits_;
    return absl::OkStatus();
  });
}

}  // namespace scc::server
