#include "clients/cpp/channel.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace scc::client {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address,
                                                           const ChannelSecurity& security) {
  const bool client_cert = !security.cert_file.empty() || !security.key_file.empty();
  if (security.ca_file.empty()) {
    if (client_cert) {
      return absl::InvalidArgumentError("a client certificate needs TLS: give the CA file too");
    }
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  if (client_cert && (security.cert_file.empty() || security.key_file.empty())) {
    return absl::InvalidArgumentError("a client certificate needs both its PEM and its key");
  }
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> roots = ReadPem(security.ca_file);
  if (!roots.ok()) return roots.status();
  options.pem_root_certs = *std::move(roots);
  if (client_cert) {
    absl::StatusOr<std::string> cert = ReadPem(security.cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(security.key_file);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *std::move(cert);
    options.pem_private_key = *std::move(key);
  }
  return grpc::CreateChannel(address, grpc::SslCredentials(options));
}

}  // namespace scc::client
