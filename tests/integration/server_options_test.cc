// sccd as an operator runs it: the gRPC health service answers, plaintext on a non-loopback
// address is refused unless --insecure is given, and SIGHUP rotates the tokens.
#include <signal.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "scc/v1/audit.grpc.pb.h"
#include "services/server/tokens.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

TEST(ServerOptionsTest, HealthServiceReportsServing) {
  storage::testing::TempDir dir;
  auto server = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  grpc::GenericStub stub((*server)->channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const grpc::Slice empty("");  // HealthCheckRequest{service: ""} serialises to no bytes
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  grpc::Slice slice;
  ASSERT_TRUE(response.DumpToSingleSlice(&slice).ok());
  // HealthCheckResponse{status: SERVING} is field 1, varint 1.
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(slice.begin()), slice.size()),
            std::string("\x08\x01", 2));
}

TEST(ServerOptionsTest, PlaintextOnANonLoopbackAddressNeedsInsecure) {
  storage::testing::TempDir dir;
  const CommandOutcome run =
      RunCommand(absl::StrCat(SCCD_BIN, " --listen 0.0.0.0:0 --data ", dir.Sub("data")));
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_THAT(run.out, ::testing::HasSubstr("refusing to serve plaintext gRPC on 0.0.0.0:0"));
  EXPECT_THAT(run.out, ::testing::HasSubstr("--insecure"));
  EXPECT_THAT(run.out, ::testing::HasSubstr("--tls-cert"));
}

// VerifyLog with `token`: the status only.
grpc::StatusCode VerifyLogAs(SccdProcess& server, const std::string& token) {
  auto stub = v1::AuditService::NewStub(server.channel());
  v1::VerifyLogResponse response;
  return stub->VerifyLog(Authorized(token).get(), v1::VerifyLogRequest(), &response).error_code();
}

TEST(ServerOptionsTest, TokensAreRotatedOnSighupWithoutARestart) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  constexpr char kRotated[] = "t-rotated-auditor";
  EXPECT_EQ(VerifyLogAs(server, kRotated), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(VerifyLogAs(server, kAuditorToken), grpc::StatusCode::OK);

  // The new file replaces the old one whole: the rotated token in, every old one out.
  std::ofstream(server.tokens_path()) << server::HashToken(kRotated) << " auditor-2 auditor\n";
  server.Signal(SIGHUP);
  ASSERT_TRUE(server.WaitForLog("SIGHUP: 1 tokens loaded")) << server.Log();
  EXPECT_EQ(VerifyLogAs(server, kRotated), grpc::StatusCode::OK);
  EXPECT_EQ(VerifyLogAs(server, kAuditorToken), grpc::StatusCode::UNAUTHENTICATED);

  // A broken file is refused and the tokens in force stay.
  std::ofstream(server.tokens_path()) << "not-a-hash someone auditor\n";
  server.Signal(SIGHUP);
  ASSERT_TRUE(server.WaitForLog("tokens NOT reloaded")) << server.Log();
  EXPECT_EQ(VerifyLogAs(server, kRotated), grpc::StatusCode::OK);
}

}  // namespace
}  // namespace scc::testing
