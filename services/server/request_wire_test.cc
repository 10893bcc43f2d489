// The call frame's building blocks without a server: the request check against the contract,
// per-caller shares, and failed-authentication throttling.
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "scc/v1/projections.pb.h"
#include "scc/v1/workflow.pb.h"
#include "services/server/call_frame.h"

namespace scc::server {
namespace {

using ::testing::HasSubstr;

TEST(RequestWireTest, AWellFormedRequestPasses) {
  v1::GetInstitutionRequest request;
  request.set_urn("100001");
  request.mutable_options()->set_as_of("2025-01-31");
  request.mutable_options()->set_min_position(7);
  EXPECT_TRUE(RequestWire::Check(request.SerializeAsString(), request.GetDescriptor()).ok());
  EXPECT_TRUE(RequestWire::Check("", request.GetDescriptor()).ok());
}

TEST(RequestWireTest, AnUnknownFieldIsNamedWithItsPath) {
  v1::RecordVisitRequest request;
  request.mutable_context()->set_urn("100001");
  request.mutable_context()->mutable_notes()->set_text("seen");
  auto* notes = request.mutable_context()->mutable_notes();
  notes->GetReflection()->MutableUnknownFields(notes)->AddFixed32(42, 1);
  const absl::Status status =
      RequestWire::Check(request.SerializeAsString(), request.GetDescriptor());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown field number 42 in context.notes"));
}

TEST(RequestWireTest, InvalidUtf8IsNamedWithItsField) {
  const absl::Status status =
      RequestWire::Check(std::string("\x0a\x01\xff", 3), v1::GetInstitutionRequest::descriptor());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("field 'urn' is not valid UTF-8"));
}

TEST(RequestWireTest, GarbledAndTruncatedBytesAreRefused) {
  for (const std::string& bytes :
       {std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11),
        std::string("\x0a\x10" "short", 7), std::string("\x12\x05\x0a\x01", 4),
        std::string("\x08", 1), std::string("\x0d\x01\x02", 3)}) {
    const absl::Status status =
        RequestWire::Check(bytes, v1::GetInstitutionRequest::descriptor());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << absl::CHexEscape(bytes);
  }
}

TEST(RequestWireTest, NestingPastTheLimitIsRefused) {
  auto nest = [](int depth) {
    google::protobuf::Value value;
    google::protobuf::Value* at = &value;
    for (int i = 0; i < depth; ++i) at = at->mutable_list_value()->add_values();
    at->set_string_value("bottom");
    return value.SerializeAsString();
  };
  const auto* type = google::protobuf::Value::descriptor();
  // Each level is two messages: a Value and its ListValue.
  EXPECT_TRUE(RequestWire::Check(nest(RequestWire::kMaxNesting / 2), type).ok());
  const absl::Status deep = RequestWire::Check(nest(RequestWire::kMaxNesting), type);
  EXPECT_EQ(deep.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(deep.message(), HasSubstr("nested more than 32 messages deep"));
}

TEST(SharesTest, OneCallerGetsAtMostItsShareAndGivingBackFreesIt) {
  Shares shares(3, 2);
  EXPECT_TRUE(shares.Take("ann", "calls").ok());
  EXPECT_TRUE(shares.Take("ann", "calls").ok());
  const absl::Status mine = shares.Take("ann", "calls");
  EXPECT_EQ(mine.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(mine.message(), HasSubstr("server busy, retry: ann holds 2 places for calls, the most "
                                           "one caller may (2 of 3)"));
  EXPECT_TRUE(shares.Take("bob", "calls").ok());
  const absl::Status all = shares.Take("cat", "calls");
  EXPECT_THAT(all.message(), HasSubstr("server busy, retry: all 3 places for calls are taken"));
  shares.Give("ann");
  EXPECT_EQ(shares.held(), 2u);
  EXPECT_TRUE(shares.Take("cat", "calls").ok());
}

TEST(AuthThrottleTest, AnAddressIsRefusedAfterItsFailuresUntilTheWindowEnds) {
  AuthThrottle throttle(2, absl::Hours(1));
  throttle.Failed("ipv4:10.0.0.7");
  EXPECT_TRUE(throttle.Check("ipv4:10.0.0.7").ok());
  throttle.Failed("ipv4:10.0.0.7");
  const absl::Status refused = throttle.Check("ipv4:10.0.0.7");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("retry after 3600 s"));
  EXPECT_TRUE(throttle.Check("ipv4:10.0.0.8").ok());
  EXPECT_EQ(throttle.refused(), 1u);
  EXPECT_EQ(throttle.throttled_addresses(), 1u);

  AuthThrottle ended(1, absl::ZeroDuration());  // every window is over at once
  ended.Failed("ipv4:10.0.0.7");
  EXPECT_TRUE(ended.Check("ipv4:10.0.0.7").ok());
  EXPECT_EQ(ended.throttled_addresses(), 0u);
}

}  // namespace
}  // namespace scc::server
