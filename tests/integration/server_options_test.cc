// sccd as an operator starts it: the gRPC health service answers, and plaintext on a
// non-loopback address is refused unless --insecure is given.
#include <sys/wait.h>

#include <cstdio>

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
  const std::string command = absl::StrCat(SCCD_BIN, " --listen 0.0.0.0:0 --data ",
                                           dir.Sub("data"), " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_THAT(out, ::testing::HasSubstr("refusing to serve plaintext gRPC on 0.0.0.0:0"));
  EXPECT_THAT(out, ::testing::HasSubstr("--insecure"));
}

}  // namespace
}  // namespace scc::testing
