// Subject access on the real sccd (UK GDPR Art. 15; docs/data-protection.md): a request is
// recorded as received and falls due a month later; the export finds a person who appears in
// many roles — who recorded a record, Lead Officer, visitor, attendee, headteacher, named in
// notes — with other people's personal data replaced; the export is in the read audit; the
// answer closes the request, and one left too long shows as overdue.
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scc/v1/data_protection.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class SubjectAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(
        dir_.Sub("data"), SccdProcess::Options{.extra_args = {"--today", "2026-12-01"}});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    stub_ = v1::DataProtectionService::NewStub(server_->channel());
  }

  void Send(const std::string& urn, const v1::EventPayload& payload, const std::string& date,
            const std::string& notes = "", const char* token = kHosiToken) {
    const grpc::Status s = RecordCommand(server_->channel(), token, urn, payload, date,
                                         absl::StrCat("req-", ++requests_), notes);
    ASSERT_TRUE(s.ok()) << urn << ": " << s.error_message();
  }

  v1::SubjectAccessRequest Record(const std::string& request_id, const std::string& received_on) {
    v1::RecordSubjectAccessRequestRequest request;
    request.set_request_id(request_id);
    request.mutable_request()->set_person_name("Ann Okafor");
    request.mutable_request()->set_user_id("lo-ann");
    request.mutable_request()->set_received_on(received_on);
    v1::SubjectAccessRequest recorded;
    const grpc::Status s =
        stub_->RecordSubjectAccessRequest(Authorized(kHosiToken).get(), request, &recorded);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return recorded;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  std::unique_ptr<v1::DataProtectionService::Stub> stub_;
  int requests_ = 0;
};

TEST_F(SubjectAccessTest, APersonInManyRolesIsFoundAndOthersAreLeftOut) {
  namespace t = domain::testing;
  Send("100001", t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  Send("100001", t::RaiseConcern(), "2024-09-20");
  Send("100001", t::Designate(), "2024-10-01");
  v1::EventPayload assigned = t::AssignLeadOfficer("lo-ann");
  assigned.mutable_lead_officer_assigned()->set_lead_officer_name("Ann Okafor");
  Send("100001", assigned, "2024-10-05");
  v1::EventPayload visit = t::Visit();
  visit.mutable_visit_recorded()->set_visitor("Ann Okafor");
  Send("100001", visit, "2024-10-10", "Maths lead Bob Smith was candid", kLeadOfficerToken);
  Send("100001", t::AgreePlan(), "2024-10-20");
  v1::EventPayload review = t::Review();
  review.mutable_action_plan_review_held()->add_attendees("Bob Smith");
  review.mutable_action_plan_review_held()->add_attendees("ann okafor");
  Send("100001", review, "2024-11-12", "the review");
  v1::EventPayload other = t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  other.mutable_institution_registered()->mutable_details()->set_headteacher_name("Ann Okafor");
  other.mutable_institution_registered()->mutable_details()->set_chair_of_governors_name("Bob Smith");
  Send("100002", other, "2024-09-01");
  Send("100002", t::Visit(), "2024-12-02", "Met Ann Okafor about the phonics scheme");
  Send("100002", t::Visit(), "2024-12-03", "Nothing about her");

  const v1::SubjectAccessRequest recorded = Record("sar-1", "2026-11-20");
  EXPECT_EQ(recorded.received().due_on(), "2026-12-20");  // one month (Art. 12(3))
  EXPECT_FALSE(recorded.overdue());

  v1::ExportSubjectAccessRequest ask;
  ask.set_id(recorded.id());
  v1::SubjectAccessExport exported;
  const grpc::Status s = stub_->ExportSubjectAccess(Authorized(kHosiToken).get(), ask, &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> found;
  for (const v1::SubjectAccessRecord& r : exported.records()) {
    for (const std::string& why : r.found_as()) found.push_back(absl::StrCat(r.type(), ": ", why));
  }
  EXPECT_THAT(found, Contains("lead_officer_assigned: lead officer id"));
  EXPECT_THAT(found, Contains("lead_officer_assigned: lead officer name"));
  EXPECT_THAT(found, Contains("visit_recorded: recorded it"));
  EXPECT_THAT(found, Contains("visit_recorded: visitor"));
  EXPECT_THAT(found, Contains("action_plan_review_held: attendees"));
  EXPECT_THAT(found, Contains("institution_registered: headteacher name"));
  EXPECT_THAT(found, Contains("visit_recorded: named in notes"));
  EXPECT_EQ(exported.records_size(), 5);  // not the visit "about nothing", nor the plan
  // Other people's data is replaced, in the JSON and on the page.
  EXPECT_THAT(exported.json(), Not(HasSubstr("Bob Smith")));
  EXPECT_THAT(exported.html(), Not(HasSubstr("Bob Smith")));
  EXPECT_THAT(exported.json(), HasSubstr("[another person]"));
  EXPECT_THAT(exported.json(), HasSubstr("[withheld: not about the person]"));
  EXPECT_THAT(exported.json(), HasSubstr("Met Ann Okafor about the phonics scheme"));
  EXPECT_THAT(exported.html(), HasSubstr("The records about Ann Okafor"));

  // The export is a read of the files, in the read audit.
  SccClient auditor(server_->channel(), kAuditorToken);
  v1::ListFileReadsRequest reads;
  reads.set_user("hosi");
  v1::ListFileReadsResponse listed;
  ASSERT_TRUE(auditor.audit().ListFileReads(auditor.NewContext().get(), reads, &listed).ok());
  ASSERT_GE(listed.reads_size(), 1);
  EXPECT_EQ(listed.reads(0).rpc(), "ExportSubjectAccess");

  // Answered: closed. A request received in October and never answered is overdue.
  const v1::SubjectAccessRequest late = Record("sar-2", "2026-10-01");
  EXPECT_TRUE(late.overdue());
  v1::AnswerSubjectAccessRequestRequest answer;
  answer.set_id(recorded.id());
  answer.mutable_answer()->set_answered_on("2026-12-01");
  v1::SubjectAccessRequest answered;
  ASSERT_TRUE(stub_->AnswerSubjectAccessRequest(Authorized(kHosiToken).get(), answer, &answered).ok());
  EXPECT_EQ(answered.answered_on(), "2026-12-01");
  EXPECT_EQ(stub_->AnswerSubjectAccessRequest(Authorized(kHosiToken).get(), answer, &answered)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::ListSubjectAccessRequestsRequest open;
  open.set_open_only(true);
  v1::ListSubjectAccessRequestsResponse still;
  ASSERT_TRUE(stub_->ListSubjectAccessRequests(Authorized(kAuditorToken).get(), open, &still).ok());
  ASSERT_EQ(still.requests_size(), 1);
  EXPECT_EQ(still.requests(0).id(), late.id());
  EXPECT_TRUE(still.requests(0).overdue());
  // A retry of the first request records nothing new; a Lead Officer may not ask.
  EXPECT_EQ(Record("sar-1", "2026-11-20").id(), recorded.id());
  EXPECT_EQ(stub_->ExportSubjectAccess(Authorized(kLeadOfficerToken).get(), ask, &exported)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SubjectAccessTest, ARequestNamesThePersonAndTheDayItCame) {
  v1::RecordSubjectAccessRequestRequest request;
  request.set_request_id("sar-x");
  request.mutable_request()->set_received_on("2027-01-01");
  v1::SubjectAccessRequest recorded;
  const grpc::Status s =
      stub_->RecordSubjectAccessRequest(Authorized(kHosiToken).get(), request, &recorded);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request.person_name"));
  EXPECT_THAT(s.error_message(), HasSubstr("after today"));
}

}  // namespace
}  // namespace scc::testing
