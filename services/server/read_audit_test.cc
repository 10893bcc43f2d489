// The read audit on a real store: lists by institution, by user and by period, newest first and
// in pages; retention drops old reads from every list; a full queue drops and counts.
#include "services/server/read_audit.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/codec/event_codec.h"
#include "storage/test_util.h"

namespace scc::server {
namespace {

v1::FileRead Read(const std::string& user, const std::string& urn, const std::string& day,
                  int minute = 0) {
  v1::FileRead read;
  read.set_user(user);
  read.set_role(v1::ROLE_LEAD_OFFICER);
  read.set_rpc("GetHistory");
  read.set_urn(urn);
  read.set_peer("ipv4:127.0.0.1:5000");
  absl::CivilDay civil;
  EXPECT_TRUE(absl::ParseCivilTime(day, &civil));
  codec::SetTimestamp(absl::FromCivil(civil, absl::UTCTimeZone()) + absl::Minutes(minute),
                      read.mutable_at());
  return read;
}

class ReadAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ReadAudit::Open(dir_.Sub("reads"), absl::Hours(24 * 365 * 50), nullptr);
    ASSERT_TRUE(opened.ok()) << opened.status();
    audit_ = *std::move(opened);
    audit_->Record(Read("lo-ann", "100001", "2026-01-10"));
    audit_->Record(Read("lo-bob", "100001", "2026-02-10"));
    audit_->Record(Read("lo-ann", "100002", "2026-03-10"));
    audit_->Record(Read("lo-ann", "100001", "2026-04-10"));
    audit_->Flush();
  }

  std::vector<std::string> List(v1::ListFileReadsRequest request) {
    auto listed = audit_->List(request);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> out;
    for (const v1::FileRead& r : listed->reads()) {
      out.push_back(absl::StrCat(r.user(), " ", r.urn(), " ",
                                 absl::FormatTime("%Y-%m-%d", codec::FromTimestamp(r.at(), "at").value(),
                                                  absl::UTCTimeZone())));
    }
    return out;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<ReadAudit> audit_;
};

using ::testing::ElementsAre;

TEST_F(ReadAuditTest, WhoViewedThisFileNewestFirst) {
  v1::ListFileReadsRequest request;
  request.set_urn("100001");
  EXPECT_THAT(List(request), ElementsAre("lo-ann 100001 2026-04-10", "lo-bob 100001 2026-02-10",
                                         "lo-ann 100001 2026-01-10"));
}

TEST_F(ReadAuditTest, WhatAUserViewedInAPeriod) {
  v1::ListFileReadsRequest request;
  request.set_user("lo-ann");
  request.set_from_date("2026-02-01");
  request.set_to_date("2026-03-10");
  EXPECT_THAT(List(request), ElementsAre("lo-ann 100002 2026-03-10"));
  request.clear_from_date();
  request.clear_to_date();
  request.set_urn("100001");  // both: this user's reads of this file
  EXPECT_THAT(List(request), ElementsAre("lo-ann 100001 2026-04-10", "lo-ann 100001 2026-01-10"));
}

TEST_F(ReadAuditTest, PagesFollowOnWithoutGapsOrRepeats) {
  v1::ListFileReadsRequest request;
  request.set_page_size(3);
  auto first = audit_->List(request);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->reads_size(), 3);
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  EXPECT_THAT(List(request), ElementsAre("lo-ann 100001 2026-01-10"));
}

TEST_F(ReadAuditTest, RetentionDropsOldReadsFromEveryList) {
  absl::CivilDay cutoff(2026, 3, 1);
  auto dropped = audit_->DropBefore(absl::FromCivil(cutoff, absl::UTCTimeZone()));
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(*dropped, 2u);
  v1::ListFileReadsRequest by_urn;
  by_urn.set_urn("100001");
  EXPECT_THAT(List(by_urn), ElementsAre("lo-ann 100001 2026-04-10"));
  v1::ListFileReadsRequest by_user;
  by_user.set_user("lo-bob");
  EXPECT_THAT(List(by_user), ElementsAre());
  EXPECT_EQ(List(v1::ListFileReadsRequest()).size(), 2u);
}

TEST_F(ReadAuditTest, BadDatesAndTokensAreRefusedByName) {
  v1::ListFileReadsRequest request;
  request.set_from_date("2026-13-01");
  request.set_page_token("not a token");
  const auto listed = audit_->List(request);
  ASSERT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(listed.status().message()), ::testing::HasSubstr("from_date"));
  EXPECT_THAT(std::string(listed.status().message()), ::testing::HasSubstr("page_token"));
}

TEST(ReadAuditQueueTest, AFullQueueDropsAndCountsWhatItCannotKeep) {
  storage::testing::TempDir dir;
  auto opened = ReadAudit::Open(dir.Sub("reads"), absl::Hours(24), nullptr, /*queue_limit=*/0);
  ASSERT_TRUE(opened.ok());
  (*opened)->Record(Read("lo-ann", "100001", "2026-01-10"));
  EXPECT_EQ((*opened)->dropped(), 1u);
}

}  // namespace
}  // namespace scc::server
