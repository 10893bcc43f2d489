// R-25 on every way out of the real sccd, cell by cell: each read path (history over gRPC and
// over the JSON API, the event feed, audit search, Watch, the institution's status, the termly
// report in each format) x each role x where the reader works and where not x each kind of
// confidential content (the school's plan; the LA's record of a meeting: notes, judgements,
// attendees, the view of the LA's support). Every secret is written once, at one institution;
// the raw bytes of each answer are searched for every secret, and the expectation for each
// reader is written out here, not derived from the code under test.
#include <map>
#include <set>
#include <string>
#include <vector>

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
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSchool[] = "100001";   // led by lo-ann; the headteacher's and chair's school
constexpr char kOther[] = "100002";    // led by lo-bob
constexpr char kSetting[] = "EY100003";

enum class Kind { kPlan, kRecord };

// One confidential value, written once.
struct Secret {
  std::string text;
  std::string urn;
  Kind kind;
  bool in_report;  // a meeting's notes: the report's progress pages carry them to who may read
};

std::vector<Secret> Secrets() {
  std::vector<Secret> out;
  for (const char* urn : {kSchool, kOther}) {
    for (const char* what : {"plan-vision", "review-plan-vision"}) {
      out.push_back({absl::StrCat("SECRET-", what, "-", urn), urn, Kind::kPlan, false});
    }
    for (const char* what : {"review-attendee", "mcm-support", "mcm-attendee", "progress-report",
                             "flagged-visit-notes"}) {
      out.push_back({absl::StrCat("SECRET-", what, "-", urn), urn, Kind::kRecord, false});
    }
    for (const char* what : {"review-notes", "mcm-notes"}) {
      out.push_back({absl::StrCat("SECRET-", what, "-", urn), urn, Kind::kRecord, true});
    }
  }
  out.push_back({absl::StrCat("SECRET-plan-vision-", kSetting), kSetting, Kind::kPlan, false});
  out.push_back({absl::StrCat("SECRET-meeting-attendee-", kSetting), kSetting, Kind::kRecord, false});
  out.push_back({absl::StrCat("SECRET-meeting-notes-", kSetting), kSetting, Kind::kRecord, false});
  return out;
}

// Who reads, and — written out by hand from docs/authorization.md — what they may see.
struct ReaderCase {
  const char* token;
  const char* who;
  std::set<std::string> plans;     // the institutions whose plans they see
  std::set<std::string> records;   // the institutions whose LA record of meetings they see
  std::set<std::string> reachable; // the institutions they may read at all
  bool whole_log;                  // ReadEvents, SearchAudit, Watch
  bool report;                     // GenerateTermReport
};

const std::vector<ReaderCase>& Readers() {
  const std::set<std::string> all = {kSchool, kOther, kSetting};
  static const auto* readers = new std::vector<ReaderCase>{
      {kHosiToken, "head of school improvement", all, all, all, true, true},
      {kSrgToken, "SRG member", all, all, all, true, true},
      {kAuditorToken, "auditor", all, all, all, true, true},
      {kLeadOfficerToken, "lo-ann, Lead Officer of 100001", {kSchool}, {kSchool}, all, false, true},
      {kEarlyYearsToken, "Early Years team", {kSetting}, {kSetting}, all, false, true},
      {kReaderToken, "report reader", {}, {}, all, false, true},
      {kServiceToken, "service account", {}, {}, all, true, true},
      {kHeadteacherToken, "headteacher of 100001", {kSchool}, {}, {kSchool}, false, false},
      {kChairToken, "chair of governors of 100001", {kSchool}, {}, {kSchool}, false, false},
  };
  return *readers;
}

class ConfidentialityMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    namespace t = domain::testing;
    for (const char* urn : {kSchool, kOther}) {
      Send(urn, t::Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
      Send(urn, t::RaiseConcern(), "2024-09-20");
      Send(urn, t::Designate(), "2024-10-01");
      Send(urn, t::AssignLeadOfficer(urn == std::string(kSchool) ? "lo-ann" : "lo-bob"),
           "2024-10-05");
      v1::EventPayload plan = t::AgreePlan();
      plan.mutable_action_plan_agreed()->mutable_plan()->set_vision(Text("plan-vision", urn));
      Send(urn, plan, "2024-10-20", Text("open-note", urn));
      v1::EventPayload review = t::Review();
      auto* held = review.mutable_action_plan_review_held();
      *held->mutable_plan() = plan.action_plan_agreed().plan();
      held->mutable_plan()->set_vision(Text("review-plan-vision", urn));
      held->add_attendees(Text("review-attendee", urn));
      Send(urn, review, "2024-11-12", Text("review-notes", urn));
      v1::EventPayload mcm = t::Mcm();
      mcm.mutable_monitoring_and_challenge_meeting_held()->set_quality_of_la_support(
          Text("mcm-support", urn));
      mcm.mutable_monitoring_and_challenge_meeting_held()->add_attendees(Text("mcm-attendee", urn));
      Send(urn, mcm, "2024-11-26", Text("mcm-notes", urn));
      v1::EventPayload report = t::ProgressReport();
      report.mutable_progress_report_recorded()->set_progress_against_plan(
          Text("progress-report", urn));
      Send(urn, report, "2024-12-02");
      Send(urn, t::Visit(), "2024-12-03", Text("flagged-visit-notes", urn), /*confidential=*/true);
    }
    Send(kSetting, t::Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
    Send(kSetting, t::SettingConcern(), "2024-09-20");
    v1::EventPayload plan = t::SettingPlan();
    plan.mutable_setting_action_plan_agreed()->mutable_plan()->set_vision(Text("plan-vision", kSetting));
    Send(kSetting, plan, "2024-10-01");
    v1::EventPayload meeting = t::SettingMeeting();
    meeting.mutable_settings_causing_concern_meeting_held()->add_attendees(
        Text("meeting-attendee", kSetting));
    Send(kSetting, meeting, "2024-11-01", Text("meeting-notes", kSetting), /*confidential=*/true);
  }

  static std::string Text(const std::string& what, const std::string& urn) {
    return absl::StrCat(what == "open-note" ? "OPEN-" : "SECRET-", what, "-", urn);
  }

  void Send(const std::string& urn, const v1::EventPayload& payload, const std::string& date,
            const std::string& notes = "", bool confidential = false) {
    v1::CommandResult result;
    const grpc::Status s = RecordCommand(server_->channel(), kHosiToken, urn, payload, date,
                                         absl::StrCat("req-", ++requests_), notes, confidential,
                                         &result);
    ASSERT_TRUE(s.ok()) << urn << " " << payload.ShortDebugString() << ": " << s.error_message();
    last_position_ = result.global_position();
  }

  // Whether `reader` may see `secret` on a path that carries it.
  static bool Visible(const ReaderCase& reader, const Secret& secret) {
    return (secret.kind == Kind::kPlan ? reader.plans : reader.records).contains(secret.urn);
  }

  // Checks every secret of the institutions in `urns` against `bytes`, the answer of `path`.
  static void Check(const ReaderCase& reader, const std::string& path,
                    const std::set<std::string>& urns, const std::string& bytes,
                    bool report = false) {
    for (const Secret& secret : Secrets()) {
      SCOPED_TRACE(absl::StrCat(reader.who, ", ", path, ", ", secret.text));
      const bool carried = urns.contains(secret.urn) && (!report || secret.in_report);
      if (carried && Visible(reader, secret)) {
        EXPECT_THAT(bytes, HasSubstr(secret.text));
      } else {
        EXPECT_THAT(bytes, Not(HasSubstr(secret.text)));
      }
    }
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  int requests_ = 0;
  uint64_t last_position_ = 0;
};

TEST_F(ConfidentialityMatrixTest, HistoryOverGrpcAndTheJsonApi) {
  httplib::Client http(server_->http_url());
  for (const ReaderCase& reader : Readers()) {
    SccClient client(server_->channel(), reader.token);
    for (const char* urn : {kSchool, kOther, kSetting}) {
      SCOPED_TRACE(absl::StrCat(reader.who, " reads ", urn));
      v1::GetHistoryRequest request;
      request.set_urn(urn);
      v1::GetHistoryResponse page;
      const grpc::Status s = client.audit().GetHistory(client.NewContext().get(), request, &page);
      auto json = http.Post("/v1/scc.v1.AuditService/GetHistory",
                            {{"Authorization", absl::StrCat("Bearer ", reader.token)}},
                            absl::StrCat("{\"urn\":\"", urn, "\"}"), "application/json");
      ASSERT_TRUE(json);
      if (!reader.reachable.contains(urn)) {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_EQ(json->status, 403);
        continue;
      }
      ASSERT_TRUE(s.ok()) << s.error_message();
      ASSERT_EQ(json->status, 200) << json->body;
      Check(reader, "GetHistory", {urn}, page.SerializeAsString());
      Check(reader, "JSON GetHistory", {urn}, json->body);
      // What was left out is said, field by field; the open note and the meetings' events stay.
      const bool sees_record = reader.records.contains(urn);
      for (const v1::Event& e : page.events()) {
        if (e.payload().has_action_plan_review_held()) {
          EXPECT_EQ(e.payload().action_plan_review_held().progress() ==
                        v1::PROGRESS_JUDGEMENT_SUFFICIENT, sees_record);
          if (!sees_record) {
            EXPECT_THAT(e.withheld(), Contains("action_plan_review_held.progress"));
          }
          EXPECT_EQ(e.notes_redacted(), !sees_record);
        }
        if (e.payload().has_action_plan_agreed()) {
          EXPECT_EQ(e.notes().text(), Text("open-note", urn));
          EXPECT_EQ(e.withheld().empty(), reader.plans.contains(urn));
        }
      }
      if (urn != std::string(kSetting)) {
        EXPECT_THAT(page.SerializeAsString(), HasSubstr("monitoring_and_challenge_meeting_held"));
      }
    }
  }
}

TEST_F(ConfidentialityMatrixTest, TheWholeLogFeedSearchAndWatch) {
  const std::set<std::string> all = {kSchool, kOther, kSetting};
  for (const ReaderCase& reader : Readers()) {
    SccClient client(server_->channel(), reader.token);
    v1::ReadEventsRequest read;
    read.set_page_size(1000);
    v1::ReadEventsResponse events;
    const grpc::Status s = client.audit().ReadEvents(client.NewContext().get(), read, &events);
    if (!reader.whole_log) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << reader.who;
      continue;
    }
    ASSERT_TRUE(s.ok()) << s.error_message();
    Check(reader, "ReadEvents", all, events.SerializeAsString());

    v1::SearchAuditRequest search;
    search.set_page_size(1000);
    v1::SearchAuditResponse found;
    ASSERT_TRUE(client.projections().SearchAudit(client.NewContext().get(), search, &found).ok());
    EXPECT_EQ(found.events_size(), events.events_size());
    Check(reader, "SearchAudit", all, found.SerializeAsString());

    auto context = client.NewContext();
    auto stream = client.audit().Watch(context.get(), v1::WatchRequest());
    std::string watched;
    v1::WatchResponse item;
    while (stream->Read(&item)) {
      watched += item.SerializeAsString();
      if (item.has_event() && item.event().global_position() >= last_position_) break;
    }
    context->TryCancel();
    stream->Finish().IgnoreError();
    Check(reader, "Watch", all, watched);
  }
}

TEST_F(ConfidentialityMatrixTest, TheTermlyReportInEveryFormat) {
  auto reports = v1::ReportService::NewStub(server_->channel());
  const std::set<std::string> all = {kSchool, kOther, kSetting};
  for (const ReaderCase& reader : Readers()) {
    for (v1::ReportFormat format : {v1::REPORT_FORMAT_JSON, v1::REPORT_FORMAT_CSV,
                                    v1::REPORT_FORMAT_MARKDOWN, v1::REPORT_FORMAT_HTML}) {
      v1::GenerateTermReportRequest request;
      request.set_term("2024-autumn");
      request.set_format(format);
      v1::ReportFile file;
      const grpc::Status s =
          reports->GenerateTermReport(Authorized(reader.token).get(), request, &file);
      if (!reader.report) {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << reader.who;
        continue;
      }
      ASSERT_TRUE(s.ok()) << reader.who << ": " << s.error_message();
      EXPECT_THAT(file.content(), HasSubstr(kSchool));
      // The CSV has no notes column: nothing confidential for anyone.
      const bool notes_column = format != v1::REPORT_FORMAT_CSV;
      Check(reader, v1::ReportFormat_Name(format),
            notes_column ? all : std::set<std::string>{}, file.content(), /*report=*/true);
    }
  }
}

TEST_F(ConfidentialityMatrixTest, TheInstitutionsStatusCarriesNoConfidentialContent) {
  for (const ReaderCase& reader : Readers()) {
    SccClient client(server_->channel(), reader.token);
    for (const std::string& urn : reader.reachable) {
      v1::GetInstitutionRequest request;
      request.set_urn(urn);
      request.mutable_options()->set_min_position(last_position_);
      v1::InstitutionStatus status;
      ASSERT_TRUE(client.projections().GetInstitution(client.NewContext().get(), request, &status).ok());
      ReaderCase sees_nothing = reader;
      sees_nothing.plans.clear();
      sees_nothing.records.clear();
      Check(sees_nothing, "GetInstitution", {urn}, status.SerializeAsString());
    }
  }
}

}  // namespace
}  // namespace scc::testing
