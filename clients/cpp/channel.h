// OpenChannel: a gRPC channel to sccd, plaintext or TLS (optionally with a client certificate
// for mutual TLS). Reads the PEM files once, when called; the channel is thread-safe.
#ifndef SCC_CLIENTS_CPP_CHANNEL_H_
#define SCC_CLIENTS_CPP_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace scc::client {

struct ChannelSecurity {
  std::string ca_file;    // PEM roots that sign the server's certificate; empty: plaintext
  std::string cert_file;  // client certificate (PEM) for mutual TLS; needs key_file and ca_file
  std::string key_file;   // its private key (PEM)
};

// INVALID_ARGUMENT when the options do not fit together, NOT_FOUND when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address,
                                                           const ChannelSecurity& security);

}  // namespace scc::client

#endif  // SCC_CLIENTS_CPP_CHANNEL_H_
