// Hostile field values against the real sccd: a URN of thousands of characters, control
// characters (NUL, escape, line breaks where one line is expected), a blank request id and dates
// far in the future or before 1900. Each is INVALID_ARGUMENT naming the field, and nothing is
// recorded; free text keeps its line breaks and tabs.
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
namespace t = domain::testing;

constexpr char kUrn[] = "100001";

// The fields a refusal names, from its google.rpc.BadRequest details.
std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  google::rpc::Status details;
  details.ParseFromString(status.error_details());
  std::vector<std::string> fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (any.type_url() == "type.googleapis.com/google.rpc.BadRequest" &&
        bad.ParseFromString(any.value())) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

class InputChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    ASSERT_TRUE(Send(Context(), t::Register()).ok());
  }

  v1::CommandContext Context(const std::string& urn = kUrn) {
    v1::CommandContext context;
    context.set_urn(urn);
    context.set_request_id(absl::StrCat("req-", ++requests_));
    context.set_effective_date("2024-09-02");
    context.set_reason("recorded by the test");
    return context;
  }

  grpc::Status Send(const v1::CommandContext& context, const v1::EventPayload& payload) {
    v1::CommandResult result;
    return client::SccClient(server_->channel(), kHosiToken).Send(context, payload, &result);
  }

  // Expects `status` to be INVALID_ARGUMENT naming `field`.
  static void ExpectRefused(const grpc::Status& status, const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_code() << " " << status.error_message().substr(0, 300);
    EXPECT_THAT(status.error_message(), HasSubstr(field + ":"));
    EXPECT_THAT(ViolatedFields(status), Contains(field));
  }

  size_t Recorded() {
    v1::GetHistoryRequest request;
    request.set_urn(kUrn);
    v1::GetHistoryResponse response;
    const grpc::Status status = v1::AuditService::NewStub(server_->channel())
                                    ->GetHistory(Authorized(kHosiToken).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.events_size();
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int requests_ = 0;
};

TEST_F(InputChecksTest, AHugeUrnGetsItsRealError) {
  const std::string huge(5000, '1');
  const grpc::Status command = Send(Context(huge), t::Visit());
  ExpectRefused(command, "context.urn");
  EXPECT_THAT(command.error_message(), HasSubstr("(5000 characters) is not a URN"));
  EXPECT_LT(command.error_message().size(), 300u);

  v1::GetInstitutionRequest request;
  request.set_urn(huge);
  v1::InstitutionStatus response;
  const grpc::Status query = v1::ProjectionService::NewStub(server_->channel())
                                 ->GetInstitution(Authorized(kHosiToken).get(), request, &response);
  ExpectRefused(query, "urn");
  EXPECT_EQ(Recorded(), 1u);
}

TEST_F(InputChecksTest, ControlCharactersAreRefusedNamingTheField) {
  v1::CommandContext nul = Context();
  nul.mutable_notes()->set_text(std::string("Visit agreed\0 with the head", 27));
  const grpc::Status notes = Send(nul, t::Visit());
  ExpectRefused(notes, "context.notes.text");
  EXPECT_THAT(notes.error_message(), HasSubstr("U+0000"));

  v1::EventPayload visit = t::Visit();
  visit.mutable_visit_recorded()->set_visitor("lo-ann\n## Injected heading");
  ExpectRefused(Send(Context(), visit), "visit.visitor");
  visit.mutable_visit_recorded()->set_visitor("lo-ann\x1b[2J");
  ExpectRefused(Send(Context(), visit), "visit.visitor");
  EXPECT_EQ(Recorded(), 1u);

  // Free text keeps its line breaks and tabs.
  v1::CommandContext lines = Context();
  lines.mutable_notes()->set_text("Agreed:\r\n\t- coaching\n\t- governance review");
  EXPECT_TRUE(Send(lines, t::Visit()).ok());
  EXPECT_EQ(Recorded(), 2u);
}

TEST_F(InputChecksTest, ABlankRequestIdIsRefused) {
  v1::CommandContext blank = Context();
  blank.set_request_id("   ");
  const grpc::Status status = Send(blank, t::Visit());
  ExpectRefused(status, "context.request_id");
  EXPECT_THAT(status.error_message(), HasSubstr("only spaces"));
  EXPECT_EQ(Recorded(), 1u);
}

TEST_F(InputChecksTest, DatesAreBounded) {
  v1::EventPayload visit = t::Visit();
  visit.mutable_visit_recorded()->set_note_status_on("9999-12-31");
  const grpc::Status far = Send(Context(), visit);
  ExpectRefused(far, "visit.note_status_on");
  EXPECT_THAT(far.error_message(), HasSubstr("is in the future"));
  visit.mutable_visit_recorded()->set_note_status_on("1899-12-31");
  ExpectRefused(Send(Context(), visit), "visit.note_status_on");

  v1::EventPayload notice = t::WarningNotice("9999-12-31");
  const grpc::Status planned = Send(Context(), notice);
  ExpectRefused(planned, "warning_notice.compliance_period_ends_on");
  EXPECT_THAT(planned.error_message(), HasSubstr("more than 5 years ahead"));
  EXPECT_EQ(Recorded(), 1u);

  // A list as of a date: up to the same horizon.
  v1::ListInstitutionsRequest request;
  request.mutable_options()->set_as_of("9999-12-31");
  v1::ListInstitutionsResponse response;
  auto projections = v1::ProjectionService::NewStub(server_->channel());
  ExpectRefused(projections->ListInstitutions(Authorized(kHosiToken).get(), request, &response),
                "options.as_of");
  request.mutable_options()->set_as_of("2026-01-31");
  EXPECT_TRUE(
      projections->ListInstitutions(Authorized(kHosiToken).get(), request, &response).ok());
}

// A form's "check your answers" asks the server first: validate_only decides the command in
// full, refuses what a real one would be refused, and records nothing.
TEST_F(InputChecksTest, ValidateOnlyDecidesAndRecordsNothing) {
  v1::CommandContext context = Context();
  context.set_effective_date("2024-09-20");
  context.set_validate_only(true);
  v1::CommandResult result;
  client::SccClient hosi(server_->channel(), kHosiToken);
  const grpc::Status checked = hosi.Send(context, t::RaiseConcern(), &result);
  ASSERT_TRUE(checked.ok()) << checked.error_message();
  EXPECT_TRUE(result.validated_only());
  EXPECT_EQ(result.event_ids_size(), 0);
  EXPECT_EQ(result.state(), v1::FLOWCHART_STATE_AT_RISK);  // what it would be
  EXPECT_EQ(Recorded(), 1u);
  v1::EventPayload no_evidence = t::RaiseConcern();
  no_evidence.mutable_concern_raised()->mutable_triggers(0)->clear_evidence();
  context.set_request_id("req-validate-2");
  ExpectRefused(Send(context, no_evidence), "concern.triggers[0].evidence");
  // The same command sent for real is recorded.
  context.set_validate_only(false);
  context.set_request_id("req-validate-3");
  ASSERT_TRUE(hosi.Send(context, t::RaiseConcern(), &result).ok());
  EXPECT_FALSE(result.validated_only());
  EXPECT_EQ(Recorded(), 2u);
}

// a Lead Officer is chosen from the directory (the users the tokens file names); a typo is
// refused naming the field instead of creating a phantom officer, and a name left out is the
// directory's.
TEST_F(InputChecksTest, ALeadOfficerIsOneTheDirectoryKnows) {
  auto on = [&](const char* date) {
    v1::CommandContext context = Context();
    context.set_effective_date(date);
    return context;
  };
  const grpc::Status concern = Send(on("2024-09-20"), t::RaiseConcern());
  ASSERT_TRUE(concern.ok()) << concern.error_message();
  const grpc::Status designated = Send(on("2024-10-01"), t::Designate());
  ASSERT_TRUE(designated.ok()) << designated.error_message();
  const grpc::Status typo = Send(on("2024-10-05"), t::AssignLeadOfficer("lo-anne"));
  ExpectRefused(typo, "lead_officer.lead_officer_id");
  EXPECT_THAT(typo.error_message(), HasSubstr("no user 'lo-anne' in the directory"));
  const grpc::Status auditor = Send(on("2024-10-05"), t::AssignLeadOfficer("auditor"));
  ExpectRefused(auditor, "lead_officer.lead_officer_id");
  EXPECT_THAT(auditor.error_message(), HasSubstr("is auditor in the directory, not a Lead Officer"));
  EXPECT_EQ(Recorded(), 3u);

  v1::EventPayload unnamed = t::AssignLeadOfficer("lo-bob");
  unnamed.mutable_lead_officer_assigned()->clear_lead_officer_name();
  v1::CommandResult result;
  const grpc::Status assigned =
      client::SccClient(server_->channel(), kHosiToken).Send(on("2024-10-05"), unnamed, &result);
  ASSERT_TRUE(assigned.ok()) << assigned.error_message();
  v1::GetInstitutionRequest get;
  get.set_urn(kUrn);
  get.mutable_options()->set_min_position(result.global_position());  // read our own write
  v1::InstitutionStatus status;
  auto projections = v1::ProjectionService::NewStub(server_->channel());
  ASSERT_TRUE(projections->GetInstitution(Authorized(kHosiToken).get(), get, &status).ok());
  EXPECT_EQ(status.lead_officer_id(), "lo-bob");

  // The directory itself, by role.
  v1::ListUsersRequest request;
  request.set_role(v1::ROLE_LEAD_OFFICER);
  v1::ListUsersResponse users;
  auto admin = v1::AdminService::NewStub(server_->channel());
  ASSERT_TRUE(admin->ListUsers(Authorized(kLeadOfficerToken).get(), request, &users).ok());
  std::vector<std::string> ids;
  for (const v1::User& u : users.users()) {
    EXPECT_EQ(u.role(), v1::ROLE_LEAD_OFFICER);
    ids.push_back(u.user());
  }
  EXPECT_THAT(ids, Contains("lo-ann"));
  EXPECT_THAT(ids, Contains("lo-bob"));
  EXPECT_THAT(ids, ::testing::Not(Contains("auditor")));
}

}  // namespace
}  // namespace scc::testing
