// Upgrading the previous release's log (store format 1) so that its records can be redacted
// (docs/data-protection.md): the upgraded log verifies, rebuilds the old chain up to the head
// the old log had, folds the same, and after a redaction of an upgraded record still verifies
// and still ends the old chain on that head.
#include <filesystem>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "clients/cpp/scc_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/server/log_upgrade.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;

constexpr uint64_t kFixtureEvents = 995;

TEST(LogUpgradeTest, ThePreviousReleasesLogUpgradesAndItsOldHeadStaysProvable) {
  storage::testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("data"));
  std::filesystem::copy(FIXTURE_LOG, dir.Sub("old"), std::filesystem::copy_options::recursive);
  std::string old_head;
  {
    auto old = storage::EventLog::Open(dir.Sub("old"));
    ASSERT_TRUE(old.ok()) << old.status();
    old_head = absl::BytesToHexString((*old)->HeadHash());
  }
  auto report = server::UpgradeLog(dir.Sub("old"), dir.Sub("data/events"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, kFixtureEvents);
  EXPECT_EQ(report->old_head, old_head);
  EXPECT_NE(report->new_head, old_head);
  EXPECT_EQ(server::UpgradeLog(dir.Sub("data/events"), dir.Sub("again")).status().code(),
            absl::StatusCode::kFailedPrecondition);  // format 2 already

  auto server = SccdProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  SccClient auditor((*server)->channel(), kAuditorToken);
  const auto verify = [&] {
    v1::VerifyLogRequest request;
    request.set_legacy(true);
    v1::VerifyLogResponse verified;
    EXPECT_TRUE(auditor.audit().VerifyLog(auditor.NewContext().get(), request, &verified).ok());
    return verified;
  };
  v1::VerifyLogResponse verified = verify();
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.checked(), kFixtureEvents);
  EXPECT_EQ(verified.legacy_head_hash(), old_head);
  EXPECT_EQ(verified.legacy_checked(), kFixtureEvents);
  EXPECT_EQ(verified.legacy_problem(), "");

  // An upgraded record now holds its personal data in sections: redact one.
  v1::ReadEventsRequest read;
  read.set_page_size(1000);
  v1::ReadEventsResponse events;
  ASSERT_TRUE(auditor.audit().ReadEvents(auditor.NewContext().get(), read, &events).ok());
  const v1::Event* named = nullptr;
  for (const v1::Event& e : events.events()) {
    if (!e.redactable().empty() && !e.urn().empty()) {
      named = &e;
      break;
    }
  }
  ASSERT_NE(named, nullptr) << "no upgraded record holds personal data";
  v1::EventPayload redaction;
  redaction.mutable_event_redacted()->set_redacted_event_id(named->event_id());
  redaction.mutable_event_redacted()->add_fields(named->redactable(0));
  const grpc::Status redacted = RecordCommand((*server)->channel(), kHosiToken, named->urn(),
                                              redaction, "2026-12-01", "redact-upgraded");
  ASSERT_TRUE(redacted.ok()) << redacted.error_message();

  verified = verify();
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.legacy_head_hash(), old_head);  // carried by the stored old hash
  EXPECT_EQ(verified.legacy_redacted(), 1u);
  EXPECT_EQ(verified.legacy_checked(), kFixtureEvents - 1);
  EXPECT_EQ(verified.legacy_problem(), "");
}

}  // namespace
}  // namespace scc::testing
