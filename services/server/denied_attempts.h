// DeniedAttempts: counts calls refused for their credentials (UNAUTHENTICATED) or by the
// authorization matrix (PERMISSION_DENIED), in all and per peer address, so an operator can
// see who is probing the server (AdminService.GetServerStatus). Bounded: at most kMaxPeers
// addresses are told apart, later ones are counted under "other". Thread-safe.
#ifndef SCC_SERVICES_SERVER_DENIED_ATTEMPTS_H_
#define SCC_SERVICES_SERVER_DENIED_ATTEMPTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace scc::server {

class DeniedAttempts {
 public:
  static constexpr size_t kMaxPeers = 1024;
  static constexpr char kOtherPeers[] = "other";

  struct Peer {
    std::string peer;
    uint64_t unauthenticated = 0;
    uint64_t permission_denied = 0;
    absl::Time last_denied_at;
  };

  // Counts `status` for `peer` when it is a denial; other statuses are ignored. Returns whether
  // it was one.
  bool Count(const std::string& peer, grpc::StatusCode code);

  uint64_t unauthenticated() const;
  uint64_t permission_denied() const;
  // The peers with the most denials first, at most `limit`.
  std::vector<Peer> TopPeers(size_t limit) const;

 private:
  mutable absl::Mutex mu_;
  uint64_t unauthenticated_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t permission_denied_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Peer> peers_ ABSL_GUARDED_BY(mu_);
};

// The address part of a gRPC peer string ("ipv4:127.0.0.1:5000" -> "ipv4:127.0.0.1"): one
// client opening many connections is still one peer.
std::string PeerAddress(const std::string& peer);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_DENIED_ATTEMPTS_H_
