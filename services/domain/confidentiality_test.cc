// who reads which confidential content, cell by cell, and what is left out of an event.
#include "services/domain/confidentiality.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/authorization.h"
#include "services/domain/domain_test_util.h"

namespace scc::domain {
namespace {

namespace t = scc::domain::testing;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr v1::Confidentiality kPlan = v1::CONFIDENTIALITY_SCHOOL_PLAN;
constexpr v1::Confidentiality kRecord = v1::CONFIDENTIALITY_LA_RECORD;

// What each role may read of each kind, where it works with the institution and where not.
struct Cell {
  v1::Role role;
  bool plan_where_works, plan_elsewhere, record_where_works, record_elsewhere;
};

TEST(ConfidentialityTest, EachRoleReadsEachKindAsFarAsTheTableSays) {
  const Cell kCells[] = {
      {v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, true, true, true, true},
      {v1::ROLE_LEAD_OFFICER, true, false, true, false},
      {v1::ROLE_SRG_MEMBER, true, true, true, true},
      {v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, true, false, true, false},
      {v1::ROLE_AUDITOR, true, true, true, true},
      {v1::ROLE_REPORT_READER, false, false, false, false},
      {v1::ROLE_SERVICE_ACCOUNT, false, false, false, false},
      {v1::ROLE_HEADTEACHER, true, false, false, false},
      {v1::ROLE_CHAIR_OF_GOVERNORS, true, false, false, false},
      {v1::ROLE_UNSPECIFIED, false, false, false, false},
  };
  for (const Cell& c : kCells) {
    SCOPED_TRACE(v1::Role_Name(c.role));
    EXPECT_EQ(MayRead({c.role, true}, kPlan), c.plan_where_works);
    EXPECT_EQ(MayRead({c.role, false}, kPlan), c.plan_elsewhere);
    EXPECT_EQ(MayRead({c.role, true}, kRecord), c.record_where_works);
    EXPECT_EQ(MayRead({c.role, false}, kRecord), c.record_elsewhere);
    EXPECT_TRUE(MayRead({c.role, false}, v1::CONFIDENTIALITY_UNSPECIFIED));
  }
}

InstitutionState School(const std::string& lead_officer, const std::string& lni = "") {
  InstitutionState state;
  state.set_urn("100001");
  state.set_registered(true);
  state.mutable_details()->set_kind(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  state.mutable_details()->set_learning_network_inspector(lni);
  state.mutable_episode()->mutable_lead_officer()->set_lead_officer_id(lead_officer);
  return state;
}

TEST(ConfidentialityTest, WhoWorksWithAnInstitution) {
  const InstitutionState school = School("lo-ann", "lni-bob");
  EXPECT_TRUE(WorksWith("lo-ann", v1::ROLE_LEAD_OFFICER, {}, school));
  EXPECT_TRUE(WorksWith("lni-bob", v1::ROLE_LEAD_OFFICER, {}, school));
  EXPECT_FALSE(WorksWith("lo-cat", v1::ROLE_LEAD_OFFICER, {}, school));
  EXPECT_FALSE(WorksWith("ey-dee", v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, {}, school));
  InstitutionState setting = school;
  setting.mutable_details()->set_kind(v1::INSTITUTION_KIND_EARLY_YEARS_SETTING);
  EXPECT_TRUE(WorksWith("ey-dee", v1::ROLE_EARLY_YEARS_STANDARDS_TEAM, {}, setting));
  EXPECT_TRUE(WorksWith("head", v1::ROLE_HEADTEACHER, {"100001"}, school));
  EXPECT_FALSE(WorksWith("head", v1::ROLE_HEADTEACHER, {"100002"}, school));
  EXPECT_TRUE(WorksWith("hosi", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, {}, school));
}

v1::Notes ConfidentialNotes() {
  v1::Notes notes;
  notes.set_text("the head was candid");
  notes.set_confidential(true);
  return notes;
}

v1::EventPayload FullMcm() {
  v1::EventPayload mcm = t::Mcm();
  mcm.mutable_monitoring_and_challenge_meeting_held()->set_quality_of_la_support("thin");
  mcm.mutable_monitoring_and_challenge_meeting_held()->add_attendees("Ann Okafor");
  return mcm;
}

TEST(ConfidentialityTest, AReportReaderGetsThatTheMeetingHappenedButNotItsContent) {
  v1::Notes notes = ConfidentialNotes();
  v1::EventPayload mcm = FullMcm();
  const Withheld withheld = WithholdFrom({v1::ROLE_REPORT_READER, true}, notes, mcm);
  EXPECT_TRUE(withheld.notes);
  EXPECT_TRUE(notes.text().empty());
  EXPECT_TRUE(notes.confidential());
  EXPECT_THAT(withheld.fields,
              ElementsAre("monitoring_and_challenge_meeting_held.progress_towards_good",
                          "monitoring_and_challenge_meeting_held.quality_of_la_support",
                          "monitoring_and_challenge_meeting_held.attendees"));
  EXPECT_TRUE(mcm.has_monitoring_and_challenge_meeting_held());
  EXPECT_EQ(mcm.monitoring_and_challenge_meeting_held().ByteSizeLong(), 0u);
}

TEST(ConfidentialityTest, ALeadOfficerReadsOnlyTheInstitutionsTheyLead) {
  for (const bool leads : {true, false}) {
    v1::Notes notes = ConfidentialNotes();
    v1::EventPayload plan = t::AgreePlan();
    const Withheld withheld = WithholdFrom({v1::ROLE_LEAD_OFFICER, leads}, notes, plan);
    EXPECT_EQ(withheld.notes, !leads);
    EXPECT_EQ(plan.action_plan_agreed().has_plan(), leads);
    if (!leads) {
      EXPECT_THAT(withheld.fields, ElementsAre("action_plan_agreed.plan"));
    }
  }
}

TEST(ConfidentialityTest, AHeadteacherReadsTheirPlanButNotTheLasRecordOfTheReview) {
  v1::Notes notes = ConfidentialNotes();
  v1::EventPayload review = t::Review();
  *review.mutable_action_plan_review_held()->mutable_plan() = t::AgreePlan().action_plan_agreed().plan();
  review.mutable_action_plan_review_held()->add_attendees("Ann Okafor");
  const Withheld withheld = WithholdFrom({v1::ROLE_HEADTEACHER, true}, notes, review);
  EXPECT_TRUE(withheld.notes);
  EXPECT_TRUE(review.action_plan_review_held().has_plan());
  EXPECT_THAT(withheld.fields, UnorderedElementsAre("action_plan_review_held.progress",
                                                    "action_plan_review_held.attendees"));
}

TEST(ConfidentialityTest, ACorrectionsReplacementIsWithheldLikeTheOriginal) {
  v1::Notes notes;
  notes.set_text("not flagged, but a meeting's notes are confidential whatever the caller said");
  const v1::EventPayload mcm = FullMcm();
  v1::EventPayload correction = t::Correct("mcm-id", &mcm);
  const Withheld withheld = WithholdFrom({v1::ROLE_SERVICE_ACCOUNT, true}, notes, correction);
  EXPECT_TRUE(withheld.notes);
  EXPECT_TRUE(notes.text().empty());
  EXPECT_THAT(withheld.fields,
              Contains("event_corrected.replacement.monitoring_and_challenge_meeting_held."
                       "quality_of_la_support"));
  EXPECT_EQ(correction.event_corrected().corrected_event_id(), "mcm-id");
}

TEST(ConfidentialityTest, AProgressReviewMeetingsNotesAreConfidentialEvenIfNotFlagged) {
  v1::Notes notes;
  notes.set_text("recorded before such notes were flagged");
  v1::EventPayload meeting = t::SprtMeeting();
  EXPECT_TRUE(WithholdFrom({v1::ROLE_REPORT_READER, true}, notes, meeting).notes);
  EXPECT_TRUE(notes.text().empty());
}

TEST(ConfidentialityTest, NothingIsWithheldFromARoleThatMayReadIt) {
  v1::Notes notes = ConfidentialNotes();
  v1::EventPayload mcm = FullMcm();
  const Withheld withheld = WithholdFrom({v1::ROLE_AUDITOR, false}, notes, mcm);
  EXPECT_FALSE(withheld.notes);
  EXPECT_THAT(withheld.fields, IsEmpty());
  EXPECT_EQ(notes.text(), "the head was candid");
  EXPECT_EQ(mcm.monitoring_and_challenge_meeting_held().quality_of_la_support(), "thin");
}

TEST(ConfidentialityTest, NothingIsWithheldWhenNothingIsConfidential) {
  v1::Notes notes;
  notes.set_text("public");
  v1::EventPayload visit = t::Visit();
  const Withheld withheld = WithholdFrom({v1::ROLE_REPORT_READER, false}, notes, visit);
  EXPECT_FALSE(withheld.notes);
  EXPECT_THAT(withheld.fields, IsEmpty());
  EXPECT_EQ(notes.text(), "public");
}

}  // namespace
}  // namespace scc::domain
