// Every command RPC × every role against the real sccd, with the documented table in
// docs/workflow-commands.md as the oracle: a role the table lists is never refused for its
// role, every other role gets PERMISSION_DENIED naming the RPC, and a call without a token gets
// UNAUTHENTICATED. The table must also name every command RPC the API has.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "scc/v1/workflow.pb.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

namespace pb = google::protobuf;

const std::map<std::string, const char*>& TokenOfRole() {
  static const auto* tokens = new std::map<std::string, const char*>{
      {"head_of_school_improvement", kHosiToken}, {"lead_officer", kLeadOfficerToken},
      {"srg_member", kSrgToken},                  {"early_years_standards_team", kEarlyYearsToken},
      {"auditor", kAuditorToken},                 {"report_reader", kReaderToken},
      {"service_account", kServiceToken}};
  return *tokens;
}

// RPC name -> the roles the documented table allows.
std::map<std::string, std::set<std::string>> DocumentedMatrix() {
  std::ifstream in(WORKFLOW_COMMANDS_DOC);
  std::map<std::string, std::set<std::string>> matrix;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "| RPC |")) {
      in_table = true;
      continue;
    }
    if (!in_table || absl::StartsWith(line, "|---")) continue;
    if (!absl::StartsWith(line, "| ")) break;
    const std::vector<std::string> cells = absl::StrSplit(line, '|');
    if (cells.size() < 6) break;
    std::set<std::string>& roles = matrix[std::string(absl::StripAsciiWhitespace(cells[1]))];
    for (absl::string_view role : absl::StrSplit(cells[5], ',', absl::SkipWhitespace())) {
      roles.insert(std::string(absl::StripAsciiWhitespace(role)));
    }
  }
  return matrix;
}

// Every command RPC of the API: the methods of the services in workflow.proto.
std::vector<const pb::MethodDescriptor*> CommandRpcs() {
  const pb::FileDescriptor* file = v1::RegisterInstitutionRequest::descriptor()->file();
  std::vector<const pb::MethodDescriptor*> rpcs;
  for (int s = 0; s < file->service_count(); ++s) {
    for (int m = 0; m < file->service(s)->method_count(); ++m) rpcs.push_back(file->service(s)->method(m));
  }
  return rpcs;
}

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  // Calls `method` with a context (URN, request id, date) and an empty payload.
  grpc::Status Call(const pb::MethodDescriptor& method, const std::string& token) {
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(method.input_type())->New());
    const pb::Reflection* r = request->GetReflection();
    auto* context = static_cast<v1::CommandContext*>(
        r->MutableMessage(request.get(), method.input_type()->FindFieldByNumber(1)));
    context->set_urn("100001");
    context->set_request_id(absl::StrCat("matrix-", ++calls_));
    context->set_effective_date("2024-09-01");
    r->MutableMessage(request.get(), method.input_type()->FindFieldByNumber(2));

    std::string response;
    return CallByPath(server_->channel(),
                      absl::StrCat("/", method.service()->full_name(), "/", method.name()),
                      request->SerializeAsString(), token, &response);
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int calls_ = 0;
};

TEST_F(AuthorizationMatrixTest, EveryCommandRpcForEveryRoleAsDocumented) {
  const std::map<std::string, std::set<std::string>> matrix = DocumentedMatrix();
  const std::vector<const pb::MethodDescriptor*> rpcs = CommandRpcs();
  ASSERT_EQ(matrix.size(), rpcs.size()) << "the table and the API list different command RPCs";
  int cells = 0;
  for (const pb::MethodDescriptor* method : rpcs) {
    SCOPED_TRACE(method->name());
    auto documented = matrix.find(method->name());
    ASSERT_NE(documented, matrix.end()) << method->name() << " is missing from the table";
    for (const auto& [role, token] : TokenOfRole()) {
      SCOPED_TRACE(role);
      const grpc::Status status = Call(*method, token);
      ++cells;
      if (documented->second.count(role) != 0) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
        EXPECT_THAT(status.error_message(),
                    ::testing::HasSubstr(absl::StrCat("may not call ", method->name())));
      }
    }
    EXPECT_EQ(Call(*method, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(cells, static_cast<int>(rpcs.size() * TokenOfRole().size()));
}

}  // namespace
}  // namespace scc::testing
