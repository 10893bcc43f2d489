// Retention schedules: the file's form, and which kind each piece of personal data is.
#include "services/domain/retention.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"

namespace scc::domain {
namespace {

using ::testing::HasSubstr;

TEST(RetentionScheduleTest, ReadsRulesAndNamesTheLineOfAMistake) {
  auto rules = ParseRetentionSchedule("# comment\n\nnames 6 closure   # trailing\nvisit_notes 1 recorded\n");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].Describe(), "names: 6 years from the institution's closure");
  EXPECT_EQ((*rules)[1].Describe(), "visit_notes: 1 year from the record's date");
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"names six closure", "line 1"}, {"\nletters 6 closure", "unknown kind 'letters'"},
           {"names 6 whenever", "unknown trigger"}, {"names 6 closure\nnames 7 recorded", "line 2"},
           {"names 6", "want '<kind> <years> <from>'"}}) {
    auto parsed = ParseRetentionSchedule(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(want)) << text;
  }
}

TEST(RetentionScheduleTest, EachPieceOfPersonalDataHasAKind) {
  StoredEvent visit{1, testing::Visit(), {}};
  EXPECT_EQ(RetentionKind(visit, "notes"), "visit_notes");
  EXPECT_EQ(RetentionKind(visit, "visit_recorded.visitor"), "names");
  StoredEvent mcm{2, testing::Mcm(), {}};
  EXPECT_EQ(RetentionKind(mcm, "notes"), "meeting_notes");
  StoredEvent report{3, testing::ProgressReport(), {}};
  EXPECT_EQ(RetentionKind(report, "notes"), "other_notes");
  EXPECT_EQ(RetentionKind(report, "progress_report_recorded.next_steps"), "free_text");
}

TEST(RetentionScheduleTest, AHoldStopsEveryClockAndAnOpenEpisodeHasNotStartedOne) {
  const std::vector<RetentionRule> rules = *ParseRetentionSchedule("visit_notes 1 episode_end");
  StoredEvent visit{1, testing::Visit(), {}};
  visit.metadata.set_effective_date("2020-01-10");
  visit.metadata.add_section_paths("visit_recorded.visitor");
  visit.metadata.add_section_paths("notes");
  RetentionClock clock;
  EXPECT_TRUE(Expired(visit, clock, rules, absl::CivilDay(2030, 1, 1)).empty());  // still open
  clock.episode_ends = {"2019-06-01", "2021-03-01"};  // the episode the visit belongs to ends 2021
  const auto expired = Expired(visit, clock, rules, absl::CivilDay(2022, 3, 1));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].path, "notes");
  EXPECT_EQ(expired[0].expired_on, "2022-03-01");
  EXPECT_TRUE(Expired(visit, clock, rules, absl::CivilDay(2022, 2, 28)).empty());
  clock.held_since = "2022-01-01";
  EXPECT_TRUE(Expired(visit, clock, rules, absl::CivilDay(2030, 1, 1)).empty());
}

}  // namespace
}  // namespace scc::domain
