// decide/evolve for the life of an institution (docs/life-cycle.md): closure, academy
// conversion, academy orders, change of trust and predecessor links — each accepted, and each
// refusal with the rule or field it names. No I/O.
#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/domain/decide.h"
#include "services/domain/domain_test_util.h"
#include "services/domain/errors.h"
#include "services/domain/evolve.h"

namespace scc::domain {
namespace {

using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the builders

constexpr auto kSchool = v1::INSTITUTION_KIND_MAINTAINED_SCHOOL;
constexpr auto kAcademy = v1::INSTITUTION_KIND_ACADEMY;
constexpr auto kSetting = v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;
constexpr char kLifeCycle[] = "life of an institution";

// A maintained school with an action plan, whose latest inspection is Requires Improvement:
// R-15 keeps it on the list.
Workflow RequiresImprovementSchool() {
  Workflow w;
  w.Must(Register(kSchool), "2024-09-01");
  w.Must(RaiseConcern(), "2024-09-20");
  w.Must(Designate(), "2024-10-01");
  w.Must(AssignLeadOfficer(), "2024-10-05");
  w.Must(AgreePlan(), "2024-10-20");
  w.Must(Ofsted(v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, "2025-05-01"), "2025-05-10");
  return w;
}

// The refusal's rule, from the PreconditionFailure detail.
std::string RuleOf(const absl::Status& status) {
  auto payload = status.GetPayload(kPreconditionFailureUrl);
  google::rpc::PreconditionFailure failure;
  if (!payload || !failure.ParseFromString(std::string(*payload)) ||
      failure.violations_size() == 0) {
    return "";
  }
  return failure.violations(0).type();
}

TEST(LifeCycleTest, ClosureEndsAnEpisodeThatR15WouldKeepOpen) {
  Workflow w = RequiresImprovementSchool();
  auto removal = w.Run(Removal(), "2026-06-12");
  ASSERT_EQ(removal.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(removal.status()), "R-15");

  w.Must(Closure("100777"), "2026-07-31");
  const InstitutionState& s = w.state();
  EXPECT_EQ(s.state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_FALSE(IsCausingConcern(s.state()));
  EXPECT_EQ(s.closed_on(), "2026-07-31");
  EXPECT_EQ(s.closure().successor_urn(), "100777");
  EXPECT_EQ(s.episode().removed_on(), "2026-07-31");
  EXPECT_EQ(s.episode().ended_by(), v1::EPISODE_END_CLOSED);
  EXPECT_EQ(s.episode().designated_on(), "2024-10-01");  // the history of the episode stays
  EXPECT_EQ(s.episode().action_plan_version(), 1u);
  EXPECT_TRUE(AllowedNextSteps(s).empty());
}

TEST(LifeCycleTest, ConversionEndsTheEpisodeAndNamesTheAcademyAndTrust) {
  Workflow w = RequiresImprovementSchool();
  w.Must(OrderMade(), "2025-06-01");
  w.Must(Conversion(), "2026-04-01");
  const InstitutionState& s = w.state();
  EXPECT_EQ(s.state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_EQ(s.closed_on(), "2026-04-01");
  EXPECT_EQ(s.conversion().successor_urn(), "149001");
  EXPECT_EQ(s.conversion().trust_name(), "Oakfield Academy Trust");
  EXPECT_EQ(s.episode().ended_by(), v1::EPISODE_END_CONVERTED_TO_ACADEMY);
  EXPECT_EQ(s.episode().removed_on(), "2026-04-01");
}

TEST(LifeCycleTest, ClosingASchoolNotCausingConcernEndsNoEpisode) {
  Workflow w;
  w.Must(Register(kSchool), "2024-09-01");
  w.Must(Closure(), "2025-08-31");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_EQ(w.state().episode().ended_by(), v1::EPISODE_END_UNSPECIFIED);
  EXPECT_TRUE(w.state().episode().removed_on().empty());
}

TEST(LifeCycleTest, ASettingCausingConcernClosesToo) {
  Workflow w;
  w.Must(Register(kSetting), "2024-09-01");
  w.Must(SettingConcern(), "2024-10-01");
  w.Must(Closure(), "2025-02-28");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_EQ(w.state().episode().ended_by(), v1::EPISODE_END_CLOSED);
}

TEST(LifeCycleTest, AClosedSchoolTakesNoWorkflowStepAndTheRefusalNamesTheClosure) {
  Workflow w = RequiresImprovementSchool();
  w.Must(Conversion(), "2026-04-01");
  for (const v1::EventPayload& step : {RaiseConcern(), Review(), Removal()}) {
    auto r = w.Run(step, "2026-06-12");
    ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
    EXPECT_EQ(RuleOf(r.status()), kLifeCycle);
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr("converted to an academy (URN 149001, Oakfield Academy Trust) on "
                          "2026-04-01"));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("allowed next steps: none"));
  }
  auto again = w.Run(Closure(), "2026-05-01");
  ASSERT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("already converted"));
  EXPECT_EQ(w.state().episode().ended_by(), v1::EPISODE_END_CONVERTED_TO_ACADEMY);
}

TEST(LifeCycleTest, AClosedSchoolStillTakesCorrectionsAndFactsThatArriveLate) {
  Workflow w = RequiresImprovementSchool();
  w.Must(Closure(), "2026-03-31");
  const size_t closure = w.events().size() - 1;

  // A visit made before the closure, recorded after it: accepted. One after it: refused.
  w.Must(Visit(), "2026-03-20");
  auto late_visit = w.Run(Visit(), "2026-04-02");
  ASSERT_EQ(late_visit.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(late_visit.status()), kLifeCycle);
  EXPECT_THAT(std::string(late_visit.status().message()),
              HasSubstr("dated 2026-04-02, after the institution closed on 2026-03-31"));

  // A report published after the closure, of an inspection before it: history, no category.
  w.Must(Ofsted(v1::OFSTED_GRADE_INADEQUATE, "2026-03-10", v1::OFSTED_CATEGORY_SPECIAL_MEASURES),
         "2026-04-20");
  EXPECT_EQ(w.state().latest_ofsted().inspection_date(), "2026-03-10");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_TRUE(w.state().episode().category_entered_on().empty());
  auto later_inspection = w.Run(Ofsted(v1::OFSTED_GRADE_GOOD, "2026-04-15"), "2026-04-20");
  ASSERT_EQ(later_inspection.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(later_inspection.status().message()),
              HasSubstr("an inspection on 2026-04-15 cannot follow the institution's closure"));

  // Details and predecessor links are still kept up to date (GIAS keeps closed records).
  v1::EventPayload update;
  *update.mutable_institution_updated()->mutable_details() =
      Register(kSchool).institution_registered().details();
  update.mutable_institution_updated()->mutable_details()->set_name("Hillside Primary (closed)");
  w.Must(update, "2026-05-01");
  EXPECT_EQ(w.state().details().name(), "Hillside Primary (closed)");

  // The closure recorded on the wrong date is corrected like any event.
  v1::EventPayload with_successor = Closure("100777");
  auto corrected = w.Run(Correct(w.events()[closure].metadata.event_id(), &with_successor),
                         "2026-05-02", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT,
                         "the successor was left out");
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_CLOSED);
  EXPECT_EQ(w.state().closure().successor_urn(), "100777");
}

TEST(LifeCycleTest, AcademyOrdersAreMadeAndRevokedOnMaintainedSchools) {
  Workflow w = RequiresImprovementSchool();
  w.Must(OrderMade(), "2025-06-01");
  EXPECT_EQ(w.state().academy_order_made_on(), "2025-06-01");
  EXPECT_EQ(w.state().state(), v1::FLOWCHART_STATE_ACTION_PLAN_ACTIVE);  // a fact, not a step

  auto twice = w.Run(OrderMade(), "2025-07-01");
  ASSERT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr("an academy order made on 2025-06-01 is in force"));

  w.Must(OrderRevoked(), "2026-07-10");
  EXPECT_EQ(w.state().academy_order_revoked_on(), "2026-07-10");
  auto revoke_again = w.Run(OrderRevoked(), "2026-07-11");
  ASSERT_EQ(revoke_again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(revoke_again.status().message()),
              HasSubstr("no academy order is in force"));

  // After the duty was repealed (29 June 2026) an order may still be made: it is recorded.
  w.Must(OrderMade(), "2026-09-01");
  EXPECT_TRUE(w.state().academy_order_revoked_on().empty());

  Workflow academy;
  academy.Must(Register(kAcademy), "2024-09-01");
  auto on_academy = academy.Run(OrderMade(), "2025-01-01");
  ASSERT_EQ(on_academy.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(on_academy.status()), "R-20");
}

TEST(LifeCycleTest, AChangeOfTrustUpdatesTheAcademysTrust) {
  Workflow w;
  w.Must(Register(kAcademy), "2024-09-01");
  w.Must(TrustChange("Riverside Schools Partnership"), "2025-09-01");
  EXPECT_EQ(w.state().details().trust_name(), "Riverside Schools Partnership");
  EXPECT_EQ(w.state().trust_changed_on(), "2025-09-01");

  auto same = w.Run(TrustChange(" riverside schools partnership"), "2025-10-01");
  ASSERT_EQ(same.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(same.status()), "R-20");
  EXPECT_THAT(std::string(same.status().message()), HasSubstr("is already the academy's trust"));

  auto blank = w.Run(TrustChange(""), "2025-10-01");
  ASSERT_EQ(blank.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(blank.status().message()), HasSubstr("change.trust_name: is required"));

  Workflow school;
  school.Must(Register(kSchool), "2024-09-01");
  auto on_school = school.Run(TrustChange("Riverside Schools Partnership"), "2025-10-01");
  ASSERT_EQ(on_school.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(on_school.status().message()), HasSubstr("academies only"));
}

TEST(LifeCycleTest, TheAcademyLinksBackToItsPredecessor) {
  Workflow w;
  w.Must(Register(kAcademy), "2026-04-01");
  w.Must(Predecessor("100002"), "2026-04-01");
  ASSERT_EQ(w.state().predecessors_size(), 1);
  EXPECT_EQ(w.state().predecessors(0).predecessor_urn(), "100002");
  EXPECT_EQ(w.state().predecessors(0).link_type(), "Predecessor");

  auto twice = w.Run(Predecessor("100002"), "2026-04-02");
  ASSERT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr("already linked to its predecessor 100002"));

  auto own = w.Run(Predecessor(kUrn), "2026-04-02");
  ASSERT_EQ(own.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(own.status().message()),
              HasSubstr("link.predecessor_urn: is this institution's own URN"));

  auto malformed = w.Run(Predecessor("10-2"), "2026-04-02");
  ASSERT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(malformed.status().message()),
              HasSubstr("link.predecessor_urn: '10-2' is not a URN"));
}

TEST(LifeCycleTest, AConversionNamesTheAcademyAndTheTrust) {
  Workflow w;
  w.Must(Register(kSchool), "2024-09-01");
  auto empty = w.Run(Conversion("", ""), "2026-04-01");
  ASSERT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("conversion.successor_urn: is required"));
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("conversion.trust_name: is required"));

  auto own = w.Run(Conversion(kUrn), "2026-04-01");
  ASSERT_EQ(own.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(own.status().message()), HasSubstr("conversion.successor_urn"));

  Workflow academy;
  academy.Must(Register(kAcademy), "2024-09-01");
  auto converted_again = academy.Run(Conversion(), "2026-04-01");
  ASSERT_EQ(converted_again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(converted_again.status().message()),
              HasSubstr("maintained schools only"));
}

TEST(LifeCycleTest, AStreamWithoutLifeCycleEventsFoldsAsBefore) {
  Workflow w = RequiresImprovementSchool();
  const InstitutionState folded = Fold(kUrn, w.events());
  EXPECT_TRUE(folded.closed_on().empty());
  EXPECT_FALSE(folded.has_closure());
  EXPECT_EQ(folded.episode().ended_by(), v1::EPISODE_END_UNSPECIFIED);
  EXPECT_EQ(folded.state(), w.state().state());
}

}  // namespace
}  // namespace scc::domain
