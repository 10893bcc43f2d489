// Every RPC of the API × every role against the real sccd, with the table of
// docs/authorization.md as the oracle: a cell "no" gets PERMISSION_DENIED naming the RPC; any
// other cell is never refused for its role on an institution in the role's reach, and "led
// only" / "settings only" cells are refused on one outside it; a call without a token gets
// UNAUTHENTICATED. The table must name every RPC the API has. Denials are counted per peer.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/audit.grpc.pb.h"
#include "scc/v1/bulk.pb.h"
#include "scc/v1/projections.pb.h"
#include "scc/v1/reports.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;

const std::map<std::string, const char*>& TokenOfRole() {
  static const auto* tokens = new std::map<std::string, const char*>{
      {"head_of_school_improvement", kHosiToken}, {"lead_officer", kLeadOfficerToken},
      {"srg_member", kSrgToken},                  {"early_years_standards_team", kEarlyYearsToken},
      {"auditor", kAuditorToken},                 {"report_reader", kReaderToken},
      {"service_account", kServiceToken}};
  return *tokens;
}

// RPC name -> role -> cell ("yes", "no", "led only", "settings only").
using Matrix = std::map<std::string, std::map<std::string, std::string>>;

Matrix DocumentedMatrix() {
  std::ifstream in(AUTHORIZATION_DOC);
  Matrix matrix;
  std::vector<std::string> roles;
  for (std::string line; std::getline(in, line);) {
    if (!absl::StartsWith(line, "| ") || absl::StartsWith(line, "|---")) continue;
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|')) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    // "| a | b |" splits into "", "a", "b", "".
    cells = std::vector<std::string>(cells.begin() + 1, cells.end() - 1);
    if (cells[0] == "RPC") {
      roles.assign(cells.begin() + 1, cells.end());
      continue;
    }
    for (size_t i = 1; i < cells.size() && i - 1 < roles.size(); ++i) {
      matrix[cells[0]][roles[i - 1]] = cells[i];
    }
  }
  return matrix;
}

// Every RPC of the API: the methods of every scc.v1 service.
std::vector<const pb::MethodDescriptor*> ApiRpcs() {
  std::vector<const pb::MethodDescriptor*> rpcs;
  for (const pb::FileDescriptor* file :
       {v1::RegisterInstitutionRequest::descriptor()->file(), v1::WatchRequest::descriptor()->file(),
        v1::GetInstitutionRequest::descriptor()->file(),
        v1::GenerateTermReportRequest::descriptor()->file(),
        v1::GetServerStatusRequest::descriptor()->file(),
        v1::SubmitCommandsRequest::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        rpcs.push_back(file->service(s)->method(m));
      }
    }
  }
  return rpcs;
}

bool IsCommand(const pb::MethodDescriptor& method) {
  const pb::FieldDescriptor* first = method.input_type()->FindFieldByNumber(1);
  return first != nullptr && first->message_type() == v1::CommandContext::descriptor();
}

// The institutions the test registers. lo-ann (the Lead Officer token) is the named LNI of the
// "led" ones only.
constexpr char kLedSchool[] = "100001";
constexpr char kOtherSchool[] = "100002";
constexpr char kLedAcademy[] = "100003";
constexpr char kOtherAcademy[] = "100004";
constexpr char kSetting[] = "EY100005";

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    Register(kLedSchool, v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, "lo-ann");
    Register(kOtherSchool, v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, "lo-bob");
    Register(kLedAcademy, v1::INSTITUTION_KIND_ACADEMY, "lo-ann");
    Register(kOtherAcademy, v1::INSTITUTION_KIND_ACADEMY, "lo-bob");
    Register(kSetting, v1::INSTITUTION_KIND_EARLY_YEARS_SETTING, "");
  }

  void Register(const std::string& urn, v1::InstitutionKind kind, const std::string& lni) {
    v1::RegisterInstitutionRequest request;
    request.mutable_context()->set_urn(urn);
    request.mutable_context()->set_request_id(absl::StrCat("register-", urn));
    request.mutable_context()->set_effective_date("2024-01-02");
    v1::InstitutionDetails* d = request.mutable_registered()->mutable_details();
    d->set_name(absl::StrCat("Institution ", urn));
    d->set_kind(kind);
    d->set_learning_network_inspector(lni);
    d->set_phase(kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING ? v1::PHASE_EARLY_YEARS
                                                                  : v1::PHASE_PRIMARY);
    if (kind == v1::INSTITUTION_KIND_ACADEMY) d->set_trust_name("Northway Learning Trust");
    v1::CommandResult result;
    const grpc::Status status = v1::InstitutionService::NewStub(server_->channel())
                                    ->RegisterInstitution(Authorized(kHosiToken).get(), request,
                                                          &result);
    ASSERT_TRUE(status.ok()) << urn << ": " << status.error_message();
  }

  // The institution a call by `role` to `method` is made on: in the role's reach, or not.
  static std::string UrnFor(const pb::MethodDescriptor& method, const std::string& role,
                            bool in_reach) {
    const bool academy = method.service()->name() == "AcademyService";
    if (role == "early_years_standards_team") return in_reach ? kSetting : kLedSchool;
    if (academy) return in_reach ? kLedAcademy : kOtherAcademy;
    if (method.service()->name() == "SettingService") return kSetting;
    return in_reach ? kLedSchool : kOtherSchool;
  }

  // Calls `method` as `token`: a command with a context (URN, request id, date) and an empty
  // payload, a query with an empty request, Watch by reading its first message.
  grpc::Status Call(const pb::MethodDescriptor& method, const std::string& token,
                    const std::string& urn) {
    if (method.server_streaming()) return Watch(token);
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(method.input_type())->New());
    if (IsCommand(method)) {
      const pb::Reflection* r = request->GetReflection();
      auto* context = static_cast<v1::CommandContext*>(
          r->MutableMessage(request.get(), method.input_type()->FindFieldByNumber(1)));
      context->set_urn(urn);
      context->set_request_id(absl::StrCat("matrix-", ++calls_));
      context->set_effective_date("2024-09-01");
      r->MutableMessage(request.get(), method.input_type()->FindFieldByNumber(2));
    }
    std::string response;
    return CallByPath(server_->channel(),
                      absl::StrCat("/", method.service()->full_name(), "/", method.name()),
                      request->SerializeAsString(), token, &response);
  }

  grpc::Status Watch(const std::string& token) {
    std::unique_ptr<grpc::ClientContext> context = Authorized(token);
    v1::WatchRequest request;
    request.set_heartbeat_seconds(1);
    auto reader = v1::AuditService::NewStub(server_->channel())->Watch(context.get(), request);
    v1::WatchResponse first;
    if (reader->Read(&first)) {
      context->TryCancel();
      reader->Finish().IgnoreError();
      return grpc::Status::OK;
    }
    return reader->Finish();
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int calls_ = 0;
};

TEST_F(AuthorizationMatrixTest, EveryRpcForEveryRoleAsDocumented) {
  const Matrix matrix = DocumentedMatrix();
  const std::vector<const pb::MethodDescriptor*> rpcs = ApiRpcs();
  ASSERT_EQ(matrix.size(), rpcs.size()) << "the table and the API list different RPCs";
  int cells = 0, denied = 0, outside_reach = 0;
  for (const pb::MethodDescriptor* method : rpcs) {
    SCOPED_TRACE(method->full_name());
    auto documented = matrix.find(method->name());
    ASSERT_NE(documented, matrix.end()) << method->name() << " is missing from the table";
    ASSERT_EQ(documented->second.size(), TokenOfRole().size());
    for (const auto& [role, token] : TokenOfRole()) {
      SCOPED_TRACE(role);
      const std::string& cell = documented->second.at(role);
      const grpc::Status status = Call(*method, token, UrnFor(*method, role, true));
      ++cells;
      if (cell == "no") {
        ++denied;
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
        EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("may not call ", method->name())));
        continue;
      }
      EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
      if (!IsCommand(*method)) {
        EXPECT_EQ(cell, "yes") << "only commands have a limited reach";
        continue;
      }
      // The same command on an institution outside a limited role's reach.
      const grpc::Status outside = Call(*method, token, UrnFor(*method, role, false));
      if (cell == "yes") {
        EXPECT_NE(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << outside.error_message();
        continue;
      }
      ASSERT_TRUE(cell == "led only" || cell == "settings only") << cell;
      ++outside_reach;
      EXPECT_EQ(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED) << outside.error_message();
      EXPECT_THAT(outside.error_message(),
                  HasSubstr(cell == "led only" ? "does not lead" : "early-years settings only"));
    }
    EXPECT_EQ(Call(*method, "", UrnFor(*method, "", true)).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(cells, static_cast<int>(rpcs.size() * TokenOfRole().size()));
  EXPECT_GT(outside_reach, 20);

  // Every denial was logged with the peer address and counted for it.
  v1::ServerStatus status;
  ASSERT_TRUE(v1::AdminService::NewStub(server_->channel())
                  ->GetServerStatus(Authorized(kAuditorToken).get(), {}, &status)
                  .ok());
  EXPECT_EQ(status.denied_permission(), static_cast<uint64_t>(denied + outside_reach));
  EXPECT_EQ(status.denied_unauthenticated(), rpcs.size());
  ASSERT_EQ(status.denied_peers_size(), 1);
  EXPECT_THAT(status.denied_peers(0).peer(), HasSubstr("127.0.0.1"));
  EXPECT_EQ(status.denied_peers(0).permission_denied(), status.denied_permission());
  EXPECT_TRUE(server_->WaitForLog("\"status\":\"PERMISSION_DENIED\"", denied + outside_reach));
  EXPECT_THAT(server_->Log(), HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
}

}  // namespace
}  // namespace scc::testing
