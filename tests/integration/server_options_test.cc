// sccd as an operator starts it: the gRPC health service answers, and plaintext on a
// non-loopback address is refused unless --insecure is given.
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
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

}  // namespace
}  // namespace scc::testing
