// Helpers shared by the storage tests: a real temporary directory per test, and event builders.
#ifndef SCC_STORAGE_TEST_UTIL_H_
#define SCC_STORAGE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "storage/event.h"

namespace scc::storage::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// `count` events of type `type` whose data is `payload_bytes` bytes naming their index.
std::vector<EventData> MakeEvents(int count, size_t payload_bytes = 32,
                                  const std::string& type = "TestEvent");

}  // namespace scc::storage::testing

#endif  // SCC_STORAGE_TEST_UTIL_H_
