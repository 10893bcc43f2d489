// What the crash child appends, so the test can rebuild each append's content from its
// request_id alone. Shared by the child and the test.
#ifndef SCC_TESTS_CRASH_CRASH_PROTOCOL_H_
#define SCC_TESTS_CRASH_CRASH_PROTOCOL_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/event.h"

namespace scc::crash {

inline constexpr int kEventsPerAppend = 3;

inline std::vector<storage::EventData> EventsFor(const std::string& request_id) {
  std::vector<storage::EventData> events;
  for (int k = 0; k < kEventsPerAppend; ++k) {
    std::string data = absl::StrCat(request_id, "/", k, ":");
    data.resize(300, '.');
    events.push_back(storage::EventData{"CrashTestEvent", data, ""});
  }
  return events;
}

}  // namespace scc::crash

#endif  // SCC_TESTS_CRASH_CRASH_PROTOCOL_H_
