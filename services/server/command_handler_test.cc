// Where the command handler answers, on a real event log: the log's commit thread only hands a
// commit's outcome over, and the answer runs on a completion thread of the handler's, so an
// answer that takes its time does not hold up the commits of others.
#include "services/server/command_handler.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"
#include "services/server/institution_repository.h"
#include "storage/test_util.h"

namespace scc::server {
namespace {

constexpr absl::Duration kPatience = absl::Seconds(20);

TEST(CommandHandlerTest, AnswersRunOffTheLogsCommitThread) {
  storage::testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log = storage::EventLog::Open(dir.Sub("log"));
  ASSERT_TRUE(log.ok()) << log.status();
  InstitutionRepository repository(log->get());
  CommandHandler handler(log->get(), &repository, [] { return domain::testing::kToday; });

  // The commit thread, as the log names it to its own callbacks.
  std::thread::id commit_thread;
  absl::Notification committed;
  (*log)->AppendAsync("probe", storage::ExpectedVersion::Any(), storage::testing::MakeEvents(1),
                      "", [&](absl::StatusOr<storage::AppendResult> r) {
                        EXPECT_TRUE(r.ok()) << r.status();
                        commit_thread = std::this_thread::get_id();
                        committed.Notify();
                      });
  ASSERT_TRUE(committed.WaitForNotificationWithTimeout(kPatience));

  // An answer that does not return until the test lets it.
  domain::Command command;
  command.context.set_urn(domain::testing::kUrn);
  command.context.set_request_id("slow-answer");
  command.context.set_effective_date("2026-11-20");
  command.payload = domain::testing::Register();
  std::thread::id answer_thread;
  absl::Notification answering, release, answered;
  handler.Execute({"hosi", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT}, command,
                  [&](absl::StatusOr<v1::CommandResult> r) {
                    EXPECT_TRUE(r.ok()) << r.status();
                    answer_thread = std::this_thread::get_id();
                    answering.Notify();
                    release.WaitForNotification();
                    answered.Notify();
                  });
  ASSERT_TRUE(answering.WaitForNotificationWithTimeout(kPatience));
  EXPECT_NE(answer_thread, commit_thread);

  // While that answer is held, other appends still commit.
  absl::Notification other_committed;
  std::thread other([&] {
    absl::StatusOr<storage::AppendResult> r = (*log)->Append(
        "other", storage::ExpectedVersion::Any(), storage::testing::MakeEvents(1), "");
    EXPECT_TRUE(r.ok()) << r.status();
    other_committed.Notify();
  });
  const bool committed_meanwhile = other_committed.WaitForNotificationWithTimeout(kPatience);
  release.Notify();
  other.join();
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(kPatience));
  EXPECT_TRUE(committed_meanwhile) << "a held answer held up the log's commits";
}

}  // namespace
}  // namespace scc::server
