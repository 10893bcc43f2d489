#include "services/server/denied_attempts.h"

#include <algorithm>

namespace scc::server {

std::string PeerAddress(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  const size_t first = peer.find(':');
  if (colon == std::string::npos || colon == first) return peer;  // "unix:/path" or no port
  return peer.substr(0, colon);
}

bool DeniedAttempts::Count(const std::string& peer, grpc::StatusCode code) {
  if (code != grpc::StatusCode::UNAUTHENTICATED && code != grpc::StatusCode::PERMISSION_DENIED) {
    return false;
  }
  const std::string address = PeerAddress(peer);
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(address);
  if (it == peers_.end()) {
    const bool room = peers_.size() < kMaxPeers;
    it = peers_.try_emplace(room ? address : kOtherPeers).first;
    it->second.peer = it->first;
  }
  Peer& counted = it->second;
  if (code == grpc::StatusCode::UNAUTHENTICATED) {
    ++unauthenticated_;
    ++counted.unauthenticated;
  } else {
    ++permission_denied_;
    ++counted.permission_denied;
  }
  counted.last_denied_at = absl::Now();
  return true;
}

uint64_t DeniedAttempts::unauthenticated() const {
  absl::MutexLock lock(&mu_);
  return unauthenticated_;
}

uint64_t DeniedAttempts::permission_denied() const {
  absl::MutexLock lock(&mu_);
  return permission_denied_;
}

std::vector<DeniedAttempts::Peer> DeniedAttempts::TopPeers(size_t limit) const {
  std::vector<Peer> peers;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [address, peer] : peers_) peers.push_back(peer);
  }
  auto total = [](const Peer& p) { return p.unauthenticated + p.permission_denied; };
  std::sort(peers.begin(), peers.end(), [&](const Peer& a, const Peer& b) {
    return total(a) != total(b) ? total(a) > total(b) : a.peer < b.peer;
  });
  if (peers.size() > limit) peers.resize(limit);
  return peers;
}

}  // namespace scc::server
