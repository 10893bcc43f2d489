// The read audit on the real sccd: each view of an institution's file — its status, audit trail
// and page of the termly report, over gRPC or the JSON API — is recorded with who, role, what
// and from where; a refused read is not a view; auditors ask "who viewed this school's file"
// and "what did this user view", and a Lead Officer may not ask.
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "scc/v1/reports.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;

class FileReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    namespace t = domain::testing;
    Send("100001", t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
    Send("100001", t::RaiseConcern(), "2024-09-20");
    Send("100001", t::Designate(), "2024-10-01");  // so the autumn report has its page
    Send("100002", t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  }

  void Send(const std::string& urn, const v1::EventPayload& payload, const std::string& date) {
    const grpc::Status s = RecordCommand(server_->channel(), kHosiToken, urn, payload, date,
                                         absl::StrCat("req-", ++requests_));
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status History(const char* token, const std::string& urn) {
    SccClient client(server_->channel(), token);
    v1::GetHistoryRequest request;
    request.set_urn(urn);
    v1::GetHistoryResponse page;
    return client.audit().GetHistory(client.NewContext().get(), request, &page);
  }

  // The auditor's answer: every read finished before the call is in it (ListFileReads writes
  // what the audit has queued first).
  v1::ListFileReadsResponse List(const v1::ListFileReadsRequest& request) {
    SccClient auditor(server_->channel(), kAuditorToken);
    v1::ListFileReadsResponse response;
    const grpc::Status s =
        auditor.audit().ListFileReads(auditor.NewContext().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int requests_ = 0;
};

TEST_F(FileReadsTest, WhoViewedThisSchoolsFile) {
  ASSERT_TRUE(History(kHosiToken, "100001").ok());
  ASSERT_TRUE(History(kHeadteacherToken, "100001").ok());
  EXPECT_EQ(History(kHeadteacherToken, "100002").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // refused: not a view
  SccClient lo(server_->channel(), kLeadOfficerToken);
  v1::GetInstitutionRequest status;
  status.set_urn("100001");
  v1::InstitutionStatus answer;
  ASSERT_TRUE(lo.projections().GetInstitution(lo.NewContext().get(), status, &answer).ok());
  httplib::Client http(server_->http_url());
  auto json = http.Post("/v1/scc.v1.AuditService/GetHistory",
                        {{"Authorization", absl::StrCat("Bearer ", kSrgToken)}},
                        "{\"urn\":\"100001\"}", "application/json");
  ASSERT_TRUE(json && json->status == 200);
  v1::GenerateTermReportRequest report;
  report.set_term("2024-autumn");
  v1::ReportFile file;
  ASSERT_TRUE(v1::ReportService::NewStub(server_->channel())
                  ->GenerateTermReport(Authorized(kReaderToken).get(), report, &file)
                  .ok());

  v1::ListFileReadsRequest request;
  request.set_urn("100001");
  const v1::ListFileReadsResponse reads = List(request);
  std::vector<std::string> seen;
  for (const v1::FileRead& r : reads.reads()) {
    EXPECT_EQ(r.urn(), "100001");
    EXPECT_FALSE(r.peer().empty());
    EXPECT_TRUE(r.has_at());
    seen.push_back(absl::StrCat(r.user(), " ", v1::Role_Name(r.role()), " ", r.rpc()));
  }
  // Newest first.
  EXPECT_THAT(seen, ::testing::ElementsAre(
                        "board-reader ROLE_REPORT_READER GenerateTermReport",
                        "srg-chair ROLE_SRG_MEMBER GetHistory",
                        "lo-ann ROLE_LEAD_OFFICER GetInstitution",
                        "head-100001 ROLE_HEADTEACHER GetHistory",
                        "hosi ROLE_HEAD_OF_SCHOOL_IMPROVEMENT GetHistory"));

  // What one user viewed: the headteacher's one view (the refused one is not there).
  v1::ListFileReadsRequest by_user;
  by_user.set_user("head-100001");
  EXPECT_EQ(List(by_user).reads_size(), 1);

  // A Lead Officer may not see who viewed what.
  v1::ListFileReadsResponse refused;
  EXPECT_EQ(lo.audit().ListFileReads(lo.NewContext().get(), request, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(FileReadsTest, OffWhenTheRetentionIsZero) {
  server_.reset();
  auto started = SccdProcess::Start(dir_.Sub("off"),
                                    SccdProcess::Options{.extra_args = {"--read-audit-days", "0"}});
  ASSERT_TRUE(started.ok()) << started.status();
  SccClient auditor((*started)->channel(), kAuditorToken);
  v1::ListFileReadsResponse response;
  const grpc::Status s =
      auditor.audit().ListFileReads(auditor.NewContext().get(), v1::ListFileReadsRequest(), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("--read-audit-days"));
}

}  // namespace
}  // namespace scc::testing
