// The real sccd binary on a loopback port, driven over gRPC: whole flowchart paths, every
// error class, idempotent retries, concurrent conflicting commands, restart, watch, redaction.
#include <atomic>

#include "absl/synchronization/mutex.h"
#include <thread>

#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using ::testing::HasSubstr;
using domain::testing::AgreePlan;
using domain::testing::AssignLeadOfficer;
using domain::testing::Designate;
using domain::testing::Register;
using client::SccClient;

class WorkflowIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    hosi_.reset();
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    hosi_ = std::make_unique<SccClient>(server_->channel(), kHosiToken);
  }

  SccClient As(const char* token) const { return SccClient(server_->channel(), token); }

  // Sends `payload` for `urn` as of `date`; the request id is fresh unless given.
  grpc::Status Send(const SccClient& client, const std::string& urn, const v1::EventPayload& p,
                    const std::string& date, v1::CommandResult* result = nullptr,
                    const std::string& request_id = "", std::optional<uint64_t> expected = {}) {
    v1::CommandContext context;
    context.set_urn(urn);
    context.set_request_id(request_id.empty() ? absl::StrCat("req-", ++requests_) : request_id);
    context.set_effective_date(date);
    context.set_reason("integration test");
    if (expected) context.set_expected_version(*expected);
    v1::CommandResult ignored;
    return client.Send(context, p, result != nullptr ? result : &ignored);
  }
  void MustSend(const std::string& urn, const v1::EventPayload& p, const std::string& date) {
    grpc::Status s = Send(*hosi_, urn, p, date);
    ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  }

  v1::WorkflowState State(const std::string& urn) {
    v1::GetWorkflowStateRequest request;
    request.set_urn(urn);
    v1::WorkflowState state;
    auto ctx = hosi_->NewContext();
    grpc::Status s = hosi_->audit().GetWorkflowState(ctx.get(), request, &state);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return state;
  }

  std::vector<v1::Event> History(const SccClient& client, const std::string& urn) {
    std::vector<v1::Event> all;
    v1::GetHistoryRequest request;
    request.set_urn(urn);
    request.set_page_size(3);  // several pages
    do {
      v1::GetHistoryResponse page;
      auto ctx = client.NewContext();
      grpc::Status s = client.audit().GetHistory(ctx.get(), request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      all.insert(all.end(), page.events().begin(), page.events().end());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return all;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  std::unique_ptr<SccClient> hosi_;
  int requests_ = 0;
};

// The rich error details of a failed call.
google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status details;
  details.ParseFromString(status.error_details());
  return details;
}

template <typename T>
std::optional<T> Detail(const grpc::Status& status) {
  const google::rpc::Status details = Details(status);
  for (const auto& any : details.details()) {
    T message;
    if (any.type_url() == absl::StrCat("type.googleapis.com/", T::descriptor()->full_name()) &&
        message.ParseFromString(any.value())) {
      return message;
    }
  }
  return std::nullopt;
}

using namespace domain::testing;  // NOLINT: payload builders

TEST_F(WorkflowIntegrationTest, FullSchoolCycle) {
  const std::string urn = "100001";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  MustSend(urn, RaiseConcern(), "2024-09-20");
  MustSend(urn, Designate(), "2024-10-01");
  MustSend(urn, AssignLeadOfficer(), "2024-10-05");
  MustSend(urn, AgreePlan(), "2024-10-20");
  MustSend(urn, Review(), "2024-12-10");
  MustSend(urn, Mcm(), "2024-12-15");
  MustSend(urn, Visit(), "2025-01-15");
  EXPECT_EQ(State(urn).action_plan_version(), 2u);
  MustSend(urn, WarningNotice("2025-11-01"), "2025-10-01");
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_WARNING_NOTICE);
  MustSend(urn, WarningNotComplied(), "2025-11-05");
  MustSend(urn, NoticeOfIntention(), "2025-11-10");
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION);
  MustSend(urn, Consultation(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-12-01");
  MustSend(urn, Intervention(v1::INTERVENTION_POWER_S65_INTERIM_EXECUTIVE_BOARD), "2025-12-01");
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_INTERVENTION);

  // R-15 while the latest Ofsted outcome is below Good, then a Good inspection.
  MustSend(urn, Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2026-01-10"), "2026-01-20");
  grpc::Status refused = Send(*hosi_, urn, Removal(), "2026-06-12");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("R-15"));
  auto failure = Detail<google::rpc::PreconditionFailure>(refused);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->violations(0).type(), "R-15");
  EXPECT_EQ(failure->violations(0).subject(), "institutions/100001");
  auto info = Detail<google::rpc::ErrorInfo>(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("state"), "INTERVENTION");

  MustSend(urn, Ofsted(v1::OFSTED_GRADE_GOOD, "2026-05-01"), "2026-05-20");
  v1::CommandResult removed;
  ASSERT_TRUE(Send(*hosi_, urn, Removal(), "2026-06-12", &removed).ok());
  EXPECT_EQ(removed.state(), v1::FLOWCHART_STATE_REMOVED);

  const v1::WorkflowState state = State(urn);
  EXPECT_EQ(state.state(), v1::FLOWCHART_STATE_REMOVED);
  EXPECT_FALSE(state.causing_concern());
  EXPECT_THAT(state.allowed_next_steps(),
              ::testing::UnorderedElementsAre("RaiseConcern", "IssueWarningNotice",
                                              "IssuePayAndConditionsWarningNotice"));
  EXPECT_EQ(state.latest_ofsted_summary(), "Good");

  // The audit trail: every decision, who, in which role, when and why.
  const std::vector<v1::Event> history = History(*hosi_, urn);
  ASSERT_EQ(history.size(), 16u);  // with the consultation before the IEB
  EXPECT_EQ(history[2].type(), "srg_designated");
  EXPECT_EQ(history[2].actor(), "hosi");
  EXPECT_EQ(history[2].role(), v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT);
  EXPECT_EQ(history[2].effective_date(), "2024-10-01");
  EXPECT_EQ(history[2].reason(), "integration test");
  EXPECT_GT(history[2].recorded_at().seconds(), 0);
  EXPECT_EQ(history[2].hash().size(), 64u);
  for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ(history[i].version(), i);
}

TEST_F(WorkflowIntegrationTest, AcademyEscalation) {
  const std::string urn = "140001";
  MustSend(urn, Register(v1::INSTITUTION_KIND_ACADEMY), "2024-09-01");
  MustSend(urn, AcademyConcern(), "2025-01-10");
  // The Trust must be informed before escalation.
  grpc::Status early = Send(*hosi_, urn, Escalate(), "2025-03-05");
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(early.error_message(), HasSubstr("R-20"));
  EXPECT_THAT(early.error_message(), HasSubstr("InformTrust"));  // the allowed next step
  // No warning notice for an academy.
  grpc::Status notice = Send(*hosi_, urn, WarningNotice("2025-11-01"), "2025-10-01");
  EXPECT_EQ(notice.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(notice.error_message(), HasSubstr("R-20"));

  MustSend(urn, InformTrust(), "2025-01-20");
  MustSend(urn, TrustPlan(), "2025-02-10");
  MustSend(urn, Escalate(), "2025-03-05");
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_ESCALATED);
  MustSend(urn, ResolveAcademy(), "2025-09-01");
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_RESOLVED);
}

TEST_F(WorkflowIntegrationTest, SettingCycleByTheEarlyYearsTeam) {
  const std::string urn = "EY123456";
  SccClient ey = As(kEarlyYearsToken);
  ASSERT_TRUE(Send(ey, urn, Register(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING), "2024-09-01").ok());
  ASSERT_TRUE(Send(ey, urn, SettingConcern(), "2025-01-10").ok());
  ASSERT_TRUE(Send(ey, urn, SettingSupport(), "2025-01-20").ok());
  ASSERT_TRUE(Send(ey, urn, SettingMeeting(), "2025-03-20").ok());
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_SUPPORT_ACTIVE);
  ASSERT_TRUE(Send(ey, urn, SettingRemoved(v1::SETTING_REMOVAL_BASIS_PRACTICE_IMPROVED),
                   "2025-06-20").ok());
  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_REMOVED);
}

TEST_F(WorkflowIntegrationTest, EveryErrorClass) {
  const std::string urn = "100002";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");

  EXPECT_EQ(Send(As(""), urn, RaiseConcern(), "2024-09-20").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Send(As("wrong-token"), urn, RaiseConcern(), "2024-09-20").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status denied = Send(As(kAuditorToken), urn, RaiseConcern(), "2024-09-20");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(), HasSubstr("RaiseConcern"));

  grpc::Status bad_urn = Send(*hosi_, "12x", RaiseConcern(), "2024-09-20");
  EXPECT_EQ(bad_urn.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto bad = Detail<google::rpc::BadRequest>(bad_urn);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "context.urn");
  EXPECT_EQ(Send(*hosi_, urn, RaiseConcern(), "2099-01-01").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::EventPayload unknown_enum = RaiseConcern();
  unknown_enum.mutable_concern_raised()->mutable_triggers(0)->set_trigger(
      static_cast<v1::ConcernTrigger>(42));
  grpc::Status enum_status = Send(*hosi_, urn, unknown_enum, "2024-09-20");
  EXPECT_EQ(enum_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(enum_status.error_message(), HasSubstr("concern.triggers[0].trigger"));

  EXPECT_EQ(Send(*hosi_, "100999", RaiseConcern(), "2024-09-20").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Send(*hosi_, urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-02")
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  grpc::Status rule = Send(*hosi_, urn, Designate(), "2024-10-01");
  EXPECT_EQ(rule.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(rule.error_message(), HasSubstr("R-4"));

  // A stale expected version.
  grpc::Status stale = Send(*hosi_, urn, RaiseConcern(), "2024-09-20", nullptr, "", 7);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  auto conflict = Detail<google::rpc::ErrorInfo>(stale);
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->metadata().at("current_version"), "0");

  // A request_id reused for a different command.
  ASSERT_TRUE(Send(*hosi_, urn, Visit(), "2024-09-10", nullptr, "dup-1").ok());
  EXPECT_EQ(Send(*hosi_, urn, Rag(), "2024-09-10", nullptr, "dup-1").error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Nothing of the refused commands was recorded: registration and the one visit.
  EXPECT_EQ(History(*hosi_, urn).size(), 2u);
}

TEST_F(WorkflowIntegrationTest, RetriesAreAnsweredFromTheFirstResult) {
  const std::string urn = "100003";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  v1::CommandResult first, retry;
  ASSERT_TRUE(Send(*hosi_, urn, RaiseConcern(), "2024-09-20", &first, "concern-1").ok());
  // The state moved on; the retry is still answered, not decided again.
  MustSend(urn, Designate(), "2024-10-01");
  ASSERT_TRUE(Send(*hosi_, urn, RaiseConcern(), "2024-09-20", &retry, "concern-1").ok());
  EXPECT_FALSE(first.replayed());
  EXPECT_TRUE(retry.replayed());
  EXPECT_EQ(retry.version(), first.version());
  EXPECT_EQ(retry.global_position(), first.global_position());
  EXPECT_EQ(retry.event_ids(0), first.event_ids(0));
  EXPECT_EQ(History(*hosi_, urn).size(), 3u);
}

TEST_F(WorkflowIntegrationTest, ConcurrentConflictingCommands) {
  const std::string urn = "100004";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  MustSend(urn, RaiseConcern(), "2024-09-20");
  MustSend(urn, Designate(), "2024-10-01");
  const uint64_t version = State(urn).version();

  // Eight officers assigned at once, all deciding on the same version: one wins.
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      grpc::Status s = Send(*hosi_, urn, AssignLeadOfficer(absl::StrCat("lo-", t)), "2024-10-05",
                            nullptr, absl::StrCat("assign-", t), version);
      if (s.ok()) ++ok;
      if (s.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), kThreads - 1);

  // Without an expected version the server decides again after a conflict: all succeed, as
  // reassignments, with gapless versions.
  threads.clear();
  std::atomic<int> later_ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (Send(*hosi_, urn, Visit(), "2024-10-06", nullptr, absl::StrCat("visit-", t)).ok()) {
        ++later_ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(later_ok.load(), kThreads);
  const std::vector<v1::Event> history = History(*hosi_, urn);
  ASSERT_EQ(history.size(), 4u + kThreads);
  for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ(history[i].version(), i);
}

TEST_F(WorkflowIntegrationTest, RestartPreservesEverything) {
  const std::string urn = "100005";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  MustSend(urn, RaiseConcern(), "2024-09-20");
  v1::CommandResult first;
  ASSERT_TRUE(Send(*hosi_, urn, Designate(), "2024-10-01", &first, "designate-1").ok());
  const std::vector<v1::Event> before = History(*hosi_, urn);

  hosi_.reset();
  const int status = server_->Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << server_->Log();
  StartServer();

  EXPECT_EQ(State(urn).state(), v1::FLOWCHART_STATE_DESIGNATED);
  const std::vector<v1::Event> after = History(*hosi_, urn);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].hash(), before[i].hash());
  v1::CommandResult retry;
  ASSERT_TRUE(Send(*hosi_, urn, Designate(), "2024-10-01", &retry, "designate-1").ok());
  EXPECT_TRUE(retry.replayed());
  EXPECT_EQ(retry.global_position(), first.global_position());

  v1::VerifyLogResponse verified;
  auto ctx = As(kAuditorToken).NewContext();
  ASSERT_TRUE(As(kAuditorToken).audit().VerifyLog(ctx.get(), v1::VerifyLogRequest(), &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.checked(), 3u);
}

TEST_F(WorkflowIntegrationTest, SigtermUnderLoadLosesNothingAcknowledged) {
  constexpr int kThreads = 8;
  for (int t = 0; t < kThreads; ++t) {
    MustSend(absl::StrCat(100200 + t), Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL),
             "2024-09-01");
  }
  struct Acked {
    std::string urn;
    std::string request_id;
    v1::CommandResult result;
  };
  absl::Mutex mu;
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SccClient client(server_->channel(), kHosiToken);
      const std::string urn = absl::StrCat(100200 + t);
      for (int i = 0; !stop.load(); ++i) {
        v1::CommandResult result;
        const std::string id = absl::StrCat("load-", t, "-", i);
        grpc::Status s = Send(client, urn, Visit(), "2024-10-01", &result, id);
        if (!s.ok()) return;  // the server is going away
        absl::MutexLock lock(&mu);
        acked.push_back({urn, id, result});
      }
    });
  }
  {
    // SIGTERM once a good number of commands were acknowledged.
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(+[](std::vector<Acked>* a) { return a->size() >= 200; }, &acked));
  }
  hosi_.reset();
  const int status = server_->Terminate();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  StartServer();
  for (const Acked& a : acked) {
    v1::CommandResult again;
    ASSERT_TRUE(Send(*hosi_, a.urn, Visit(), "2024-10-01", &again, a.request_id).ok());
    ASSERT_TRUE(again.replayed()) << a.request_id << " was acknowledged but is not recorded";
    EXPECT_EQ(again.global_position(), a.result.global_position());
  }
  v1::VerifyLogResponse verified;
  auto ctx = As(kAuditorToken).NewContext();
  ASSERT_TRUE(As(kAuditorToken).audit().VerifyLog(ctx.get(), v1::VerifyLogRequest(), &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_GE(verified.checked(), acked.size() + kThreads);
}

TEST_F(WorkflowIntegrationTest, CorrectionReplacesAnEarlierEventWithoutEditingIt) {
  const std::string urn = "100011";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  v1::CommandResult ofsted;
  ASSERT_TRUE(Send(*hosi_, urn, Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2024-09-10"), "2024-09-12",
                   &ofsted).ok());
  EXPECT_EQ(State(urn).latest_ofsted_summary(), "Inadequate");
  const v1::EventPayload fixed = Ofsted(v1::OFSTED_GRADE_GOOD, "2024-09-10");
  ASSERT_TRUE(Send(*hosi_, urn, Correct(ofsted.event_ids(0), &fixed), "2024-09-13").ok());
  EXPECT_EQ(State(urn).latest_ofsted_summary(), "Good");
  // The original stays in the trail, followed by the correction that references it.
  const std::vector<v1::Event> history = History(*hosi_, urn);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[1].payload().ofsted_outcome_recorded().legacy().overall(),
            v1::OFSTED_GRADE_INADEQUATE);
  EXPECT_EQ(history[2].payload().event_corrected().corrected_event_id(), ofsted.event_ids(0));
  grpc::Status unknown = Send(*hosi_, urn, Correct("no-such-event", nullptr), "2024-09-13");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkflowIntegrationTest, ACorrectionIsAuthorizedAndCheckedAsTheCommandItCorrects) {
  const std::string urn = "100012";
  v1::EventPayload registration = Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  registration.mutable_institution_registered()->mutable_details()->set_learning_network_inspector(
      "lo-ann");
  MustSend(urn, registration, "2024-09-01");
  MustSend(urn, RaiseConcern(), "2024-09-20");
  MustSend(urn, Designate(), "2024-10-01");
  v1::CommandResult assigned, plan;
  ASSERT_TRUE(Send(*hosi_, urn, AssignLeadOfficer("lo-raj"), "2024-10-05", &assigned).ok());
  ASSERT_TRUE(Send(*hosi_, urn, AgreePlan(), "2024-10-20", &plan).ok());

  // The Lead Officer (the school's LNI) may not put herself in the HoSI's assignment.
  const v1::EventPayload herself = AssignLeadOfficer("lo-ann");
  const grpc::Status denied =
      Send(As(kLeadOfficerToken), urn, Correct(assigned.event_ids(0), &herself), "2024-10-21");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(), HasSubstr("may not correct LeadOfficerAssigned events"));
  EXPECT_THAT(denied.error_message(), HasSubstr("may not call AssignLeadOfficer"));
  EXPECT_EQ(State(urn).lead_officer_id(), "lo-raj");

  // A replacement is checked like a fresh AssignLeadOfficer.
  v1::EventPayload unnamed = AssignLeadOfficer("lo-sam");
  unnamed.mutable_lead_officer_assigned()->clear_lead_officer_name();
  const grpc::Status invalid =
      Send(*hosi_, urn, Correct(assigned.event_ids(0), &unnamed), "2024-10-21");
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(invalid.error_message(),
              HasSubstr("correction.replacement.lead_officer_assigned.lead_officer_name: is "
                        "required"));
  EXPECT_EQ(State(urn).lead_officer_id(), "lo-raj");

  // The plan she writes she may correct, but not its version, which the server derives.
  v1::EventPayload rewritten = AgreePlan();
  rewritten.mutable_action_plan_agreed()->set_version(9);
  rewritten.mutable_action_plan_agreed()->mutable_plan()->set_vision("Good within two terms");
  ASSERT_TRUE(
      Send(As(kLeadOfficerToken), urn, Correct(plan.event_ids(0), &rewritten), "2024-10-22").ok());
  const std::vector<v1::Event> history = History(*hosi_, urn);
  ASSERT_EQ(history.size(), 6u);
  const v1::ActionPlanAgreed& kept =
      history.back().payload().event_corrected().replacement().action_plan_agreed();
  EXPECT_EQ(kept.version(), 1u);
  EXPECT_EQ(kept.plan().vision(), "Good within two terms");
  EXPECT_EQ(State(urn).action_plan_version(), 1u);
}

TEST_F(WorkflowIntegrationTest, ConfidentialNotesAreRedactedForReaders) {
  const std::string urn = "100006";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  MustSend(urn, RaiseConcern(), "2024-09-20");
  MustSend(urn, Designate(), "2024-10-01");
  MustSend(urn, AssignLeadOfficer(), "2024-10-05");
  MustSend(urn, AgreePlan(), "2024-10-20");
  v1::CommandContext context;
  context.set_urn(urn);
  context.set_request_id("review-with-notes");
  context.set_effective_date("2024-12-10");
  context.set_reason("recorded by the test");
  context.mutable_notes()->set_text("Head of maths on long-term sick leave");  // not flagged
  v1::CommandResult result;
  ASSERT_TRUE(hosi_->Send(context, Review(), &result).ok());

  const v1::Event as_hosi = History(*hosi_, urn).back();
  EXPECT_EQ(as_hosi.notes().text(), "Head of maths on long-term sick leave");
  EXPECT_TRUE(as_hosi.notes().confidential());  // review notes always are
  const v1::Event as_reader = History(As(kReaderToken), urn).back();
  EXPECT_TRUE(as_reader.notes_redacted());
  EXPECT_TRUE(as_reader.notes().text().empty());
  EXPECT_EQ(as_reader.type(), "action_plan_review_held");  // the meeting is visible, not its notes
}

TEST_F(WorkflowIntegrationTest, WatchDeliversHistoryThenLiveEvents) {
  const std::string urn = "100007";
  MustSend(urn, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  MustSend(urn, RaiseConcern(), "2024-09-20");

  SccClient reader = As(kServiceToken);  // a system following the feed
  auto ctx = reader.NewContext();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchRequest request;
  request.set_from_position(1);
  auto stream = reader.audit().Watch(ctx.get(), request);
  v1::WatchResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.event().global_position(), 1u);
  EXPECT_EQ(message.event().type(), "concern_raised");
  MustSend(urn, Designate(), "2024-10-01");  // live
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.event().global_position(), 2u);
  EXPECT_EQ(message.event().type(), "srg_designated");
  ctx->TryCancel();
  while (stream->Read(&message)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WorkflowIntegrationTest, FilteredWatchResumesWithoutGapsOrDuplicates) {
  const std::string watched = "100008", other = "100009";
  MustSend(watched, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  MustSend(other, Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  for (int i = 0; i < 6; ++i) {
    MustSend(i % 2 == 0 ? watched : other, Visit(), absl::StrCat("2024-10-0", i + 1));
  }
  // The consumer reads two events, disconnects, and resumes from its last position.
  SccClient reader = As(kServiceToken);  // a system following the feed
  std::vector<uint64_t> seen;
  uint64_t resume = 0;
  for (int session = 0; session < 3; ++session) {
    auto ctx = reader.NewContext();
    v1::WatchRequest request;
    request.set_from_position(resume);
    request.add_urns(watched);
    request.add_event_types("visit_recorded");
    request.set_heartbeat_seconds(1);
    auto stream = reader.audit().Watch(ctx.get(), request);
    v1::WatchResponse message;
    int read = 0;
    while (read < 2 && stream->Read(&message)) {
      if (message.has_heartbeat()) {
        resume = message.heartbeat().next_position();
        break;  // caught up
      }
      EXPECT_EQ(message.event().urn(), watched);
      seen.push_back(message.event().global_position());
      resume = message.event().global_position() + 1;
      ++read;
    }
    ctx->TryCancel();
    while (stream->Read(&message)) {
    }
    stream->Finish();
  }
  // Visits to the watched school were at positions 2, 4 and 6: each exactly once, in order.
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 4, 6}));
}

TEST_F(WorkflowIntegrationTest, ReadsRefuseBadInputClearly) {
  v1::GetWorkflowStateRequest bad;
  bad.set_urn("nope");
  v1::WorkflowState state;
  auto ctx = hosi_->NewContext();
  EXPECT_EQ(hosi_->audit().GetWorkflowState(ctx.get(), bad, &state).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetHistoryRequest history;
  history.set_urn("100123");
  v1::GetHistoryResponse page;
  auto ctx2 = hosi_->NewContext();
  EXPECT_EQ(hosi_->audit().GetHistory(ctx2.get(), history, &page).error_code(),
            grpc::StatusCode::NOT_FOUND);
  MustSend("100123", Register(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL), "2024-09-01");
  history.set_page_token("not-a-token");
  auto ctx3 = hosi_->NewContext();
  EXPECT_EQ(hosi_->audit().GetHistory(ctx3.get(), history, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  auto ctx4 = As("").NewContext();
  EXPECT_EQ(As("").audit().GetWorkflowState(ctx4.get(), bad, &state).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace scc::testing
