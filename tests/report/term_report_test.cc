// The termly report on fixed data (fixed commit clock, fixed known_at): golden files for each
// format, byte-for-byte determinism, known_at hiding later records, and the change list after a
// correction. Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/dates.h"
#include "services/domain/domain_test_util.h"
#include "services/projections/term_calendar.h"
#include "services/reports/term_report.h"
#include "services/server/command_handler.h"
#include "services/server/institution_repository.h"
#include "storage/test_util.h"

namespace scc::reports {
namespace {

using ::testing::HasSubstr;
using namespace domain::testing;  // NOLINT: builders

// Records are committed at 2026-01-01T00:00:00Z plus one second per append.
class FixedData {
 public:
  FixedData() {
    storage::EventLogOptions options;
    options.clock = [this] { return absl::FromUnixSeconds(1767225600) + absl::Seconds(ticks_++); };
    log_ = *storage::EventLog::Open(dir_.Sub("events"), options);
    repository_ = std::make_unique<server::InstitutionRepository>(log_.get());
    handler_ = std::make_unique<server::CommandHandler>(
        log_.get(), repository_.get(), [] { return absl::CivilDay(2026, 6, 30); });
    calendar_ = *projections::TermCalendar::Load(TERM_CALENDAR_PATH);
  }

  std::string Run(const std::string& urn, const v1::EventPayload& payload, const std::string& date,
                  const std::string& notes = "") {
    domain::Command command;
    command.context.set_urn(urn);
    command.context.set_request_id(absl::StrCat("r", ++requests_));
    command.context.set_effective_date(date);
    command.context.set_reason("fixed data");
    command.context.mutable_notes()->set_text(notes);
    command.payload = payload;
    std::string event_id;
    absl::Notification done;
    handler_->Execute({"hosi", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT}, command,
                      [&](absl::StatusOr<v1::CommandResult> r) {
                        EXPECT_TRUE(r.ok()) << urn << " " << r.status();
                        if (r.ok() && r->event_ids_size() > 0) event_id = r->event_ids(0);
                        done.Notify();
                      });
    done.WaitForNotification();
    return event_id;
  }

  // A small authority with every kind of story in the 2025/26 autumn term.
  void Load() {
    for (const char* urn : {"100001", "100002", "100003", "100004"}) Run(urn, Register(), "2024-09-01");
    Run("140001", Register(v1::INSTITUTION_KIND_ACADEMY), "2024-09-01");
    Run("400001", Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
    ofsted_id_ = Run("100001", Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-06-01"), "2024-09-02");
    Run("100002", Ofsted(v1::OFSTED_GRADE_GOOD, "2023-06-01"), "2024-09-02");
    // In SCC since the previous year, with reviews and MCMs in the term.
    Run("100001", RaiseConcern(), "2024-09-20");
    Run("100001", Designate(), "2024-10-01");
    Run("100001", AssignLeadOfficer(), "2024-10-05");
    Run("100001", AgreePlan(), "2024-10-20");
    Run("100001", Review(), "2025-10-01", "Maths lead appointed");
    Run("100001", Mcm(), "2025-10-10", "Governors challenged pace");
    Run("100001", SrgReview(v1::SRG_OUTCOME_CONTINUE), "2025-10-15");
    Run("100001", Visit(), "2025-10-20");
    // Designated in the term.
    v1::EventPayload concern = RaiseConcern();
    concern.mutable_concern_raised()->set_discussed_with_headteacher_on("2025-09-10");
    Run("100002", concern, "2025-09-12");
    v1::EventPayload designate = Designate();
    designate.mutable_srg_designated()->set_letter_sent_on("2025-10-02");
    Run("100002", designate, "2025-10-01");
    // Removed in the term after a Good inspection.
    Run("100003", RaiseConcern(), "2024-09-20");
    Run("100003", Designate(), "2024-10-01");
    Run("100003", AssignLeadOfficer("lo-bob"), "2024-10-05");
    Run("100003", Ofsted(v1::OFSTED_GRADE_GOOD, "2025-09-10"), "2025-09-20");
    v1::EventPayload removal = Removal(true);
    removal.mutable_scc_removed()->set_review_date("2025-09-10");
    removal.mutable_scc_removed()->set_headteacher_agreed_on("2025-10-01");
    removal.mutable_scc_removed()->set_srg_confirmed_on("2025-10-05");
    Run("100003", removal, "2025-10-06");
    // An academy escalated, a setting causing concern.
    Run("140001", AcademyConcern(), "2025-09-15");
    Run("140001", InformTrust(), "2025-09-22");
    v1::EventPayload escalate = Escalate();
    escalate.mutable_academy_concern_escalated()->set_trust_informed_of_escalation_on("2025-11-01");
    Run("140001", escalate, "2025-11-10");
    Run("400001", SettingConcern(), "2025-11-03");
  }

  v1::TermReport Build(absl::Time known_at, v1::Role reader = v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT,
                       const std::string& period = "2025-autumn",
                       v1::ReportAudience audience = v1::REPORT_AUDIENCE_UNSPECIFIED) {
    const projections::Period* term = *FindPeriod(calendar_, period, audience);
    auto report = BuildTermReport(*log_, calendar_, *term, known_at, {reader, ""}, {}, {}, audience);
    EXPECT_TRUE(report.ok()) << report.status();
    return *report;
  }

  // Moves the commit clock on, e.g. to record a correction after a report was produced.
  void Later(absl::Duration d) { ticks_ += absl::ToInt64Seconds(d); }
  const std::string& ofsted_id() const { return ofsted_id_; }
  const projections::TermCalendar& calendar() const { return calendar_; }

 private:
  storage::testing::TempDir dir_;
  int64_t ticks_ = 0;
  std::unique_ptr<storage::EventLog> log_;
  std::unique_ptr<server::InstitutionRepository> repository_;
  std::unique_ptr<server::CommandHandler> handler_;
  projections::TermCalendar calendar_;
  int requests_ = 0;
  std::string ofsted_id_;
};

const absl::Time kKnownAt = absl::FromUnixSeconds(1767225600 + 3600);

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = absl::StrCat(GOLDEN_DIR, "/", name);
  if (std::getenv("UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << name << " differs from its golden file";
}

TEST(TermReportTest, GoldenFilesForEveryFormat) {
  FixedData data;
  data.Load();
  const v1::TermReport report = data.Build(kKnownAt);
  const v1::ReportSummary& s = report.summary();
  EXPECT_EQ(report.term(), "2025/26 autumn term");
  EXPECT_EQ(s.causing_concern_at_start(), 2);  // 100001, 100003
  EXPECT_EQ(s.causing_concern_at_end(), 4);    // 100001, 100002, 140001, 400001
  EXPECT_EQ(s.designated_in_term(), 3);
  EXPECT_EQ(s.removed_in_term(), 1);
  EXPECT_EQ(s.academy_escalations(), 1);
  EXPECT_EQ(report.pages_size(), 5);
  ExpectGolden("term_report.json", RenderJson(report));
  ExpectGolden("term_report.csv", RenderCsv(report));
  ExpectGolden("term_report.md", RenderMarkdown(report));
  ExpectGolden("term_report.html", RenderHtml(report));
}

TEST(TermReportTest, SameTermAndKnownAtGiveTheSameBytes) {
  FixedData data;
  data.Load();
  const std::string first = RenderHtml(data.Build(kKnownAt));
  // Later records (a correction made next month) do not change what was known then.
  const v1::EventPayload good = Ofsted(v1::OFSTED_GRADE_GOOD, "2024-06-01");
  data.Later(absl::Hours(24 * 30));
  data.Run("100001", Correct(data.ofsted_id(), &good), "2026-02-01");
  EXPECT_EQ(RenderHtml(data.Build(kKnownAt)), first);
  EXPECT_EQ(RenderJson(data.Build(kKnownAt)), RenderJson(data.Build(kKnownAt)));
  // Known later, the correction shows, and the change list says what moved.
  const v1::TermReport before = data.Build(kKnownAt);
  const v1::TermReport after = data.Build(kKnownAt + absl::Hours(24 * 60));
  EXPECT_NE(RenderHtml(after), first);
  const std::vector<std::string> changes = Changes(before, after);
  EXPECT_THAT(changes, ::testing::Contains(HasSubstr("100001 latest Ofsted: Requires Improvement (2024-06-01) -> Good (2024-06-01)")));
}

TEST(TermReportTest, ConfidentialNotesOnlyForReadersAllowedToSeeThem) {
  FixedData data;
  data.Load();
  EXPECT_THAT(RenderMarkdown(data.Build(kKnownAt)), HasSubstr("Governors challenged pace"));
  EXPECT_THAT(RenderMarkdown(data.Build(kKnownAt, v1::ROLE_REPORT_READER)),
              ::testing::Not(HasSubstr("Governors challenged pace")));
}

// Names and notes are whatever officers typed: in a CSV opened in a spreadsheet they may not
// run as formulas, and in the Markdown they may not add headings, list items or raw HTML.
TEST(TermReportTest, HostileNamesAndNotesStayText) {
  FixedData data;
  const std::vector<std::string> names = {"=HYPERLINK(\"http://evil.example\",\"Click\")",
                                          "+1+1", "-2+3", "@SUM(A1:A9)"};
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string urn = absl::StrCat(100011 + i);
    v1::EventPayload registered = Register();
    registered.mutable_institution_registered()->mutable_details()->set_name(names[i]);
    data.Run(urn, registered, "2024-09-01");
    data.Run(urn, RaiseConcern(), "2024-09-20");
    data.Run(urn, Designate(), "2024-10-01");
  }
  data.Run("100011", AssignLeadOfficer(), "2024-10-05");
  data.Run("100011", AgreePlan(), "2024-10-20");
  data.Run("100011", Review(), "2025-10-01",
           "fine\n# Injected heading\n- injected item <img src=x onerror=alert(1)> [link](http://x)");
  const v1::TermReport report = data.Build(kKnownAt);

  const std::string csv = RenderCsv(report);
  EXPECT_THAT(csv, HasSubstr(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\","));
  EXPECT_THAT(csv, HasSubstr(",\"'+1+1\","));
  EXPECT_THAT(csv, HasSubstr(",\"'-2+3\","));
  EXPECT_THAT(csv, HasSubstr(",\"'@SUM(A1:A9)\","));
  for (const absl::string_view line : absl::StrSplit(csv, '\n')) {
    for (const absl::string_view cell : absl::StrSplit(line, ',')) {
      EXPECT_FALSE(!cell.empty() && absl::string_view("=+-@").find(cell[0]) != cell.npos)
          << "cell '" << cell << "' would run as a formula";
    }
  }

  const std::string md = RenderMarkdown(report);
  EXPECT_THAT(md, HasSubstr("fine \\# Injected heading - injected item &lt;img src=x "
                            "onerror=alert(1)&gt; \\[link\\](http://x)"));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("<img")));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("\n# Injected")));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("\n- injected")));
}

TEST(TermReportTest, TermNames) {
  FixedData data;
  constexpr v1::ReportAudience kTermly = v1::REPORT_AUDIENCE_UNSPECIFIED;
  EXPECT_EQ((*FindPeriod(data.calendar(), "2025-spring", kTermly))->label, "2024/25 spring term");
  EXPECT_EQ(FindPeriod(data.calendar(), "2025-winter", kTermly).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FindPeriod(data.calendar(), "1999-autumn", kTermly).status().code(),
            absl::StatusCode::kNotFound);
}

// R-23: settings updates go half-termly to the SRG and four times a year to the SSSPB (the
// autumn and spring terms, and each half of the summer term); the termly report is per term.
TEST(TermReportTest, EachAudienceIsGivenItsOwnPeriods) {
  FixedData data;
  const auto& calendar = data.calendar();
  constexpr auto kSrg = v1::REPORT_AUDIENCE_SRG_SETTINGS_UPDATE;
  constexpr auto kSsspb = v1::REPORT_AUDIENCE_SSSPB_SETTINGS_UPDATE;
  EXPECT_EQ((*FindPeriod(calendar, "2025-autumn-2", kSrg))->label, "2025/26 autumn half term 2");
  EXPECT_EQ((*FindPeriod(calendar, "2025-spring-1", kSrg))->label, "2024/25 spring half term 1");
  EXPECT_EQ((*FindPeriod(calendar, "2025-autumn", kSsspb))->label, "2025/26 autumn term");
  EXPECT_EQ((*FindPeriod(calendar, "2025-summer-2", kSsspb))->label, "2024/25 summer half term 2");
  for (const auto& [name, audience] :
       std::vector<std::pair<std::string, v1::ReportAudience>>{
           {"2025-autumn", kSrg}, {"2025-autumn-1", kSsspb}, {"2025-summer", kSsspb},
           {"2025-autumn-1", v1::REPORT_AUDIENCE_UNSPECIFIED}, {"2025-autumn-3", kSrg}}) {
    const auto period = FindPeriod(calendar, name, audience);
    EXPECT_EQ(period.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(period.status().message(), HasSubstr("term")) << name;
  }
}

// R-21 - R-23: a settings update shows only settings, each with its plan, meetings and support
// actions in the period; both reports count settings with an action plan (R-7's KPI).
TEST(TermReportTest, SettingsUpdateForTheSrgCoversSettingsOnly) {
  FixedData data;
  data.Load();
  data.Run("400002", Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01");
  data.Run("400002", SettingConcern(), "2025-09-08");
  data.Run("400002", SettingPlan(), "2025-09-20");
  data.Run("400002", SettingSupport(), "2025-11-04");
  data.Run("400002", SettingMeeting(), "2025-11-12");
  data.Run("400002", SettingPlan(), "2025-12-01");  // version 2, at a review

  const v1::TermReport update = data.Build(absl::FromUnixSeconds(1767225600 + 7200),
                                           v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "2025-autumn-2",
                                           v1::REPORT_AUDIENCE_SRG_SETTINGS_UPDATE);
  EXPECT_EQ(update.title(), "Settings causing concern: update for the School Review Group");
  EXPECT_EQ(update.term(), "2025/26 autumn half term 2");
  ASSERT_EQ(update.pages_size(), 2);
  for (const v1::ProgressPage& p : update.pages()) EXPECT_EQ(p.kind(), "early years setting");
  EXPECT_EQ(update.summary().causing_concern_at_end(), 2);
  EXPECT_EQ(update.summary().designated_in_term(), 1);  // 400001, listed on 2025-11-03
  EXPECT_EQ(update.summary().settings_causing_concern(), 2);
  EXPECT_EQ(update.summary().settings_causing_concern_with_plan(), 1);
  const v1::ProgressPage& page = update.pages(1);
  EXPECT_EQ(page.urn(), "400002");
  EXPECT_EQ(page.action_plan_version(), 2u);
  EXPECT_THAT(page.reviews_in_term(), ::testing::ElementsAre("2025-12-01"));
  EXPECT_THAT(page.settings_meetings_in_term(), ::testing::ElementsAre("2025-11-12"));
  ASSERT_EQ(page.support_actions_in_term_size(), 1);
  EXPECT_EQ(page.support_actions_in_term(0).state(), "focused visits");
  // The listed setting without a plan owes one (R-21), overdue 20 working days after listing.
  const v1::ProgressPage& unplanned = update.pages(0);
  EXPECT_THAT(unplanned.overdue(),
              ::testing::Contains(HasSubstr("No action plan agreed for the setting")));
  const std::string md = RenderMarkdown(update);
  EXPECT_THAT(md, HasSubstr("# Settings causing concern: update for the School Review Group: "
                            "2025/26 autumn half term 2"));
  EXPECT_THAT(md, HasSubstr("| Causing concern at the start of half term | 1 |"));
  EXPECT_THAT(md, HasSubstr("- Support actions in half term: 2025-11-04 focused visits"));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("Schools Good or better")));

  const v1::TermReport termly = data.Build(absl::FromUnixSeconds(1767225600 + 7200));
  EXPECT_GT(termly.pages_size(), 2);
  EXPECT_EQ(termly.summary().settings_causing_concern_with_plan(), 1);
  EXPECT_THAT(RenderMarkdown(termly),
              HasSubstr("| Settings causing concern with an action plan (R-7, R-21) | 1 of 2 |"));
}

// A school still below Good (R-15 keeps it on the list) that converts to an academy in the term:
// its episode ends by the conversion, counted apart from removals, and its page says so.
TEST(TermReportTest, AConversionInTheTermEndsTheEpisodeWithoutARemoval) {
  FixedData data;
  data.Run("100021", Register(), "2024-09-01");
  data.Run("100021", Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2024-06-01"), "2024-09-02");
  data.Run("100021", RaiseConcern(), "2024-09-20");
  data.Run("100021", Designate(), "2024-10-01");
  v1::EventPayload conversion;
  conversion.mutable_converted_to_academy()->set_successor_urn("149021");
  conversion.mutable_converted_to_academy()->set_trust_name("Oakfield Academy Trust");
  data.Run("100021", conversion, "2025-11-01");
  const v1::TermReport report = data.Build(kKnownAt);
  EXPECT_EQ(report.summary().causing_concern_at_start(), 1);
  EXPECT_EQ(report.summary().causing_concern_at_end(), 0);
  EXPECT_EQ(report.summary().removed_in_term(), 0);
  EXPECT_EQ(report.summary().closed_in_term(), 1);
  ASSERT_EQ(report.pages_size(), 1);
  EXPECT_EQ(report.pages(0).state(), "closed");  // words, not codes
  EXPECT_EQ(report.pages(0).episode_ended(),
            "ended by conversion to an academy on 2025-11-01 (URN 149021, Oakfield Academy Trust)");
  EXPECT_EQ(report.pages(0).visits_required(), 0);
  EXPECT_TRUE(report.pages(0).overdue().empty());
  const std::string md = RenderMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| Ended by closure or conversion in the term | 1 |"));
  EXPECT_THAT(md, HasSubstr("- Episode: ended by conversion to an academy on 2025-11-01"));
  EXPECT_THAT(RenderHtml(report), HasSubstr("<tr><th>Episode</th><td>ended by conversion"));
}

}  // namespace
}  // namespace scc::reports
