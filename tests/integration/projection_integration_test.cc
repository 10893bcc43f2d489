// ProjectionService over gRPC against the real sccd: read-your-writes, filters and pages,
// obligations, as-of and known-at reads, audit search, rebuilds.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "services/codec/event_codec.h"
#include "services/domain/domain_test_util.h"
#include "storage/event_log.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;
using ::testing::HasSubstr;
using namespace domain::testing;  // NOLINT: builders

class ProjectionIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SccdProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    hosi_ = std::make_unique<SccClient>(server_->channel(), kHosiToken);
  }
  void TearDown() override { hosi_.reset(); }

  // Records `payload`; returns its global position.
  uint64_t Send(const std::string& urn, const v1::EventPayload& payload, const std::string& date) {
    v1::CommandContext context;
    context.set_urn(urn);
    context.set_request_id(absl::StrCat("req-", ++requests_));
    context.set_effective_date(date);
    context.set_reason("recorded by the test");
    v1::CommandResult result;
    grpc::Status s = hosi_->Send(context, payload, &result);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return result.global_position();
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<SccdProcess> server_;
  std::unique_ptr<SccClient> hosi_;
  int requests_ = 0;
};

TEST_F(ProjectionIntegrationTest, ReadYourWritesAndFilters) {
  Send("100001", Register(), "2024-09-01");
  Send("100002", Register(), "2024-09-01");
  Send("100003", Register(v1::INSTITUTION_KIND_ACADEMY), "2024-09-01");
  Send("100001", RaiseConcern(), "2024-09-20");
  Send("100001", Designate(), "2024-10-01");
  const uint64_t after = Send("100001", AssignLeadOfficer(), "2024-10-05");

  v1::GetInstitutionRequest get;
  get.set_urn("100001");
  get.mutable_options()->set_min_position(after);
  v1::InstitutionStatus status;
  auto ctx = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().GetInstitution(ctx.get(), get, &status).ok());
  EXPECT_EQ(status.state(), v1::FLOWCHART_STATE_LO_ASSIGNED);
  EXPECT_TRUE(status.causing_concern());
  EXPECT_EQ(status.lead_officer_id(), "lo-ann");
  EXPECT_EQ(status.designated_on(), "2024-10-01");
  EXPECT_GT(status.days_in_scc(), 365);
  // Lead Officer assigned long ago and still no plan: overdue.
  EXPECT_THAT(status.obligations(), ::testing::Contains(::testing::Property(
                                        &v1::Obligation::type,
                                        v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING)));
  // A position not yet written: the wait ends at the call's deadline.
  get.mutable_options()->set_min_position(after + 50);
  auto short_ctx = hosi_->NewContext();
  short_ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  EXPECT_EQ(hosi_->projections().GetInstitution(short_ctx.get(), get, &status).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);

  v1::ListInstitutionsRequest list;
  list.set_causing_concern(true);
  v1::ListInstitutionsResponse page;
  auto ctx2 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().ListInstitutions(ctx2.get(), list, &page).ok());
  ASSERT_EQ(page.total(), 1u);
  EXPECT_EQ(page.institutions(0).urn(), "100001");

  v1::ListInstitutionsRequest academies;
  academies.add_kinds(v1::INSTITUTION_KIND_ACADEMY);
  auto ctx3 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().ListInstitutions(ctx3.get(), academies, &page).ok());
  ASSERT_EQ(page.total(), 1u);
  EXPECT_EQ(page.institutions(0).urn(), "100003");

  // Pages of one.
  v1::ListInstitutionsRequest paged;
  paged.set_page_size(1);
  std::vector<std::string> urns;
  do {
    auto c = hosi_->NewContext();
    ASSERT_TRUE(hosi_->projections().ListInstitutions(c.get(), paged, &page).ok());
    for (const auto& i : page.institutions()) urns.push_back(i.urn());
    paged.set_page_token(page.next_page_token());
  } while (!paged.page_token().empty());
  EXPECT_EQ(urns, (std::vector<std::string>{"100001", "100002", "100003"}));

  // Overdue filter and obligations list.
  v1::ListInstitutionsRequest overdue;
  overdue.add_overdue(v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING);
  auto ctx4 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().ListInstitutions(ctx4.get(), overdue, &page).ok());
  EXPECT_EQ(page.total(), 1u);
  // Search by name or URN, in any case.
  v1::EventPayload renamed = Register();
  renamed.mutable_institution_registered()->mutable_details()->set_name("Oak Tree Nursery School");
  const uint64_t registered = Send("100004", renamed, "2024-09-01");
  for (const auto& [query, want] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"oak tree", {"100004"}}, {"  HILLSIDE ", {"100001", "100002", "100003"}},
           {"10000", {"100001", "100002", "100003", "100004"}}, {"0003", {"100003"}},
           {"Beech", {}}}) {
    v1::ListInstitutionsRequest search;
    search.set_query(query);
    search.mutable_options()->set_min_position(registered);
    auto c = hosi_->NewContext();
    ASSERT_TRUE(hosi_->projections().ListInstitutions(c.get(), search, &page).ok());
    std::vector<std::string> got;
    for (const auto& i : page.institutions()) got.push_back(i.urn());
    EXPECT_EQ(got, want) << query;
  }
  v1::ListInstitutionsRequest too_long;
  too_long.set_query(std::string(101, 'a'));
  auto c6 = hosi_->NewContext();
  const grpc::Status refused = hosi_->projections().ListInstitutions(c6.get(), too_long, &page);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("query"));

  // Only the URNs asked for (an unknown one is no error), with the other filters.
  v1::ListInstitutionsRequest by_urn;
  for (const char* urn : {"100003", "100001", "999999"}) by_urn.add_urns(urn);
  by_urn.mutable_options()->set_min_position(registered);
  for (bool schools_only : {false, true}) {
    if (schools_only) by_urn.add_kinds(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
    auto c = hosi_->NewContext();
    ASSERT_TRUE(hosi_->projections().ListInstitutions(c.get(), by_urn, &page).ok());
    std::vector<std::string> got;
    for (const auto& i : page.institutions()) got.push_back(i.urn());
    const std::vector<std::string> want =
        schools_only ? std::vector<std::string>{"100001"}
                     : std::vector<std::string>{"100001", "100003"};
    EXPECT_EQ(got, want);
  }
  by_urn.add_urns("10000X");
  auto c9 = hosi_->NewContext();
  const grpc::Status bad_urn = hosi_->projections().ListInstitutions(c9.get(), by_urn, &page);
  EXPECT_EQ(bad_urn.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_urn.error_message(), ::testing::HasSubstr("urns[3]"));
  v1::ListInstitutionsRequest too_many;
  for (int i = 0; i < 1001; ++i) too_many.add_urns(absl::StrCat(200000 + i));
  auto c10 = hosi_->NewContext();
  const grpc::Status refused_many =
      hosi_->projections().ListInstitutions(c10.get(), too_many, &page);
  EXPECT_EQ(refused_many.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused_many.error_message(), ::testing::HasSubstr("urns: has 1001 entries"));

  v1::ListObligationsRequest obligations;
  obligations.set_overdue_only(true);
  obligations.set_lead_officer_id("lo-ann");
  v1::ListObligationsResponse found;
  auto ctx5 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().ListObligations(ctx5.get(), obligations, &found).ok());
  EXPECT_GT(found.total(), 0u);
  for (const auto& o : found.obligations()) {
    EXPECT_TRUE(o.overdue());
    EXPECT_EQ(o.urn(), "100001");
  }
  // Due by a date: nothing due after it is listed.
  v1::ListObligationsRequest soon;
  soon.set_due_before("2024-12-31");
  auto ctx7 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().ListObligations(ctx7.get(), soon, &found).ok());
  EXPECT_GT(found.total(), 0u);
  for (const auto& o : found.obligations()) EXPECT_LE(o.due_on(), "2024-12-31") << o.description();
  soon.set_due_before("31/12/2024");
  auto ctx8 = hosi_->NewContext();
  const grpc::Status bad_date = hosi_->projections().ListObligations(ctx8.get(), soon, &found);
  EXPECT_EQ(bad_date.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_date.error_message(), ::testing::HasSubstr("due_before"));
}

TEST_F(ProjectionIntegrationTest, AsOfAndKnownAt) {
  Send("100010", Register(), "2024-09-01");
  Send("100010", RaiseConcern(), "2024-09-20");
  const absl::Time before_designation = absl::Now();
  Send("100010", Designate(), "2024-10-01");

  auto get = [&](const std::string& as_of, std::optional<absl::Time> known_at) {
    v1::GetInstitutionRequest request;
    request.set_urn("100010");
    request.mutable_options()->set_as_of(as_of);
    if (known_at) {
      request.mutable_options()->mutable_known_at()->set_seconds(absl::ToUnixSeconds(*known_at));
      request.mutable_options()->mutable_known_at()->set_nanos(
          static_cast<int32_t>(absl::ToInt64Nanoseconds(*known_at - absl::FromUnixSeconds(
                                                                        absl::ToUnixSeconds(*known_at)))));
    }
    v1::InstitutionStatus status;
    auto ctx = hosi_->NewContext();
    grpc::Status s = hosi_->projections().GetInstitution(ctx.get(), request, &status);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return status;
  };
  EXPECT_EQ(get("2024-09-25", std::nullopt).state(), v1::FLOWCHART_STATE_AT_RISK);
  EXPECT_EQ(get("2024-09-25", std::nullopt).as_of(), "2024-09-25");
  EXPECT_EQ(get("2024-10-02", std::nullopt).state(), v1::FLOWCHART_STATE_DESIGNATED);
  // Known before the designation was recorded, even when asking about a later date.
  EXPECT_EQ(get("2024-10-02", before_designation).state(), v1::FLOWCHART_STATE_AT_RISK);

  v1::GetInstitutionRequest too_early;
  too_early.set_urn("100010");
  too_early.mutable_options()->set_as_of("2024-08-01");
  v1::InstitutionStatus status;
  auto ctx = hosi_->NewContext();
  EXPECT_EQ(hosi_->projections().GetInstitution(ctx.get(), too_early, &status).error_code(),
            grpc::StatusCode::NOT_FOUND);
  too_early.mutable_options()->set_as_of("yesterday");
  auto ctx2 = hosi_->NewContext();
  EXPECT_EQ(hosi_->projections().GetInstitution(ctx2.get(), too_early, &status).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListInstitutionsRequest list;
  list.mutable_options()->set_as_of("2024-09-25");
  list.set_causing_concern(true);
  v1::ListInstitutionsResponse page;
  auto ctx3 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().ListInstitutions(ctx3.get(), list, &page).ok());
  EXPECT_EQ(page.total(), 0u);  // only at risk then, not yet designated
}

TEST_F(ProjectionIntegrationTest, SearchAuditAcrossInstitutions) {
  Send("100020", Register(), "2024-09-01");
  Send("100021", Register(), "2024-09-01");
  Send("100020", RaiseConcern(), "2024-09-20");
  Send("100021", RaiseConcern(), "2024-11-20");
  v1::SearchAuditRequest request;
  request.add_event_types("concern_raised");
  request.set_actor("hosi");
  request.set_from_date("2024-10-01");
  v1::SearchAuditResponse response;
  auto ctx = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().SearchAudit(ctx.get(), request, &response).ok());
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).urn(), "100021");
  request.set_from_date("not a date");
  auto ctx2 = hosi_->NewContext();
  EXPECT_EQ(hosi_->projections().SearchAudit(ctx2.get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ProjectionIntegrationTest, RebuildOnRequest) {
  Send("100030", Register(), "2024-09-01");
  SccClient reader(server_->channel(), kReaderToken);
  v1::ProjectionStatus status;
  auto ctx = reader.NewContext();
  EXPECT_EQ(reader.projections().RebuildProjections(ctx.get(), {}, &status).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto ctx2 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().RebuildProjections(ctx2.get(), {}, &status).ok());
  EXPECT_TRUE(status.rebuilding());
  // Reads keep working meanwhile and afterwards.
  const uint64_t after = Send("100030", RaiseConcern(), "2024-09-20");
  v1::GetInstitutionRequest get;
  get.set_urn("100030");
  get.mutable_options()->set_min_position(after);
  v1::InstitutionStatus got;
  auto ctx3 = hosi_->NewContext();
  ASSERT_TRUE(hosi_->projections().GetInstitution(ctx3.get(), get, &got).ok());
  EXPECT_EQ(got.state(), v1::FLOWCHART_STATE_AT_RISK);
}

// A read model that cannot apply the log (here: an event in an institution's stream that does
// not decode) is not hidden behind a frozen state: the projection status names the failure,
// the gRPC health service answers NOT_SERVING for ProjectionService, the metrics say so, and
// commands are still taken.
TEST(ProjectionFailureTest, AFailingProjectionShowsInStatusHealthAndMetrics) {
  storage::testing::TempDir dir;
  {
    auto log = storage::EventLog::Open(dir.Sub("data") + "/events");
    ASSERT_TRUE(log.ok()) << log.status();
    std::vector<storage::EventData> undecodable = {
        {codec::EventType(Register()), std::string("\xff\xff\xff", 3), ""}};
    ASSERT_TRUE((*log)->Append(codec::StreamName("100040"), storage::ExpectedVersion::NoStream(),
                               std::move(undecodable), "")
                    .ok());
  }
  auto started = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  ASSERT_TRUE(server.WaitForLog("ProjectionService NOT_SERVING")) << server.Log();

  SccClient hosi(server.channel(), kHosiToken);
  v1::ProjectionStatus status;
  ASSERT_TRUE(
      hosi.projections().GetProjectionStatus(hosi.NewContext().get(), {}, &status).ok());
  EXPECT_THAT(status.error(), HasSubstr("does not decode"));
  EXPECT_GE(status.failed_attempts(), 1u);
  EXPECT_FALSE(status.failing_since().empty());
  EXPECT_EQ(status.applied_position(), 0u);

  // grpc.health.v1.HealthCheckRequest{service} / HealthCheckResponse{status: NOT_SERVING = 2}.
  const std::string service = "scc.v1.ProjectionService";
  std::string health;
  ASSERT_TRUE(CallByPath(server.channel(), "/grpc.health.v1.Health/Check",
                         absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())),
                                      service),
                         "", &health)
                  .ok());
  EXPECT_EQ(health, std::string("\x08\x02", 2));

  httplib::Client http(absl::StrCat("http://", server.metrics_address()));
  auto scraped = http.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_THAT(scraped->body, HasSubstr("\nscc_projection_failing 1\n"));
  EXPECT_THAT(scraped->body, HasSubstr("\nscc_projection_failures_total "));
  EXPECT_THAT(scraped->body, HasSubstr("\nscc_projection_states_from_commands_total 0\n"));

  v1::CommandContext context;
  context.set_urn("100041");
  context.set_request_id("still-writing");
  context.set_effective_date("2024-09-01");
  context.set_reason("recorded by the test");
  v1::CommandResult result;
  grpc::Status sent = hosi.Send(context, Register(), &result);
  EXPECT_TRUE(sent.ok()) << sent.error_message();
}

}  // namespace
}  // namespace scc::testing
