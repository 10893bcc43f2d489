// Every RPC of the API × every role against the real sccd, with the table of
// docs/authorization.md as the oracle: a cell "no" gets PERMISSION_DENIED naming the RPC; any
// other cell is never refused for its role on an institution in the role's reach, and "led
// only" / "settings only" cells are refused on one outside it; a call without a token gets
// UNAUTHENTICATED. The table must name every RPC the API has. Denials are counted per peer.
// Then CorrectEvent of a recorded event of every kind × every role, in and out of reach, with
// the document's CorrectEvent table as the oracle.
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
#include "scc/v1/data_protection.pb.h"
#include "scc/v1/bulk.pb.h"
#include "scc/v1/projections.pb.h"
#include "scc/v1/reports.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "clients/cpp/scc_client.h"
#include "services/domain/domain_test_util.h"
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
      {"service_account", kServiceToken},         {"headteacher", kHeadteacherToken},
      {"chair_of_governors", kChairToken}};
  return *tokens;
}

// Row (an RPC, or a corrected event) -> column (a role, or "authorized as") -> cell ("yes",
// "no", "led only", "settings only", or an RPC).
using Matrix = std::map<std::string, std::map<std::string, std::string>>;

// The table of docs/authorization.md whose first column is headed `first_column`.
Matrix DocumentedTable(const std::string& first_column) {
  std::ifstream in(AUTHORIZATION_DOC);
  Matrix matrix;
  std::vector<std::string> columns;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (!absl::StartsWith(line, "| ")) {
      if (!absl::StartsWith(line, "|---")) in_table = false;
      continue;
    }
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|')) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    // "| a | b |" splits into "", "a", "b", "".
    cells = std::vector<std::string>(cells.begin() + 1, cells.end() - 1);
    if (!in_table) {
      in_table = cells[0] == first_column;
      if (in_table) columns.assign(cells.begin() + 1, cells.end());
      continue;
    }
    for (size_t i = 1; i < cells.size() && i - 1 < columns.size(); ++i) {
      matrix[cells[0]][columns[i - 1]] = cells[i];
    }
  }
  return matrix;
}

Matrix DocumentedMatrix() { return DocumentedTable("RPC"); }

// Every RPC of the API: the methods of every scc.v1 service.
std::vector<const pb::MethodDescriptor*> ApiRpcs() {
  std::vector<const pb::MethodDescriptor*> rpcs;
  for (const pb::FileDescriptor* file :
       {v1::RegisterInstitutionRequest::descriptor()->file(), v1::WatchRequest::descriptor()->file(),
        v1::GetInstitutionRequest::descriptor()->file(),
        v1::GenerateTermReportRequest::descriptor()->file(),
        v1::GetServerStatusRequest::descriptor()->file(),
        v1::SubmitCommandsRequest::descriptor()->file(),
        v1::RunRetentionRequest::descriptor()->file()}) {
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
    // One call without a token per RPC: more than the default allows an address before it is
    // throttled, which is not what this test is about.
    auto started = SccdProcess::Start(dir_.Sub("data"), {"--auth-failures", "1000"});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    Register(kLedSchool, v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, "lo-ann");
    Register(kOtherSchool, v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, "lo-bob");
    Register(kLedAcademy, v1::INSTITUTION_KIND_ACADEMY, "lo-ann");
    Register(kOtherAcademy, v1::INSTITUTION_KIND_ACADEMY, "lo-bob");
    Register(kSetting, v1::INSTITUTION_KIND_EARLY_YEARS_SETTING, "");
  }

  static v1::InstitutionDetails Details(const std::string& urn, v1::InstitutionKind kind,
                                        const std::string& lni) {
    v1::InstitutionDetails d;
    d.set_name(absl::StrCat("Institution ", urn));
    d.set_kind(kind);
    d.set_learning_network_inspector(lni);
    d.set_phase(kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING ? v1::PHASE_EARLY_YEARS
                                                                 : v1::PHASE_PRIMARY);
    if (kind == v1::INSTITUTION_KIND_ACADEMY) d.set_trust_name("Northway Learning Trust");
    return d;
  }

  void Register(const std::string& urn, v1::InstitutionKind kind, const std::string& lni) {
    v1::RegisterInstitutionRequest request;
    request.mutable_context()->set_urn(urn);
    request.mutable_context()->set_request_id(absl::StrCat("register-", urn));
    request.mutable_context()->set_effective_date("2024-01-02");
    request.mutable_context()->set_reason("recorded by the test");
    *request.mutable_registered()->mutable_details() = Details(urn, kind, lni);
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
    if (role == "headteacher" || role == "chair_of_governors") {
      return in_reach ? kLedSchool : kOtherSchool;  // their own school is kLedSchool
    }
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
      context->set_reason("recorded by the test");
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

  // Records `payload` for `urn` as the head of school improvement.
  void Record(const std::string& urn, const v1::EventPayload& payload, const std::string& date) {
    v1::CommandContext context;
    context.set_urn(urn);
    context.set_request_id(absl::StrCat("record-", ++calls_));
    context.set_effective_date(date);
    context.set_reason("recorded by the test");
    v1::CommandResult result;
    const grpc::Status status =
        client::SccClient(server_->channel(), kHosiToken).Send(context, payload, &result);
    ASSERT_TRUE(status.ok()) << urn << " " << payload.ShortDebugString() << ": "
                             << status.error_message();
  }

  // Every event of `urn`'s stream, oldest first.
  std::vector<v1::Event> History(const std::string& urn) {
    v1::GetHistoryRequest request;
    request.set_urn(urn);
    request.set_page_size(1000);
    v1::GetHistoryResponse response;
    const grpc::Status status = v1::AuditService::NewStub(server_->channel())
                                    ->GetHistory(Authorized(kHosiToken).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  // CorrectEvent of `event_id` in `urn` as `token`, annotating it (no replacement).
  grpc::Status Correct(const std::string& urn, const std::string& event_id,
                       const std::string& token) {
    v1::CommandContext context;
    context.set_urn(urn);
    context.set_request_id(absl::StrCat("correct-", ++calls_));
    context.set_reason("recorded against the wrong meeting");
    v1::CommandResult result;
    return client::SccClient(server_->channel(), token)
        .Send(context, domain::testing::Correct(event_id, nullptr), &result);
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
        // A school's users read their own school; other roles read every institution.
        EXPECT_EQ(cell, role == "headteacher" || role == "chair_of_governors" ? "own school" : "yes");
        continue;
      }
      // The same command on an institution outside a limited role's reach.
      const grpc::Status outside = Call(*method, token, UrnFor(*method, role, false));
      if (cell == "yes") {
        EXPECT_NE(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << outside.error_message();
        continue;
      }
      ASSERT_TRUE(cell == "led only" || cell == "settings only" || cell == "own school") << cell;
      ++outside_reach;
      EXPECT_EQ(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED) << outside.error_message();
      EXPECT_THAT(outside.error_message(),
                  HasSubstr(cell == "led only"        ? "does not lead"
                            : cell == "own school"    ? "sees only their own school"
                                                      : "early-years settings only"));
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

// Events of every kind a command records, in the led and the other institutions: whole paths
// through the flowchart of a maintained school, an academy and a setting.
TEST_F(AuthorizationMatrixTest, CorrectEventOfEveryKindForEveryRoleAsDocumented) {
  namespace t = domain::testing;
  v1::EventPayload update;
  *update.mutable_institution_updated()->mutable_details() =
      Details(kLedSchool, v1::INSTITUTION_KIND_MAINTAINED_SCHOOL, "lo-ann");
  Record(kLedSchool, update, "2024-01-05");
  Record(kLedSchool, t::Ofsted(v1::OFSTED_GRADE_GOOD, "2024-01-10"), "2024-01-15");
  Record(kLedSchool, t::Rag(), "2024-01-16");
  Record(kLedSchool, t::Visit(), "2024-01-17");
  Record(kLedSchool, t::NoteResponse(History(kLedSchool).back().event_id()), "2024-01-19");
  Record(kLedSchool, t::RaiseConcern(), "2024-09-20");
  Record(kLedSchool, t::NotDesignate(), "2024-09-25");
  Record(kLedSchool, t::RaiseConcern(), "2024-09-26");
  Record(kLedSchool, t::Designate(), "2024-10-01");
  {
    v1::EventPayload letter;
    letter.mutable_letter_produced()->set_kind(v1::LETTER_KIND_DESIGNATION);
    Record(kLedSchool, letter, "2024-10-02");
  }
  Record(kLedSchool, t::AssignLeadOfficer("lo-ann"), "2024-10-05");
  Record(kLedSchool, t::AssignLeadOfficer("lo-raj"), "2024-10-06");  // a reassignment
  Record(kLedSchool, t::AgreePlan(), "2024-10-20");
  Record(kLedSchool, t::Review(), "2024-12-10");
  Record(kLedSchool, t::Mcm(), "2024-12-15");
  Record(kLedSchool, t::SprtMeeting(), "2024-12-16");
  Record(kLedSchool, t::QaMeeting(), "2024-12-17");
  Record(kLedSchool, t::SrgReview(v1::SRG_OUTCOME_CONTINUE), "2024-12-18");
  Record(kLedSchool, t::Engagement(), "2024-12-19");
  Record(kLedSchool, t::ProgressReport(), "2024-12-20");
  Record(kLedSchool, t::NotIssued(), "2024-12-21");
  Record(kLedSchool, t::WarningNotice("2025-02-01"), "2025-01-10");
  Record(kLedSchool, t::WarningComplied(), "2025-02-05");
  Record(kLedSchool, t::PayAndConditionsNotice("2025-02-15", "2025-02-06"), "2025-02-06");
  Record(kLedSchool, t::WarningNotComplied(), "2025-02-16");
  Record(kLedSchool, t::PowersNotUsed(), "2025-02-17");
  Record(kLedSchool, t::WarningNotice("2025-04-01"), "2025-03-01");
  Record(kLedSchool, t::WarningNotComplied(), "2025-04-05");
  Record(kLedSchool, t::NoticeOfIntention(), "2025-04-10");
  Record(kLedSchool, t::Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD),
         "2025-04-20");
  Record(kLedSchool, t::Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD),
         "2025-05-01");
  Record(kLedSchool, t::EndPower(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD),
         "2025-05-20");
  Record(kLedSchool,
         t::Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2025-06-01", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2025-06-10");
  Record(kLedSchool, t::ShortenStatementOfAction("2025-06-20"), "2025-06-11");
  Record(kLedSchool, t::StatementOfAction(), "2025-06-20");
  Record(kLedSchool, t::Rise(), "2025-07-01");
  {
    v1::EventPayload hold;
    hold.mutable_legal_hold_placed()->set_matter("a tribunal claim");
    Record(kLedSchool, hold, "2025-07-02");
    v1::EventPayload lift;
    lift.mutable_legal_hold_lifted();
    Record(kLedSchool, lift, "2025-07-03");
  }
  v1::EventPayload good = t::Ofsted(v1::OFSTED_GRADE_GOOD, "2026-05-01");
  good.mutable_ofsted_outcome_recorded()->add_recommended_reviews(
      v1::RECOMMENDED_REVIEW_GOVERNANCE);
  Record(kLedSchool, good, "2026-05-20");
  Record(kLedSchool, t::ReviewSecured(v1::RECOMMENDED_REVIEW_GOVERNANCE), "2026-05-21");
  Record(kLedSchool, t::Removal(), "2026-06-12");
  Record(kLedSchool, t::SecretaryOfStateNotice("2026-09-01"), "2026-06-12");
  Record(kLedSchool, t::OrderMade(), "2026-06-13");
  Record(kLedSchool, t::OrderRevoked(), "2026-06-14");
  Record(kLedSchool, t::Conversion(), "2026-06-15");
  for (const auto& [payload, date] : std::vector<std::pair<v1::EventPayload, std::string>>{
           {t::Visit(), "2024-01-17"}, {t::RaiseConcern(), "2024-09-20"},
           {t::Designate(), "2024-10-01"}, {t::AssignLeadOfficer("lo-bob"), "2024-10-05"},
           {t::AgreePlan(), "2024-10-20"}}) {
    Record(kOtherSchool, payload, date);
  }
  Record(kLedAcademy, t::AcademyConcern(), "2025-01-10");
  Record(kLedAcademy, t::InformTrust(), "2025-01-20");
  Record(kLedAcademy, t::TrustPlan(), "2025-02-10");
  Record(kLedAcademy, t::Escalate(), "2025-03-05");
  Record(kLedAcademy, t::ResolveAcademy(), "2025-09-01");
  Record(kLedAcademy, t::TrustChange("Riverside Schools Partnership"), "2025-09-02");
  Record(kLedAcademy, t::Predecessor(kOtherSchool), "2025-09-03");
  Record(kOtherAcademy, t::AcademyConcern(), "2025-01-10");
  Record(kOtherAcademy, t::InformTrust(), "2025-01-20");
  Record(kSetting, t::SettingConcern(), "2025-01-10");
  Record(kSetting, t::SettingSupport(), "2025-01-20");
  Record(kSetting, t::SettingPlan(), "2025-02-03");
  Record(kSetting, t::SettingMeeting(), "2025-03-20");
  Record(kSetting, t::SettingRemoved(v1::SETTING_REMOVAL_BASIS_PRACTICE_IMPROVED), "2025-06-01");
  Record(kSetting, t::Closure(), "2025-07-01");
  if (HasFatalFailure()) return;

  const Matrix corrections = DocumentedTable("Corrected event");
  const Matrix rpcs = DocumentedMatrix();
  std::set<std::string> corrected_kinds;
  int allowed = 0, denied = 0, outside_reach = 0;
  for (const std::string urn : {kLedSchool, kOtherSchool, kLedAcademy, kOtherAcademy, kSetting}) {
    const bool led = urn == kLedSchool || urn == kLedAcademy;
    for (const v1::Event& event : History(urn)) {
      const v1::EventPayload& payload = event.payload();
      const std::string kind =
          payload.GetDescriptor()->FindFieldByNumber(payload.kind_case())->message_type()->name();
      if (payload.has_event_corrected()) continue;  // the corrections this test makes
      SCOPED_TRACE(absl::StrCat(urn, " ", kind));
      auto documented = corrections.find(kind);
      ASSERT_NE(documented, corrections.end()) << kind << " is missing from the CorrectEvent table";
      corrected_kinds.insert(kind);
      const std::string& rpc = documented->second.at("authorized as");
      for (const auto& [role, token] : TokenOfRole()) {
        SCOPED_TRACE(role);
        const std::string& cell = documented->second.at(role);
        const grpc::Status status = Correct(urn, event.event_id(), token);
        const bool in_reach = cell == "yes" || (cell == "led only" && led) ||
                              (cell == "settings only" && urn == kSetting);
        if (in_reach) {
          ++allowed;
          EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
          continue;
        }
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << status.error_message();
        if (cell == "no") {
          ++denied;
          // A role that may correct nothing is refused the RPC; any other names what it lacks.
          EXPECT_THAT(status.error_message(),
                      HasSubstr(rpcs.at("CorrectEvent").at(role) == "no"
                                    ? "may not call CorrectEvent"
                                    : absl::StrCat("may not correct ", kind, " events")));
          if (rpcs.at("CorrectEvent").at(role) != "no") {
            EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("may not call ", rpc)));
          }
          continue;
        }
        ++outside_reach;
        EXPECT_THAT(status.error_message(),
                    HasSubstr(cell == "led only" ? "does not lead" : "early-years settings only"));
        EXPECT_THAT(status.error_message(),
                    HasSubstr(absl::StrCat("CorrectEvent of ", kind, ", authorized as ", rpc)));
      }
    }
  }
  // Every kind in the table was corrected, by every role.
  EXPECT_EQ(corrected_kinds.size(), corrections.size());
  EXPECT_GT(allowed, 0);
  EXPECT_GT(denied, 0);
  EXPECT_GT(outside_reach, 0);
}

}  // namespace
}  // namespace scc::testing
