// The whole server killed under load: 8 clients send commands to the real sccd (two per
// school, so the handler also decides again after concurrent writes; half of them in bulk
// calls of 10 commands across the schools), and the test SIGKILLs
// sccd at a random moment, 20 times, restarting it on the same data directory each time. Then:
// every acknowledged command is in the log exactly once and a retry with its request id is
// answered from the first result; commands that were in flight when the server died are there
// at most once; the hash chain verifies; and the read models equal a rebuild from the log.
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/scc_client.h"
#include "gtest/gtest.h"
#include "services/domain/domain_test_util.h"
#include "storage/test_util.h"
#include "tests/integration/sccd_process.h"

namespace scc::testing {
namespace {

using client::SccClient;

constexpr int kSchools = 4;
constexpr int kClients = 8;
constexpr int kKills = 20;

std::string Urn(int school) { return absl::StrCat(100300 + school); }

grpc::Status Send(const SccClient& client, const std::string& urn, const std::string& request_id,
                  const v1::EventPayload& payload, v1::CommandResult* result) {
  v1::CommandContext context;
  context.set_urn(urn);
  context.set_request_id(request_id);
  context.set_effective_date("2024-10-01");
  context.set_reason("recorded by the test");
  return client.Send(context, payload, result);
}

// Every read model, as the list API answers it.
std::string AllStatuses(SccdProcess& server) {
  SccClient reader(server.channel(), kAuditorToken);
  v1::ListInstitutionsRequest request;
  request.set_page_size(500);
  v1::ListInstitutionsResponse page;
  const grpc::Status s =
      reader.projections().ListInstitutions(reader.NewContext().get(), request, &page);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return page.SerializeAsString();
}

TEST(SccdCrashTest, KilledUnderLoadLosesNothingAcknowledged) {
  storage::testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  {
    auto server = SccdProcess::Start(data);
    ASSERT_TRUE(server.ok()) << server.status();
    SccClient hosi((*server)->channel(), kHosiToken);
    for (int s = 0; s < kSchools; ++s) {
      v1::CommandResult result;
      ASSERT_TRUE(Send(hosi, Urn(s), absl::StrCat("register-", s),
                       domain::testing::Register(), &result).ok());
    }
  }

  struct Command {
    std::string urn;
    uint64_t position = 0;
    bool acknowledged = false;
  };
  std::map<std::string, Command> sent;  // request id -> what the client learnt
  for (int round = 0; round < kKills; ++round) {
    auto started = SccdProcess::Start(data);
    ASSERT_TRUE(started.ok()) << "round " << round << ": " << started.status();
    std::unique_ptr<SccdProcess> server = *std::move(started);
    const int kill_after = std::uniform_int_distribution<int>(5, 120)(random);
    absl::Mutex mu;
    int acknowledged = 0;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        SccClient client(server->channel(), kHosiToken);
        const std::string urn = Urn(c % kSchools);
        for (int i = 0; c % 2 == 1 && !stop.load(); ++i) {
          // A bulk caller: each command of an answered call must be in the log.
          v1::SubmitCommandsRequest request;
          std::vector<std::string> ids;
          for (int k = 0; k < 10; ++k) {
            ids.push_back(absl::StrCat("crash-", round, "-", c, "-", i, "-", k));
            v1::BulkCommand* command = request.add_commands();
            command->mutable_context()->set_urn(Urn((c + k) % kSchools));
            command->mutable_context()->set_request_id(ids.back());
            command->mutable_context()->set_effective_date("2024-10-01");
            command->mutable_context()->set_reason("recorded by the test");
            *command->mutable_payload() = domain::testing::Visit();
            absl::MutexLock lock(&mu);
            sent[ids.back()].urn = command->context().urn();
          }
          v1::SubmitCommandsResponse response;
          const grpc::Status s = client.SubmitCommands(request, &response);
          absl::MutexLock lock(&mu);
          if (!s.ok()) return;  // the server is gone: these are in doubt
          for (int k = 0; k < 10; ++k) {
            const v1::CommandOutcome& o = response.outcomes(k);
            if (!o.has_result()) {
              ADD_FAILURE() << ids[k] << ": " << o.error().message();
              return;
            }
            sent[ids[k]] = {request.commands(k).context().urn(), o.result().global_position(),
                            true};
            ++acknowledged;
          }
        }
        for (int i = 0; !stop.load(); ++i) {
          const std::string id = absl::StrCat("crash-", round, "-", c, "-", i);
          {
            absl::MutexLock lock(&mu);
            sent[id].urn = urn;
          }
          v1::CommandResult result;
          const grpc::Status s = Send(client, urn, id, domain::testing::Visit(), &result);
          absl::MutexLock lock(&mu);
          if (!s.ok()) return;  // the server is gone: this one is in doubt
          sent[id] = {urn, result.global_position(), true};
          ++acknowledged;
        }
      });
    }
    {
      struct Target {
        const int* acknowledged;
        int kill_after;
      } target{&acknowledged, kill_after};
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](Target* t) { return *t->acknowledged >= t->kill_after; }, &target));
    }
    server->Kill();
    stop = true;
    for (std::thread& t : clients) t.join();
  }

  auto started = SccdProcess::Start(data);
  ASSERT_TRUE(started.ok()) << started.status();
  SccdProcess& server = **started;
  SccClient hosi(server.channel(), kHosiToken);
  int acknowledged = 0;
  for (const auto& [id, command] : sent) {
    v1::CommandResult again;
    ASSERT_TRUE(Send(hosi, command.urn, id, domain::testing::Visit(), &again).ok()) << id;
    if (!command.acknowledged) continue;  // in doubt: recorded now if it was not before
    ++acknowledged;
    ASSERT_TRUE(again.replayed()) << id << " was acknowledged but is not in the log";
    EXPECT_EQ(again.global_position(), command.position) << id;
  }
  EXPECT_GE(acknowledged, kKills * 5);
  std::printf("%d kills: %d commands acknowledged, %zu in doubt when the server died\n", kKills,
              acknowledged, sent.size() - acknowledged);

  // Every request id is in the log exactly once.
  absl::StatusOr<std::map<std::string, int>> in_log = RequestIdsInLog(server.channel());
  ASSERT_TRUE(in_log.ok()) << in_log.status();
  const std::map<std::string, int>& seen = *in_log;
  SccClient auditor(server.channel(), kAuditorToken);
  EXPECT_EQ(seen.size(), sent.size() + kSchools);
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;

  v1::VerifyLogResponse verified;
  ASSERT_TRUE(auditor.audit().VerifyLog(auditor.NewContext().get(), {}, &verified).ok());
  EXPECT_TRUE(verified.ok()) << verified.problem();
  EXPECT_EQ(verified.checked(), seen.size());

  // The read models the server kept through 20 kills equal a rebuild from the log.
  v1::GetInstitutionRequest latest;
  latest.set_urn(Urn(0));
  latest.mutable_options()->set_min_position(verified.next_position() - 1);
  v1::InstitutionStatus ignored;
  ASSERT_TRUE(auditor.projections().GetInstitution(auditor.NewContext().get(), latest, &ignored).ok());
  const std::string kept = AllStatuses(server);
  ASSERT_EQ(server.Terminate(), 0);
  const CommandOutcome rebuild =
      RunCommand(absl::StrCat(SCCD_PATH, " rebuild-projections --data ", data));
  ASSERT_EQ(rebuild.code, 0) << rebuild.out;
  auto rebuilt = SccdProcess::Start(data);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(AllStatuses(**rebuilt), kept);
}

}  // namespace
}  // namespace scc::testing
