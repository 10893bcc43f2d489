// Rectification on the real sccd (docs/data-protection.md): the head of school improvement
// redacts named personal data of an earlier event — a note that names a child, the visitor's
// name — with a reason. The redaction is an event of its own in the audit trail; the event
// still shows that the visit happened; VerifyLog still proves the whole chain, also after a
// restart; the erased bytes are gone from the data directory; and what may not be redacted
// (twice, a field the event does not hold, by a Lead Officer, a correction of the redaction)
// is refused in words that say why.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kUrn[] = "100001";
constexpr char kChild[] = "Tilly Mae Robinson";

class RedactionTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start() {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  grpc::Status Send(const v1::EventPayload& payload, const std::string& date,
                    const std::string& notes = "", const char* token = kHosiToken,
                    v1::CommandResult* result = nullptr) {
    return RecordCommand(server_->channel(), token, kUrn, payload, date,
                         absl::StrCat("req-", ++requests_), notes, false, result);
  }

  v1::GetHistoryResponse History(const char* token = kHosiToken) {
    SccClient client(server_->channel(), token);
    v1::GetHistoryRequest request;
    request.set_urn(kUrn);
    v1::GetHistoryResponse page;
    EXPECT_TRUE(client.audit().GetHistory(client.NewContext().get(), request, &page).ok());
    return page;
  }

  v1::VerifyLogResponse Verify() {
    v1::VerifyLogResponse response;
    const grpc::Status s = v1::AuditService::NewStub(server_->channel())
                               ->VerifyLog(Authorized(kAuditorToken).get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  static v1::EventPayload Redaction(const std::string& event_id, std::vector<std::string> fields) {
    v1::EventPayload p;
    p.mutable_event_redacted()->set_redacted_event_id(event_id);
    for (std::string& f : fields) p.mutable_event_redacted()->add_fields(std::move(f));
    return p;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int requests_ = 0;
};

TEST_F(RedactionTest, ANoteThatNamesAChildIsRedactedAndTheChainStillVerifies) {
  namespace t = domain::testing;
  ASSERT_TRUE(Send(t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01").ok());
  v1::CommandResult visit;
  ASSERT_TRUE(Send(t::Visit(), "2024-10-01", absl::StrCat("Spoke with ", kChild, "'s mother"),
                   kHosiToken, &visit)
                  .ok());
  const std::string visit_id = visit.event_ids(0);
  const v1::Event before = History().events(1);
  EXPECT_THAT(before.redactable(), ElementsAre("visit_recorded.visitor", "notes"));
  EXPECT_EQ(before.notes().text(), absl::StrCat("Spoke with ", kChild, "'s mother"));

  // Refused: a Lead Officer may not redact; a field the event does not hold is named.
  grpc::Status refused = Send(Redaction(visit_id, {"notes"}), "2024-10-02", "", kLeadOfficerToken);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  refused = Send(Redaction(visit_id, {"visit_recorded.kind"}), "2024-10-02");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("it holds visit_recorded.visitor, notes"));

  ASSERT_TRUE(Send(Redaction(visit_id, {"notes", "visit_recorded.visitor"}), "2024-10-02").ok());
  const v1::GetHistoryResponse after = History();
  ASSERT_EQ(after.events_size(), 3);
  const v1::Event& redacted = after.events(1);
  EXPECT_EQ(redacted.type(), "visit_recorded");  // the visit still happened, on its date
  EXPECT_EQ(redacted.effective_date(), "2024-10-01");
  EXPECT_EQ(redacted.payload().visit_recorded().kind(), v1::VISIT_KIND_SCHOOL_EFFECTIVENESS);
  EXPECT_THAT(redacted.notes().text(), IsEmpty());
  EXPECT_THAT(redacted.payload().visit_recorded().visitor(), IsEmpty());
  EXPECT_THAT(redacted.redacted(), ElementsAre("visit_recorded.visitor", "notes"));
  EXPECT_THAT(redacted.redactable(), IsEmpty());
  EXPECT_EQ(redacted.hash(), before.hash());  // the chain did not change
  const v1::Event& record = after.events(2);
  EXPECT_EQ(record.type(), "event_redacted");
  EXPECT_EQ(record.actor(), "hosi");
  EXPECT_EQ(record.payload().event_redacted().redacted_event_id(), visit_id);

  v1::VerifyLogResponse verified = Verify();
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.checked(), 3u);

  // Twice is refused; so is correcting (undoing) the redaction.
  refused = Send(Redaction(visit_id, {"notes"}), "2024-10-03");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("was redacted already"));
  refused = Send(t::Correct(record.event_id(), nullptr), "2024-10-03");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("cannot be corrected or withdrawn"));

  // After a restart: still redacted, still verified, and the name is in no file of the data.
  server_.reset();
  Start();
  EXPECT_THAT(History().events(1).redacted(), ElementsAre("visit_recorded.visitor", "notes"));
  verified = Verify();
  EXPECT_TRUE(verified.ok()) << verified.problem();
  server_.reset();
  for (const auto& file : std::filesystem::recursive_directory_iterator(dir_.Sub("data/events"))) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(bytes, Not(HasSubstr(kChild))) << file.path();
  }
}

TEST_F(RedactionTest, OneAttendeeOfAMeetingIsRedactedAndTheOthersStay) {
  namespace t = domain::testing;
  ASSERT_TRUE(Send(t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01").ok());
  ASSERT_TRUE(Send(t::RaiseConcern(), "2024-09-20").ok());
  ASSERT_TRUE(Send(t::Designate(), "2024-10-01").ok());
  ASSERT_TRUE(Send(t::AssignLeadOfficer(), "2024-10-05").ok());
  ASSERT_TRUE(Send(t::AgreePlan(), "2024-10-20").ok());
  ASSERT_TRUE(Send(t::Review(), "2024-11-12", "the review").ok());
  v1::EventPayload mcm = t::Mcm();
  for (const char* name : {"Ann Okafor", "A parent governor", "Pat Chair"}) {
    mcm.mutable_monitoring_and_challenge_meeting_held()->add_attendees(name);
  }
  v1::CommandResult held;
  const grpc::Status sent = Send(mcm, "2024-11-26", "the meeting", kHosiToken, &held);
  ASSERT_TRUE(sent.ok()) << sent.error_message();
  ASSERT_TRUE(Send(Redaction(held.event_ids(0),
                             {"monitoring_and_challenge_meeting_held.attendees[1]"}),
                   "2024-11-27")
                  .ok());
  const v1::GetHistoryResponse page = History();
  const v1::Event& meeting = page.events(page.events_size() - 2);
  EXPECT_THAT(meeting.payload().monitoring_and_challenge_meeting_held().attendees(),
              ElementsAre("Ann Okafor", "", "Pat Chair"));
  EXPECT_THAT(meeting.redacted(),
              ElementsAre("monitoring_and_challenge_meeting_held.attendees[1]"));
  EXPECT_TRUE(Verify().ok());
}

}  // namespace
}  // namespace scc::testing
