// Kills a process that appends under concurrent load at random moments (SIGKILL, no chance to
// clean up), reopens the log after each kill and checks that nothing acknowledged was lost, no
// append is half present, positions stay gapless and the hash chain verifies. Against both
// homes: on PostgreSQL the killed process's session, and with it the writer role, go at once,
// and the next process takes the role.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "storage/test_util.h"
#include "tests/crash/crash_protocol.h"

namespace scc::crash {
namespace {

using storage::EventLog;
using storage::ExpectedVersion;

struct Ack {
  std::string stream;
  uint64_t first_position;
  uint64_t first_version;
};

// Runs the child until it has acknowledged `kill_after` appends, then SIGKILLs it. Every line the
// child wrote before dying is an acknowledged append and lands in `acks`.
void RunAndKill(const std::string& dir, const std::string& run_id, int kill_after,
                std::map<std::string, Ack>* acks) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), run_id.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* in = fdopen(out[0], "r");
  ASSERT_NE(in, nullptr);
  int seen = 0;
  bool killed = false;
  if (kill_after == 0) {
    kill(pid, SIGKILL);
    killed = true;
  }
  char* line = nullptr;
  size_t cap = 0;
  while (getline(&line, &cap, in) > 0) {
    std::vector<std::string> f = absl::StrSplit(absl::StripTrailingAsciiWhitespace(line), ' ');
    ASSERT_EQ(f.size(), 4u) << line;
    (*acks)[f[0]] = Ack{f[1], std::stoull(f[2]), std::stoull(f[3])};
    if (!killed && ++seen >= kill_after) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  free(line);
  fclose(in);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(killed) << "child exited on its own: status " << status;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
}

// Everything that must hold after a crash.
void CheckLog(const std::string& dir, const std::map<std::string, Ack>& acks, std::mt19937* rng) {
  auto opened = EventLog::Open(dir);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventLog& log = **opened;
  ASSERT_TRUE(log.AwaitWritable(absl::Now() + absl::Seconds(30)).ok()) << log.WriteState();

  // Chain, gaplessness and index agree.
  auto report = log.Verify(0, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->ok) << "position " << *report->first_bad_position << ": "
                          << report->problem;
  const uint64_t n = log.NextPosition();
  ASSERT_EQ(n % kEventsPerAppend, 0u) << "a partial append is present";

  // Every append present is whole and matches its request; collect what is present.
  std::map<std::string, uint64_t> present;  // request_id -> first position
  for (uint64_t from = 0; from < n;) {
    auto page = log.ReadAll(from, 999);
    ASSERT_TRUE(page.ok()) << page.status();
    for (size_t i = 0; i < page->events.size(); i += kEventsPerAppend) {
      const std::string& id = page->events[i].request_id;
      const auto expected = EventsFor(id);
      for (int k = 0; k < kEventsPerAppend; ++k) {
        const storage::RecordedEvent& e = page->events[i + k];
        ASSERT_EQ(e.request_id, id) << "append " << id << " is split at position " << e.position;
        ASSERT_EQ(e.data, expected[k].data);
        ASSERT_EQ(e.version, page->events[i].version + k);
      }
      ASSERT_TRUE(present.emplace(id, page->events[i].position).second) << id << " twice";
    }
    from = page->next_position;
  }

  // Nothing acknowledged is lost, and it sits where the acknowledgement said.
  for (const auto& [id, ack] : acks) {
    auto it = present.find(id);
    ASSERT_NE(it, present.end()) << "acknowledged append " << id << " is lost";
    ASSERT_EQ(it->second, ack.first_position) << id;
  }

  // A retry after the crash is answered from the first result and writes nothing.
  if (!acks.empty()) {
    auto pick = acks.begin();
    std::advance(pick, std::uniform_int_distribution<size_t>(0, acks.size() - 1)(*rng));
    auto retry = log.Append(pick->second.stream, ExpectedVersion::NoStream(),
                            EventsFor(pick->first), pick->first);
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_TRUE(retry->replayed);
    EXPECT_EQ(retry->first_position, pick->second.first_position);
    EXPECT_EQ(retry->first_version, pick->second.first_version);
    EXPECT_EQ(log.NextPosition(), n);
  }
}

class EventLogCrashTest : public ::testing::TestWithParam<storage::testing::LogBackend> {};
INSTANTIATE_TEST_SUITE_P(Backends, EventLogCrashTest,
                         ::testing::Values(storage::testing::LogBackend::kRocksDb,
                                           storage::testing::LogBackend::kPostgres),
                         storage::testing::LogBackendName());

TEST_P(EventLogCrashTest, NothingAcknowledgedIsLostAcrossRandomKills) {
  const storage::testing::LogHome home(GetParam());
  const std::string& path = home.location();
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::uniform_int_distribution<int> kill_after(0, 120);

  constexpr int kKills = 25;
  std::map<std::string, Ack> acks;
  for (int run = 0; run < kKills; ++run) {
    RunAndKill(path, absl::StrCat("run", run), run == 0 ? 1 : kill_after(rng), &acks);
    ASSERT_NO_FATAL_FAILURE(CheckLog(path, acks, &rng)) << "after kill " << run;
  }
  RecordProperty("kills", kKills);
  RecordProperty("acknowledged_appends", static_cast<int>(acks.size()));
  std::printf("%d kills, %zu acknowledged appends checked\n", kKills, acks.size());
}

}  // namespace
}  // namespace scc::crash
