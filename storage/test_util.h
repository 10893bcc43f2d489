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
#include "absl/status/statusor.h"
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

// A PostgreSQL server for tests, on loopback with fsync on, run by tests/support/postgres.sh.
// Thread-safe (its methods only run the script or open connections of their own).
class PostgresServer {
 public:
  // Starts a server in `dir` (anew). `sync_standby`: the name of a standby every commit waits
  // for; empty: none.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start(const std::string& dir,
                                                               const std::string& sync_standby = "");
  // The server the tests of this run share: the one ctest's `postgres` fixture started (its
  // directory in $SCC_TEST_POSTGRES_DIR), else one started for this process and stopped at its
  // exit. Aborts when none can be started.
  static const PostgresServer& Shared();
  // Stops the server, if this object started it.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A streaming standby of this server in `dir`, named `name`.
  absl::StatusOr<std::unique_ptr<PostgresServer>> StartStandby(const std::string& dir,
                                                               const std::string& name) const;
  absl::Status Promote() const;  // a standby becomes a primary
  absl::Status Kill() const;     // SIGKILL the postmaster and its backends
  absl::Status Stop() const;

  // postgresql://scc@127.0.0.1:PORT/scc
  const std::string& uri() const { return uri_; }
  // A location for a fresh, empty log: the URI of this server with a new schema of its own on
  // the search path (tests share one server, each with its own log).
  std::string NewLogLocation() const;
  // Runs `sql` against the log at `location` (tests tamper with a stored log through it).
  absl::Status Execute(const std::string& location, const std::string& sql) const;

 private:
  PostgresServer(std::string dir, std::string uri, bool owned)
      : dir_(std::move(dir)), uri_(std::move(uri)), owned_(owned) {}
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Adopt(const std::string& dir, bool owned);
  absl::Status Script(const std::string& args) const;

  std::string dir_;
  std::string uri_;
  bool owned_;
};

// Where a test's event log lives: its two homes, for tests that run against both.
enum class LogBackend { kRocksDb, kPostgres };
// Names the backend of a parameterised test ("RocksDb", "Postgres"): pass LogBackendName() to
// INSTANTIATE_TEST_SUITE_P.
struct LogBackendName {
  static std::string Name(LogBackend backend);
  template <typename ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    return Name(info.param);
  }
};

// A fresh location for one log of `backend`: a directory under a TempDir, or a schema of its
// own on PostgresServer::Shared().
class LogHome {
 public:
  explicit LogHome(LogBackend backend);
  LogBackend backend() const { return backend_; }
  const std::string& location() const { return location_; }
  // Another fresh location of the same kind.
  std::string Another(const std::string& name) const;
  // A directory for files the test writes (backups).
  std::string Dir(const std::string& name) const { return dir_.Sub(name); }

 private:
  LogBackend backend_;
  TempDir dir_;
  std::string location_;
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
