#include "storage/test_util.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace scc::storage::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/scc-test-XXXXXX");
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<EventData> MakeEvents(int count, size_t payload_bytes, const std::string& type) {
  std::vector<EventData> events;
  for (int i = 0; i < count; ++i) {
    std::string data = absl::StrCat("event-", i, ":");
    data.resize(std::max(payload_bytes, data.size()), 'x');
    events.push_back(EventData{type, data, absl::StrCat("meta-", i)});
  }
  return events;
}

}  // namespace scc::storage::testing
