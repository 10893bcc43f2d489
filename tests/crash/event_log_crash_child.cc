// Crash-test child: appends from several threads until killed, printing one line per
// acknowledged append: "<request_id> <stream> <first_position> <first_version>".
// Usage: event_log_crash_child LOCATION RUN_ID (a directory or a PostgreSQL URI)
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "storage/event_log.h"
#include "tests/crash/crash_protocol.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s LOCATION RUN_ID\n", argv[0]);
    return 2;
  }
  auto log = scc::storage::EventLog::Open(argv[1]);
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  // On PostgreSQL the writer role of the process killed before is free once its session ended.
  if (absl::Status writable = (*log)->AwaitWritable(absl::Now() + absl::Seconds(30));
      !writable.ok()) {
    std::fprintf(stderr, "not writable: %s\n", writable.ToString().c_str());
    return 1;
  }
  const std::string run = argv[2];
  absl::Mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        const std::string request_id = absl::StrCat(run, "-", t, "-", i);
        const std::string stream = absl::StrCat("stream-", t % 4);
        auto r = (*log)->Append(stream, scc::storage::ExpectedVersion::Any(),
                                scc::crash::EventsFor(request_id), request_id);
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          _exit(1);
        }
        const std::string line = absl::StrCat(request_id, " ", stream, " ", r->first_position,
                                              " ", r->first_version, "\n");
        absl::MutexLock lock(&out_mu);
        if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return 0;
}
