// sccd over TLS and mutual TLS, with certificates from deploy/make-dev-ca.sh: clients that trust
// the CA are served, plaintext clients and clients of another CA are not, and under mutual TLS a
// client without a certificate is turned away before any call reaches the service; a mapped
// client certificate stands for a service account.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/channel.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scc/v1/audit.grpc.pb.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;

client::ChannelSecurity Tls(std::string ca, std::string cert = "", std::string key = "") {
  client::ChannelSecurity security;
  security.ca_file = std::move(ca);
  security.cert_file = std::move(cert);
  security.key_file = std::move(key);
  return security;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* ca : {"tls", "other-ca"}) {
      const CommandOutcome made = RunCommand(absl::StrCat(MAKE_DEV_CA, " ", dir_.Sub(ca)));
      ASSERT_EQ(made.code, 0) << made.out;
    }
  }
  std::string Pem(const std::string& name) const { return dir_.Sub("tls/" + name); }

  // Starts sccd serving TLS; `mutual` also demands client certificates signed by the CA.
  void StartServer(bool mutual) {
    SccdProcess::Options options;
    // make-dev-ca.sh's client certificate has CN=scc-service.
    options.extra_token_lines = {"cert:scc-service gias-sync-cert service_account"};
    options.extra_args = {"--tls-cert", Pem("server.pem"), "--tls-key", Pem("server.key")};
    if (mutual) {
      options.extra_args.insert(options.extra_args.end(), {"--tls-client-ca", Pem("ca.pem")});
    }
    auto started = SccdProcess::Start(dir_.Sub("data"), options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  // VerifyLog over a channel opened with `security`, with `token` (none if empty).
  grpc::Status VerifyLog(const client::ChannelSecurity& security,
                         const std::string& token = kAuditorToken) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        client::OpenChannel(server_->address(), security);
    if (!channel.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, channel.status().ToString());
    auto stub = v1::AuditService::NewStub(*channel);
    v1::VerifyLogResponse response;
    const grpc::Status status =
        stub->VerifyLog(Authorized(token).get(), v1::VerifyLogRequest(), &response);
    if (status.ok()) {
      EXPECT_TRUE(response.ok()) << response.problem();
    }
    return status;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
};

TEST_F(TlsTest, ServesClientsThatTrustItsCaAndNoOneElse) {
  ASSERT_NO_FATAL_FAILURE(StartServer(/*mutual=*/false));
  EXPECT_TRUE(server_->WaitForLog("(tls)")) << server_->Log();
  EXPECT_TRUE(VerifyLog(Tls(Pem("ca.pem"))).ok());

  const grpc::Status plaintext = VerifyLog(Tls(""));
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();
  const grpc::Status stranger = VerifyLog(Tls(dir_.Sub("other-ca/ca.pem")));
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::UNAVAILABLE) << stranger.error_message();

  const CommandOutcome sccctl = RunCommand(absl::StrCat(
      SCCCTL_PATH, " --server ", server_->address(), " --token ", kAuditorToken, " --tls-ca ",
      Pem("ca.pem"), " verify-log"));
  EXPECT_EQ(sccctl.code, 0) << sccctl.out;
}

TEST_F(TlsTest, MutualTlsTurnsAwayClientsWithoutACertificate) {
  ASSERT_NO_FATAL_FAILURE(StartServer(/*mutual=*/true));
  EXPECT_TRUE(server_->WaitForLog("(mutual tls)")) << server_->Log();
  EXPECT_TRUE(VerifyLog(Tls(Pem("ca.pem"), Pem("client.pem"), Pem("client.key"))).ok());
  // The certificate alone identifies a mapped service account; the bearer token still wins.
  EXPECT_TRUE(VerifyLog(Tls(Pem("ca.pem"), Pem("client.pem"), Pem("client.key")), "").ok());
  EXPECT_TRUE(server_->WaitForLog(R"("actor":"gias-sync-cert","role":"service_account")"))
      << server_->Log();
  const grpc::Status bad_token =
      VerifyLog(Tls(Pem("ca.pem"), Pem("client.pem"), Pem("client.key")), "t-unknown");
  EXPECT_EQ(bad_token.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const grpc::Status no_cert = VerifyLog(Tls(Pem("ca.pem")));
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << no_cert.error_message();
  const grpc::Status foreign_cert = VerifyLog(
      Tls(Pem("ca.pem"), dir_.Sub("other-ca/client.pem"), dir_.Sub("other-ca/client.key")));
  EXPECT_EQ(foreign_cert.error_code(), grpc::StatusCode::UNAVAILABLE)
      << foreign_cert.error_message();
}

TEST_F(TlsTest, MisconfiguredTlsIsRefusedWithTheFlagNamed) {
  const std::string sccd = absl::StrCat(SCCD_PATH_FOR_TEST, " --listen 127.0.0.1:0 --data ",
                                        dir_.Sub("data"));
  CommandOutcome run = RunCommand(absl::StrCat(sccd, " --tls-cert ", Pem("server.pem")));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.out, HasSubstr("--tls-cert and --tls-key go together"));
  run = RunCommand(absl::StrCat(sccd, " --tls-client-ca ", Pem("ca.pem")));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.out, HasSubstr("--tls-client-ca needs --tls-cert and --tls-key"));
  run = RunCommand(absl::StrCat(sccd, " --tls-cert ", Pem("missing.pem"), " --tls-key ",
                                Pem("server.key")));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.out, HasSubstr("--tls-cert: cannot read"));

  const CommandOutcome sccctl = RunCommand(absl::StrCat(SCCCTL_PATH, " --tls-cert ",
                                                        Pem("client.pem"), " verify-log"));
  EXPECT_EQ(sccctl.code, 2) << sccctl.out;
  EXPECT_THAT(sccctl.out, HasSubstr("a client certificate needs TLS"));
}

}  // namespace
}  // namespace scc::testing
