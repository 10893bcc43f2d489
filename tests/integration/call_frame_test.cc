// The call frame of the real sccd (services/server/call_frame.h): credentials before request
// bytes, requests that do not decode or carry fields the contract does not know, throttling of
// wrong credentials, Watch places per caller, reads waiting for min_position that hold no
// thread, and the bounded queue of long calls.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.grpc.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/reports.grpc.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/event_log.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<SccdProcess> Start(const std::string& data, std::vector<std::string> args = {}) {
  auto started = SccdProcess::Start(data, std::move(args));
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

// The value of an unlabelled metric; -1 when the scrape fails or lacks it.
double Metric(const SccdProcess& server, const std::string& name) {
  httplib::Client http(absl::StrCat("http://", server.metrics_address()));
  auto scraped = http.Get("/metrics");
  if (!scraped || scraped->status != 200) return -1;
  for (absl::string_view line : absl::StrSplit(scraped->body, '\n')) {
    if (!absl::ConsumePrefix(&line, name + " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return -1;
}

constexpr char kGetInstitution[] = "/scc.v1.ProjectionService/GetInstitution";
constexpr char kRegister[] = "/scc.v1.InstitutionService/RegisterInstitution";

v1::RegisterInstitutionRequest Registration() {
  v1::RegisterInstitutionRequest request;
  request.mutable_context()->set_urn("100001");
  request.mutable_context()->set_request_id("register-1");
  request.mutable_context()->set_effective_date("2024-09-01");
  request.mutable_context()->set_reason("recorded by the test");
  *request.mutable_registered() = domain::testing::Register().institution_registered();
  return request;
}

TEST(CallFrameTest, RequestsThatDoNotDecodeAreInvalidArgumentNamingTheMethodLoggedAndCounted) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"));
  ASSERT_NE(server, nullptr);
  std::string nested;  // 200 nested groups of an unknown field, past protobuf's limit of 100
  for (int i = 0; i < 200; ++i) nested += "\x7b";  // field 15, start group
  for (int i = 0; i < 200; ++i) nested += "\x7c";  // field 15, end group
  const struct {
    std::string bytes;
    std::string why;
  } cases[] = {
      {std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11), "garbled"},
      {std::string("\x0a\x02\xc3\x28", 4), "field 'urn' is not valid UTF-8"},
      {nested, "unknown field number 15"},
  };
  for (const auto& c : cases) {
    std::string response;
    const grpc::Status status =
        CallByPath(server->channel(), kGetInstitution, c.bytes, kReaderToken, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("GetInstitution: the request is not a valid "
                                                  "scc.v1.GetInstitutionRequest"));
    EXPECT_THAT(status.error_message(), HasSubstr(c.why));
  }
  EXPECT_TRUE(server->WaitForLog("\"INVALID_ARGUMENT\"", 3)) << server->Log();
  EXPECT_THAT(server->Log(), HasSubstr("\"method\":\"GetInstitution\""));
  EXPECT_EQ(Metric(*server, "scc_requests_undecodable_total"), 3);
}

TEST(CallFrameTest, UnknownFieldsInAPayloadOrInNotesAreRefusedAndNeverReachTheLog) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"));
  ASSERT_NE(server, nullptr);

  v1::RegisterInstitutionRequest in_payload = Registration();
  in_payload.mutable_registered()
      ->GetReflection()
      ->MutableUnknownFields(in_payload.mutable_registered())
      ->AddLengthDelimited(999, "hidden");
  v1::RegisterInstitutionRequest in_notes = Registration();
  in_notes.mutable_context()->mutable_notes()->set_text("a visit");
  in_notes.mutable_context()
      ->mutable_notes()
      ->GetReflection()
      ->MutableUnknownFields(in_notes.mutable_context()->mutable_notes())
      ->AddVarint(77, 1);
  for (const auto& [request, where] :
       {std::pair{&in_payload, "unknown field number 999 in registered"},
        std::pair{&in_notes, "unknown field number 77 in context.notes"}}) {
    std::string response;
    const grpc::Status status = CallByPath(server->channel(), kRegister,
                                           request->SerializeAsString(), kHosiToken, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("RegisterInstitution: "));
    EXPECT_THAT(status.error_message(), HasSubstr(where));
  }
  v1::ReadEventsResponse events;
  client::SccClient auditor(server->channel(), kAuditorToken);
  ASSERT_TRUE(auditor.audit().ReadEvents(auditor.NewContext().get(), {}, &events).ok());
  EXPECT_EQ(events.events_size(), 0);

  // The same command without them is recorded.
  std::string response;
  EXPECT_TRUE(CallByPath(server->channel(), kRegister, Registration().SerializeAsString(),
                         kHosiToken, &response)
                  .ok());
}

TEST(CallFrameTest, AWatchIsAdmittedLikeEveryOtherCall) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"));
  ASSERT_NE(server, nullptr);
  auto stub = v1::AuditService::NewStub(server->channel());
  v1::WatchRequest request;
  request.set_heartbeat_seconds(1);
  request.GetReflection()->MutableUnknownFields(&request)->AddVarint(99, 1);
  auto context = Authorized(kServiceToken);
  auto stream = stub->Watch(context.get(), request);
  v1::WatchResponse message;
  EXPECT_FALSE(stream->Read(&message));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(),
              HasSubstr("Watch: the request is not a valid scc.v1.WatchRequest: unknown field "
                        "number 99 in the request"));
  EXPECT_EQ(Metric(*server, "scc_requests_undecodable_total"), 1);
}

TEST(CallFrameTest, ALargeRequestWithAWrongTokenIsRefusedWithoutBeingParsed) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"));
  ASSERT_NE(server, nullptr);
  // 1.9 million empty commands: 3.8 MB on the wire, far more once parsed into messages.
  std::string bytes;
  for (int i = 0; i < 1900000; ++i) bytes.append("\x0a\x00", 2);
  [[maybe_unused]] const uint64_t before_kb = ProcessStatusKb(server->pid(), "VmHWM");
  std::vector<std::thread> callers;
  std::atomic<int> refused{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      std::string response;
      const grpc::Status status = CallByPath(
          server->channel(), "/scc.v1.BulkService/SubmitCommands", bytes, "not-a-token", &response);
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) ++refused;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(refused.load(), 8);
  EXPECT_EQ(Metric(*server, "scc_request_bytes_parsed_total"), 0);
  // Parsed first, the same calls took peak memory up by about 300 MB. (Not measured under
  // AddressSanitizer, whose quarantine keeps freed buffers resident.)
#ifndef __SANITIZE_ADDRESS__
  const uint64_t grown_mb = (ProcessStatusKb(server->pid(), "VmHWM") - before_kb) / 1024;
  EXPECT_LT(grown_mb, 120u) << "peak memory grew by " << grown_mb << " MB";
#endif
}

TEST(CallFrameTest, AnAddressSendingWrongTokensIsThrottledAndCounted) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"), {"--auth-failures", "3", "--auth-window-seconds", "2"});
  ASSERT_NE(server, nullptr);
  auto admin = v1::AdminService::NewStub(server->channel());
  v1::CallerIdentity me;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(admin->WhoAmI(Authorized("guess").get(), {}, &me).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Now even a good token from that address is refused, unread, until the window is over.
  const grpc::Status throttled = admin->WhoAmI(Authorized(kHosiToken).get(), {}, &me);
  EXPECT_EQ(throttled.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(throttled.error_message(), HasSubstr("too many failed sign-ins"));
  EXPECT_THAT(throttled.error_message(), HasSubstr("retry after"));
  EXPECT_EQ(Metric(*server, "scc_auth_throttled_total"), 1);
  EXPECT_EQ(Metric(*server, "scc_auth_throttled_addresses"), 1);

  // The window ends (a wait on the clock, which is what is being tested).
  v1::ServerStatus status;
  grpc::Status answered;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    answered = admin->GetServerStatus(Authorized(kHosiToken).get(), {}, &status);
  } while (answered.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && absl::Now() < give_up);
  ASSERT_TRUE(answered.ok()) << answered.error_message();
  EXPECT_GE(status.throttled_unauthenticated(), 1u);
  EXPECT_EQ(status.denied_unauthenticated(), 3u);
  EXPECT_EQ(status.limits().auth_failures_allowed(), 3u);
}

TEST(CallFrameTest, OneCallerMayHoldOnlyItsShareOfTheWatchStreams) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"), {"--max-watches", "4", "--max-watches-per-caller", "2"});
  ASSERT_NE(server, nullptr);
  auto stub = v1::AuditService::NewStub(server->channel());
  struct Open {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::WatchResponse>> stream;
    bool finished = false;
    grpc::Status First() {
      v1::WatchResponse message;
      if (stream->Read(&message)) return grpc::Status::OK;
      finished = true;
      return stream->Finish();
    }
    ~Open() {
      if (finished) return;
      context->TryCancel();
      v1::WatchResponse message;
      while (stream->Read(&message)) {
      }
      stream->Finish().error_code();
    }
  };
  auto open = [&](const char* token) {
    auto o = std::make_unique<Open>();
    o->context = Authorized(token);
    o->context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::WatchRequest request;
    request.set_heartbeat_seconds(1);
    o->stream = stub->Watch(o->context.get(), request);
    return o;
  };
  auto first = open(kServiceToken), second = open(kServiceToken);
  ASSERT_TRUE(first->First().ok());
  ASSERT_TRUE(second->First().ok());
  auto third = open(kServiceToken);
  const grpc::Status refused = third->First();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("the most one caller may (2 of the server's 4)"));
  // Another caller still gets one.
  auto other = open(kAuditorToken);
  EXPECT_TRUE(other->First().ok());
}

TEST(CallFrameTest, ManyWaitingReadsFromOneUserLeaveAnotherUsersCallsAnswered) {
  storage::testing::TempDir dir;
  auto server = Start(dir.Sub("data"));
  ASSERT_NE(server, nullptr);
  client::SccClient hosi(server->channel(), kHosiToken);
  v1::CommandContext context;
  context.set_urn("100001");
  context.set_request_id("register-1");
  context.set_effective_date("2024-09-01");
  context.set_reason("recorded by the test");
  v1::CommandResult registered;
  ASSERT_TRUE(hosi.Send(context, domain::testing::Register(), &registered).ok());

  // 64 reads of a position far ahead, each waiting up to 30 s.
  constexpr int kWaiting = 64;
  auto waiter_channel = grpc::CreateCustomChannel(
      server->address(), grpc::InsecureChannelCredentials(), grpc::ChannelArguments());
  auto waiter_stub = v1::ProjectionService::NewStub(waiter_channel);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::InstitutionStatus> answers(kWaiting);
  absl::Mutex mu;
  int finished = 0;
  v1::GetInstitutionRequest far;
  far.set_urn("100001");
  far.mutable_options()->set_min_position(registered.global_position() + 1000);
  for (int i = 0; i < kWaiting; ++i) {
    contexts.push_back(Authorized(kReaderToken));
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    waiter_stub->async()->GetInstitution(contexts.back().get(), &far, &answers[i],
                                         [&](grpc::Status) {
                                           absl::MutexLock lock(&mu);
                                           ++finished;
                                         });
  }
  // Every one of them is waiting at the server.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (Metric(*server, "scc_reads_waiting") != kWaiting && absl::Now() < give_up) {
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(absl::Condition(
                            +[](int* n) { return *n == kWaiting; }, &finished),
                        absl::Milliseconds(20));
  }
  EXPECT_EQ(Metric(*server, "scc_reads_waiting"), kWaiting);

  // Another user's ordinary calls are all answered, promptly.
  client::SccClient auditor(server->channel(), kAuditorToken);
  auditor.set_deadline(std::chrono::milliseconds(3000));
  int answered = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 8; ++i) {
    v1::GetInstitutionRequest now;
    now.set_urn("100001");
    v1::InstitutionStatus status;
    if (auditor.projections().GetInstitution(auditor.NewContext().get(), now, &status).ok()) {
      ++answered;
    }
  }
  EXPECT_EQ(answered, 8);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));

  for (auto& c : contexts) c->TryCancel();
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* n) { return *n == kWaiting; }, &finished),
                                  absl::Seconds(20)));
}

TEST(CallFrameTest, LongCallsPastTheQueueAreRefusedBusyPromptly) {
  storage::testing::TempDir dir;
  {
    auto log = storage::EventLog::Open(dir.Sub("data") + "/events");
    ASSERT_TRUE(log.ok()) << log.status();
    bench::Generate(**log, 500, 30000, 3);
  }
  auto server = Start(dir.Sub("data"), {"--long-call-threads", "1", "--long-call-queue", "1"});
  ASSERT_NE(server, nullptr);
  auto stub = v1::ReportService::NewStub(server->channel());
  constexpr int kCalls = 8;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::ReportFile> files(kCalls);
  v1::GenerateTermReportRequest request;
  request.set_term("2024-autumn");
  absl::Mutex mu;
  int done = 0, ok = 0, busy = 0;
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(Authorized(kHosiToken));
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    stub->async()->GenerateTermReport(
        contexts.back().get(), &request, &files[i], [&](grpc::Status status) {
          absl::MutexLock lock(&mu);
          ++done;
          if (status.ok()) ++ok;
          if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
              status.error_message().find("server busy, retry") != std::string::npos) {
            ++busy;
          }
        });
  }
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* n) { return *n == kCalls; }, &done),
                                  absl::Seconds(50)));
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
  EXPECT_EQ(ok + busy, kCalls);
}

}  // namespace
}  // namespace scc::testing
