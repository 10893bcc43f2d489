// Retention on the real sccd (docs/data-protection.md): a schedule in configuration, a dry run
// that lists what would go and redacts nothing, a run that redacts what has expired — only
// that, and not at an institution under a legal hold — with VerifyLog still proving the chain
// and a second run finding nothing more.
#include <fstream>
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kClosed[] = "100001";  // closed in 2021: its visit notes have expired
constexpr char kHeld[] = "100002";    // closed too, but under a legal hold
constexpr char kOpen[] = "100003";    // open: its episode has not ended

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string schedule = dir_.Sub("retention.txt");
    std::ofstream(schedule) << "# test schedule\nvisit_notes 2 episode_end\nnames 3 recorded\n";
    SccdProcess::Options options;
    options.extra_args = {"--retention-schedule", schedule, "--today", "2026-12-01",
                          "--retention-every-hours", "0"};
    auto started = SccdProcess::Start(dir_.Sub("data"), options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    namespace t = domain::testing;
    for (const char* urn : {kClosed, kHeld, kOpen}) {
      Send(urn, t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2019-09-01");
      Send(urn, t::Visit(), "2020-11-03", absl::StrCat("SECRET-visit-notes-", urn));
      if (urn != std::string(kOpen)) {
        v1::EventPayload closed;
        closed.mutable_institution_closed()->set_closure_reason("Result of Amalgamation/Merger");
        Send(urn, closed, "2021-08-31");
      }
    }
    v1::EventPayload hold;
    hold.mutable_legal_hold_placed()->set_matter("a complaint to the ombudsman");
    Send(kHeld, hold, "2026-01-05");
  }

  void Send(const std::string& urn, const v1::EventPayload& payload, const std::string& date,
            const std::string& notes = "") {
    const grpc::Status s = RecordCommand(server_->channel(), kHosiToken, urn, payload, date,
                                         absl::StrCat("req-", ++requests_), notes);
    ASSERT_TRUE(s.ok()) << urn << ": " << s.error_message();
  }

  v1::RetentionReport Run(bool dry_run) {
    v1::RunRetentionRequest request;
    request.set_dry_run(dry_run);
    v1::RetentionReport report;
    const grpc::Status s = v1::DataProtectionService::NewStub(server_->channel())
                               ->RunRetention(Authorized(kHosiToken).get(), request, &report);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return report;
  }

  v1::Event VisitOf(const std::string& urn) {
    SccClient client(server_->channel(), kHosiToken);
    v1::GetHistoryRequest request;
    request.set_urn(urn);
    v1::GetHistoryResponse page;
    EXPECT_TRUE(client.audit().GetHistory(client.NewContext().get(), request, &page).ok());
    return page.events(1);
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int requests_ = 0;
};

TEST_F(RetentionTest, ADryRunListsWhatARunThenRedactsAndAHoldKeeps) {
  const v1::RetentionReport dry = Run(/*dry_run=*/true);
  EXPECT_TRUE(dry.dry_run());
  EXPECT_THAT(dry.schedule(), ElementsAre("visit_notes: 2 years from the end of the episode",
                                          "names: 3 years from the record's date"));
  EXPECT_THAT(dry.held_urns(), ElementsAre(kHeld));
  ASSERT_EQ(dry.items_size(), 2);
  // The closed school: the visitor's name (2020 + 3 years) and the notes (closed 2021 + 2).
  EXPECT_EQ(dry.items(0).urn(), kClosed);
  EXPECT_THAT(dry.items(0).fields(), ElementsAre("visit_recorded.visitor", "notes"));
  // The open school: its episode has not ended, so only the name's clock has run out.
  EXPECT_EQ(dry.items(1).urn(), kOpen);
  EXPECT_THAT(dry.items(1).fields(), ElementsAre("visit_recorded.visitor"));
  EXPECT_EQ(VisitOf(kClosed).notes().text(), absl::StrCat("SECRET-visit-notes-", kClosed));

  const v1::RetentionReport ran = Run(/*dry_run=*/false);
  EXPECT_EQ(ran.redacted_fields(), 3u);
  for (const v1::RetentionItem& item : ran.items()) EXPECT_THAT(item.error(), IsEmpty());
  const v1::Event closed = VisitOf(kClosed);
  EXPECT_THAT(closed.notes().text(), IsEmpty());
  EXPECT_THAT(closed.redacted(), ElementsAre("visit_recorded.visitor", "notes"));
  const v1::Event open = VisitOf(kOpen);
  EXPECT_EQ(open.notes().text(), absl::StrCat("SECRET-visit-notes-", kOpen));
  EXPECT_THAT(open.redacted(), ElementsAre("visit_recorded.visitor"));
  EXPECT_EQ(VisitOf(kHeld).notes().text(), absl::StrCat("SECRET-visit-notes-", kHeld));

  // The redactions are the retention schedule's, attributed and explained.
  SccClient client(server_->channel(), kAuditorToken);
  v1::SearchAuditRequest search;
  search.add_event_types("event_redacted");
  v1::SearchAuditResponse found;
  ASSERT_TRUE(client.projections().SearchAudit(client.NewContext().get(), search, &found).ok());
  ASSERT_EQ(found.events_size(), 2);
  EXPECT_EQ(found.events(0).actor(), "retention");
  EXPECT_THAT(found.events(0).reason(), HasSubstr("retention schedule: names: 3 years"));

  v1::VerifyLogResponse verified;
  ASSERT_TRUE(client.audit().VerifyLog(client.NewContext().get(), {}, &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(Run(/*dry_run=*/false).items_size(), 0);  // nothing more has expired
}

TEST_F(RetentionTest, ADryRunLooksAheadAndARunOnlyRunsToday) {
  v1::RunRetentionRequest ahead;
  ahead.set_dry_run(true);
  ahead.set_as_of("2023-09-01");  // the closed school's notes expire 2023-08-31; no name yet
  v1::RetentionReport report;
  auto stub = v1::DataProtectionService::NewStub(server_->channel());
  ASSERT_TRUE(stub->RunRetention(Authorized(kHosiToken).get(), ahead, &report).ok());
  ASSERT_EQ(report.items_size(), 1);
  EXPECT_THAT(report.items(0).fields(), ElementsAre("notes"));
  ahead.set_dry_run(false);
  const grpc::Status refused = stub->RunRetention(Authorized(kHosiToken).get(), ahead, &report);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("as_of"));
  EXPECT_EQ(stub->RunRetention(Authorized(kLeadOfficerToken).get(), {}, &report).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace scc::testing
