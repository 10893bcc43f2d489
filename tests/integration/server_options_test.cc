// sccd as an operator runs it: the gRPC health service answers, plaintext on a non-loopback
// address is refused unless --insecure is given, SIGHUP rotates the tokens, and open Watch
// streams are bounded.
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
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
  // HealthCheckRequest{service: ""} serialises to no bytes.
  std::string response;
  const grpc::Status status =
      CallByPath((*server)->channel(), "/grpc.health.v1.Health/Check", "", "", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // HealthCheckResponse{status: SERVING} is field 1, varint 1.
  EXPECT_EQ(response, std::string("\x08\x01", 2));
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

TEST(ServerOptionsTest, ARewrittenTokensFileIsPickedUpWithoutASignal) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"),
                                    std::vector<std::string>{"--tokens-poll-seconds", "1"});
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  constexpr char kRotated[] = "t-rotated-by-file";
  EXPECT_EQ(VerifyLogAs(server, kRotated), grpc::StatusCode::UNAUTHENTICATED);

  // Written aside and renamed into place, as an operator's script should.
  const std::string next = server.tokens_path() + ".next";
  std::ofstream(next) << server::HashToken(kRotated) << " auditor-3 auditor\n";
  ASSERT_EQ(std::rename(next.c_str(), server.tokens_path().c_str()), 0);
  ASSERT_TRUE(server.WaitForLog("tokens file changed: 1 tokens loaded")) << server.Log();
  EXPECT_EQ(VerifyLogAs(server, kRotated), grpc::StatusCode::OK);
  EXPECT_EQ(VerifyLogAs(server, kAuditorToken), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(ServerOptionsTest, DeniedCallsAreLoggedWithThePeerEvenWithoutAnAccessLog) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"),
                                    std::vector<std::string>{"--no-access-log"});
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  EXPECT_EQ(VerifyLogAs(server, kAuditorToken), grpc::StatusCode::OK);
  EXPECT_EQ(VerifyLogAs(server, "t-guess"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(VerifyLogAs(server, kLeadOfficerToken), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(server.WaitForLog("\"status\":\"PERMISSION_DENIED\"")) << server.Log();
  const std::string log = server.Log();
  EXPECT_THAT(log, ::testing::HasSubstr("\"status\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(log, ::testing::HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
  EXPECT_THAT(log, ::testing::Not(::testing::HasSubstr("\"status\":\"OK\"")));
}

TEST(ServerOptionsTest, LogLinesAreJsonWithALevelAndTheLevelFilters) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(dir.Sub("data"),
                                    std::vector<std::string>{"--log-level", "warn"});
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  EXPECT_EQ(VerifyLogAs(server, kAuditorToken), grpc::StatusCode::OK);
  EXPECT_EQ(VerifyLogAs(server, kReaderToken), grpc::StatusCode::OK);
  EXPECT_EQ(VerifyLogAs(server, kLeadOfficerToken), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(server.WaitForLog("\"level\":\"warn\",\"method\":\"VerifyLog\"")) << server.Log();
  const std::string log = server.Log();
  EXPECT_THAT(log, ::testing::HasSubstr("\"actor\":\"lo-ann\",\"role\":\"lead_officer\""));
  EXPECT_THAT(log, ::testing::Not(::testing::HasSubstr("\"level\":\"info\"")));

  const CommandOutcome bad =
      RunCommand(absl::StrCat(SCCD_BIN, " --data ", dir.Sub("other"), " --log-level chatty"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.out, ::testing::HasSubstr("--log-level 'chatty' is not debug, info, warn or error"));
}

// A Watch as the auditor; heartbeats every second, so an open stream always has a message.
struct OpenWatch {
  std::unique_ptr<grpc::ClientContext> context = Authorized(kAuditorToken);
  std::unique_ptr<grpc::ClientReader<v1::WatchResponse>> stream;
  explicit OpenWatch(v1::AuditService::Stub& stub) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::WatchRequest request;
    request.set_heartbeat_seconds(1);
    stream = stub.Watch(context.get(), request);
  }
  // OK while the stream is open; the final status once the server has ended it.
  grpc::Status FirstMessage() {
    v1::WatchResponse message;
    return stream->Read(&message) ? grpc::Status::OK : stream->Finish();
  }
  grpc::Status Close() {
    context->TryCancel();
    v1::WatchResponse message;
    while (stream->Read(&message)) {
    }
    return stream->Finish();
  }
};

TEST(ServerOptionsTest, WatchStreamsPastTheLimitAreRefused) {
  storage::testing::TempDir dir;
  auto started = SccdProcess::Start(
      dir.Sub("data"),
      std::vector<std::string>{"--max-watches", "2", "--max-watches-per-caller", "2"});
  ASSERT_TRUE(started.ok()) << started.status();
  auto stub = v1::AuditService::NewStub((*started)->channel());

  OpenWatch first(*stub), second(*stub);
  ASSERT_TRUE(first.FirstMessage().ok());
  ASSERT_TRUE(second.FirstMessage().ok());
  OpenWatch third(*stub);
  const grpc::Status refused = third.FirstMessage();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("the server allows 2"));

  // Closing a stream frees its place (once the server has let go of it).
  EXPECT_EQ(first.Close().error_code(), grpc::StatusCode::CANCELLED);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  grpc::Status again;
  do {
    OpenWatch next(*stub);
    again = next.FirstMessage();
    if (again.ok()) next.Close();
  } while (again.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(again.ok()) << again.error_message();
  second.Close();
}

}  // namespace
}  // namespace scc::testing
