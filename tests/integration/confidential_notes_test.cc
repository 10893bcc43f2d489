// R-25 on every way out of the real sccd: confidential notes (of action-plan reviews and MCMs,
// the MCM's assessment of the LA's support, and notes flagged confidential) are stored once and
// reach only the roles allowed to see them. Every read path — history, the event feed, Watch,
// audit search and the termly report in each format — is read as a role that may see them and
// as roles that may not, and the raw bytes of each answer are searched for the secrets.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scc/v1/reports.grpc.pb.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUrn[] = "100042";
// Each secret is written once; none may reach a reader who may not see it.
const std::vector<std::string>& Secrets() {
  static const auto* secrets = new std::vector<std::string>{
      "SECRET-review-notes", "SECRET-mcm-notes",         "SECRET-la-support",
      "SECRET-visit-notes",  "SECRET-correction-notes",  "SECRET-corrected-support"};
  return *secrets;
}
constexpr char kOpenNote[] = "OPEN-plan-agreed-with-the-head";

class ConfidentialNotesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    namespace t = domain::testing;
    Send(t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
    Send(t::RaiseConcern(), "2024-09-20");
    Send(t::Designate(), "2024-10-01");
    Send(t::AssignLeadOfficer(), "2024-10-05");
    Send(t::AgreePlan(), "2024-10-20", kOpenNote);
    Send(t::Review(), "2024-11-12", Secrets()[0]);  // always confidential
    v1::EventPayload mcm = t::Mcm();
    mcm.mutable_monitoring_and_challenge_meeting_held()->set_quality_of_la_support(Secrets()[2]);
    const std::string mcm_id = Send(mcm, "2024-11-26", Secrets()[1]);  // always confidential
    Send(t::Visit(), "2024-12-02", Secrets()[3], /*confidential=*/true);
    // A correction that replaces the MCM's record is as confidential as the meeting.
    v1::EventPayload fixed = mcm;
    fixed.mutable_monitoring_and_challenge_meeting_held()->set_quality_of_la_support(Secrets()[5]);
    Send(t::Correct(mcm_id, &fixed), "2024-12-03", Secrets()[4]);
  }

  // Records `payload` and returns the id of the (first) event recorded.
  std::string Send(const v1::EventPayload& payload, const std::string& date,
                   const std::string& notes = "", bool confidential = false) {
    v1::CommandContext context;
    context.set_urn(kUrn);
    context.set_request_id(absl::StrCat("req-", ++requests_));
    context.set_effective_date(date);
    context.mutable_notes()->set_text(notes);
    context.mutable_notes()->set_confidential(confidential);
    context.set_reason("integration test");
    v1::CommandResult result;
    const grpc::Status s = SccClient(server_->channel(), kHosiToken).Send(context, payload, &result);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return result.event_ids_size() > 0 ? result.event_ids(0) : "";
  }

  // What each read path answers `token`, as raw bytes.
  std::vector<std::pair<std::string, std::string>> ReadEverything(const char* token,
                                                                   bool whole_log) {
    SccClient client(server_->channel(), token);
    std::vector<std::pair<std::string, std::string>> answers;
    v1::GetHistoryRequest history;
    history.set_urn(kUrn);
    v1::GetHistoryResponse history_page;
    EXPECT_TRUE(client.audit().GetHistory(client.NewContext().get(), history, &history_page).ok());
    EXPECT_EQ(history_page.events_size(), 9);
    answers.emplace_back("GetHistory", history_page.SerializeAsString());

    auto reports = v1::ReportService::NewStub(server_->channel());
    for (v1::ReportFormat format : {v1::REPORT_FORMAT_JSON, v1::REPORT_FORMAT_CSV,
                                    v1::REPORT_FORMAT_MARKDOWN, v1::REPORT_FORMAT_HTML}) {
      v1::GenerateTermReportRequest request;
      request.set_term("2024-autumn");
      request.set_format(format);
      v1::ReportFile file;
      const grpc::Status s = reports->GenerateTermReport(client.NewContext().get(), request, &file);
      EXPECT_TRUE(s.ok()) << s.error_message();
      EXPECT_THAT(file.content(), HasSubstr(kUrn));
      answers.emplace_back(absl::StrCat("GenerateTermReport ", v1::ReportFormat_Name(format)),
                           file.content());
    }
    if (!whole_log) return answers;

    v1::ReadEventsResponse events;
    EXPECT_TRUE(client.audit().ReadEvents(client.NewContext().get(), {}, &events).ok());
    EXPECT_EQ(events.events_size(), 9);
    answers.emplace_back("ReadEvents", events.SerializeAsString());

    v1::SearchAuditRequest search;
    search.set_urn(kUrn);
    v1::SearchAuditResponse found;
    EXPECT_TRUE(client.projections().SearchAudit(client.NewContext().get(), search, &found).ok());
    EXPECT_EQ(found.events_size(), 9);
    answers.emplace_back("SearchAudit", found.SerializeAsString());

    auto context = client.NewContext();
    v1::WatchRequest watch;
    watch.add_urns(kUrn);
    auto reader = client.audit().Watch(context.get(), watch);
    std::string watched;
    v1::WatchResponse item;
    for (int events_seen = 0; events_seen < 9 && reader->Read(&item);) {
      if (item.has_event()) ++events_seen;
      watched += item.SerializeAsString();
    }
    context->TryCancel();
    reader->Finish().IgnoreError();
    answers.emplace_back("Watch", watched);
    return answers;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int requests_ = 0;
};

TEST_F(ConfidentialNotesTest, EveryReadPathShowsNotesOnlyToRolesAllowedToSeeThem) {
  // The auditor may see every note (and reads the whole log): each secret is in every event
  // read, and the meetings' notes are in the report's progress pages (the CSV has no notes).
  for (const auto& [path, bytes] : ReadEverything(kAuditorToken, true)) {
    SCOPED_TRACE(path);
    if (path == "GetHistory" || path == "ReadEvents" || path == "SearchAudit" || path == "Watch") {
      for (const std::string& secret : Secrets()) EXPECT_THAT(bytes, HasSubstr(secret));
    } else if (path != "GenerateTermReport REPORT_FORMAT_CSV") {
      EXPECT_THAT(bytes, HasSubstr(Secrets()[0]));
      EXPECT_THAT(bytes, HasSubstr(Secrets()[1]));
    }
  }
  // A service account reads the whole log but no confidential notes; a report reader reads
  // history and reports. Neither sees a secret anywhere; both see the open note and the
  // meetings' events.
  for (const char* token : {kServiceToken, kReaderToken}) {
    for (const auto& [path, bytes] : ReadEverything(token, token == kServiceToken)) {
      SCOPED_TRACE(absl::StrCat(token, " ", path));
      for (const std::string& secret : Secrets()) EXPECT_THAT(bytes, Not(HasSubstr(secret)));
      if (path == "GetHistory" || path == "ReadEvents" || path == "SearchAudit" ||
          path == "Watch") {
        EXPECT_THAT(bytes, HasSubstr(kOpenNote));
        EXPECT_THAT(bytes, HasSubstr("monitoring_and_challenge_meeting_held"));
      }
    }
  }
}

TEST_F(ConfidentialNotesTest, RedactedEventsSayWhatWasLeftOut) {
  SccClient reader(server_->channel(), kReaderToken);
  v1::GetHistoryRequest request;
  request.set_urn(kUrn);
  v1::GetHistoryResponse page;
  ASSERT_TRUE(reader.audit().GetHistory(reader.NewContext().get(), request, &page).ok());
  int redacted = 0;
  for (const v1::Event& e : page.events()) {
    if (!e.notes_redacted()) continue;
    ++redacted;
    EXPECT_TRUE(e.notes().confidential()) << e.type();
    EXPECT_TRUE(e.notes().text().empty()) << e.type();
  }
  EXPECT_EQ(redacted, 4);  // the review, the MCM, the flagged visit, the MCM's correction
  // The stored record is unchanged: the head of school improvement still reads it whole.
  SccClient hosi(server_->channel(), kHosiToken);
  ASSERT_TRUE(hosi.audit().GetHistory(hosi.NewContext().get(), request, &page).ok());
  EXPECT_EQ(page.events(6).payload().monitoring_and_challenge_meeting_held().quality_of_la_support(),
            Secrets()[2]);
}

}  // namespace
}  // namespace scc::testing
