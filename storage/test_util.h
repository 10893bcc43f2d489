// Helpers shared by the storage tests: a real temporary directory per test, and event builders.
#ifndef SCC_STORAGE_TEST_UTIL_H_
#define SCC_STORAGE_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/event.h"

namespace rocksdb {
class Env;
}

namespace scc::storage {
class EventLog;
}

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

class FaultInjectionFs;

// A small volume for disk-full tests: a tmpfs of a given size, or a loop-mounted ext4 image,
// mounted on a fresh directory (the tests run as root). Where mounting is not permitted it falls back to a directory on the
// ordinary disk whose writes go through a FaultInjectionFs, which answers ENOSPC at every write
// stage while Fill() is in force; env() is then that file system's Env, to pass to the log, and
// a process under test (sccd) cannot use it, so server tests ask mounted() first and fail.
// The mount lives in a mount namespace of the test process (and its children) where it can
// have one (the first SmallVolume of a process with one thread enters it), so it vanishes with
// the process even if it aborts; the destructor unmounts (lazily) and removes the directory.
class SmallVolume {
 public:
  // kExt4Image: an ext4 file system in an image file on the ordinary disk, loop-mounted.
  enum class Kind { kTmpfs, kExt4Image, kInjectedNoSpace };
  // kTmpfs and kExt4Image fall back to kInjectedNoSpace where mounting is refused.
  explicit SmallVolume(uint64_t bytes, Kind kind = Kind::kTmpfs);
  ~SmallVolume();
  SmallVolume(const SmallVolume&) = delete;
  SmallVolume& operator=(const SmallVolume&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& path() const { return dir_.path(); }
  std::string Sub(const std::string& name) const { return dir_.Sub(name); }
  // nullptr on a mounted volume (the real file system); the fault-injecting Env otherwise.
  rocksdb::Env* env() const { return env_.get(); }

  // Takes every free byte but `leave` with one more ballast file (mounted), or makes every
  // write fail with ENOSPC (fallback, `leave` ignored).
  absl::Status Fill(uint64_t leave);
  // Gives the space back: removes every ballast file, or ends the ENOSPC answers.
  absl::Status Free();
  // Free bytes of the volume as statvfs reports them (the fallback: of the ordinary disk).
  uint64_t FreeBytes() const;

 private:
  TempDir image_dir_;  // holds the ext4 image
  TempDir dir_;
  bool mounted_ = false;
  int ballasts_ = 0;
  std::unique_ptr<FaultInjectionFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

// `count` events of type `type` whose data is `payload_bytes` bytes naming their index.
std::vector<EventData> MakeEvents(int count, size_t payload_bytes = 32,
                                  const std::string& type = "TestEvent");

// `writers` threads, each appending two events of `event_bytes` bytes at a time to its own
// stream ("s0", "s1", ...) with request ids "<prefix><writer>-<n>", until an append is refused;
// each then stops. For tests of a disk that fails or fills under load. Thread-safe.
class WritersUntilRefused {
 public:
  struct Refused {
    std::string request_id;
    std::string stream;
    absl::Status status;
  };

  WritersUntilRefused(EventLog& log, const std::string& prefix, int writers = 8,
                      size_t event_bytes = 32);
  ~WritersUntilRefused() { Join(); }

  // Blocks until `count` appends were acknowledged.
  void AwaitAcknowledged(size_t count);
  // Waits until every writer has stopped.
  void Join();
  // REQUIRES: Join() returned.
  const std::vector<std::pair<std::string, AppendResult>>& acked() const
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return acked_;
  }
  const std::vector<Refused>& refused() const ABSL_NO_THREAD_SAFETY_ANALYSIS { return refused_; }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<std::string, AppendResult>> acked_ ABSL_GUARDED_BY(mu_);
  std::vector<Refused> refused_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace scc::storage::testing

#endif  // SCC_STORAGE_TEST_UTIL_H_
