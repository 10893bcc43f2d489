#include "storage/test_util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/env.h"
#include "storage/event_log.h"
#include "storage/pg_connection.h"
#include "storage/status_macros.h"
#include "storage/fault_injection_fs.h"
#include "storage/rocks_setup.h"

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

namespace {

// The threads of this process (from /proc/self/status); 0 if unknown.
int ThreadCount() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0;
  char line[256];
  int threads = 0;
  while (std::fgets(line, sizeof(line), status) != nullptr) {
    if (std::sscanf(line, "Threads: %d", &threads) == 1) break;
  }
  std::fclose(status);
  return threads;
}

// Moves the process, once, into a mount namespace of its own, so mounts made here go with it
// even when it aborts. A namespace belongs to a thread, not to the process: only a process
// with one thread may move, or threads started before would keep seeing the old mounts.
void EnterPrivateMountNamespace() {
  static const bool entered = [] {
    if (ThreadCount() != 1) return false;
    if (::unshare(CLONE_NEWNS) != 0) return false;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      std::fprintf(stderr, "SmallVolume: mounts stay shared (%s); an abort leaves them\n",
                   std::strerror(errno));
    }
    return true;
  }();
  if (!entered) {
    std::fprintf(stderr, "SmallVolume: no mount namespace of its own; an abort leaves mounts\n");
  }
}

}  // namespace

SmallVolume::SmallVolume(uint64_t bytes, Kind kind) {
  if (kind == Kind::kInjectedNoSpace) {
    fs_ = std::make_unique<FaultInjectionFs>();
    env_ = fs_->NewEnv();
    return;
  }
  EnterPrivateMountNamespace();
  if (kind == Kind::kTmpfs) {
    const std::string options = absl::StrCat("size=", bytes);
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
  } else {
    // mount(8) sets up the loop device and frees it again on unmount.
    const std::string image = image_dir_.Sub("volume.img");
    const std::string make = absl::StrCat("truncate -s ", bytes, " ", image,
                                          " && mkfs.ext4 -q -F -m 0 ", image, " >/dev/null 2>&1");
    mounted_ = std::system(make.c_str()) == 0 &&
               std::system(absl::StrCat("mount -o loop ", image, " ", dir_.path(),
                                        " >/dev/null 2>&1")
                               .c_str()) == 0;
  }
  if (!mounted_) {
    std::fprintf(stderr, "SmallVolume: mounting refused (%s); using ENOSPC injection\n",
                 std::strerror(errno));
    fs_ = std::make_unique<FaultInjectionFs>();
    env_ = fs_->NewEnv();
  }
}

SmallVolume::~SmallVolume() {
  env_.reset();
  fs_.reset();
  if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
}

absl::Status SmallVolume::Fill(uint64_t leave) {
  if (!mounted_) {
    fs_->SetNoSpace(true);
    return absl::OkStatus();
  }
  const uint64_t free_bytes = FreeBytes();
  if (free_bytes <= leave) return absl::OkStatus();
  const std::string ballast = dir_.Sub(absl::StrCat("ballast-", ++ballasts_));
  const int fd = ::open(ballast.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("open ", ballast, ": ", std::strerror(errno)));
  }
  // ext4 needs a few blocks of its own for the file's extents, and the log may be writing: take
  // a little less until the file system grants it, 64 KiB at a time, then a block at a time
  // when less is left. When not even a block is granted the volume is full already.
  constexpr uint64_t kStep = 64 << 10, kBlock = 4 << 10;
  uint64_t want = free_bytes - leave;
  int err = ::posix_fallocate(fd, 0, static_cast<off_t>(want));
  while (err == ENOSPC && want > 0) {
    want -= std::min(want, want > kStep ? kStep : kBlock);
    err = want > 0 ? ::posix_fallocate(fd, 0, static_cast<off_t>(want)) : 0;
  }
  ::close(fd);
  if (err != 0) {
    return absl::InternalError(absl::StrCat("fallocate ", ballast, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

absl::Status SmallVolume::Free() {
  if (!mounted_) {
    fs_->SetNoSpace(false);
    return absl::OkStatus();
  }
  for (; ballasts_ > 0; --ballasts_) {
    std::error_code ec;
    std::filesystem::remove(dir_.Sub(absl::StrCat("ballast-", ballasts_)), ec);
    if (ec) return absl::InternalError(absl::StrCat("removing a ballast file: ", ec.message()));
  }
  return absl::OkStatus();
}

uint64_t SmallVolume::FreeBytes() const {
  const absl::StatusOr<VolumeSpace> space = VolumeSpaceOf(dir_.path());
  return space.ok() ? space->free_bytes : 0;
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(
    const std::string& dir, const std::string& sync_standby) {
  PostgresServer starter(dir, "", false);
  RETURN_IF_ERROR(starter.Script(absl::StrCat("start ", dir, " ", sync_standby)));
  return Adopt(dir, true);
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Adopt(const std::string& dir,
                                                                      bool owned) {
  std::ifstream in(dir + "/uri");
  std::string uri;
  if (!std::getline(in, uri) || uri.empty()) {
    return absl::NotFoundError(absl::StrCat("no PostgreSQL server in ", dir));
  }
  return std::unique_ptr<PostgresServer>(new PostgresServer(dir, uri, owned));
}

const PostgresServer& PostgresServer::Shared() {
  static const PostgresServer* const shared = [] {
    absl::StatusOr<std::unique_ptr<PostgresServer>> server;
    if (const char* dir = std::getenv("SCC_TEST_POSTGRES_DIR"); dir != nullptr && *dir != '\0') {
      server = Adopt(dir, false);
    } else {
      static TempDir* const home = new TempDir();  // lives as long as the process
      server = Start(home->Sub("postgres"));
      if (server.ok()) {
        // Stopped when the process exits, even though the object is never destroyed.
        static std::string stop_dir = home->Sub("postgres");
        std::atexit([] { PostgresServer(stop_dir, "", true).Stop().IgnoreError(); });
      }
    }
    if (!server.ok()) {
      std::fprintf(stderr, "no PostgreSQL server for the tests: %s\n",
                   server.status().ToString().c_str());
      std::abort();
    }
    (*server)->owned_ = false;  // stopped at exit, not by a destructor
    return server->release();
  }();
  return *shared;
}

PostgresServer::~PostgresServer() {
  if (owned_) Stop().IgnoreError();  // a test's server: a failed stop leaves a process only
}

absl::Status PostgresServer::Script(const std::string& args) const {
  const std::string command =
      absl::StrCat(SCC_SOURCE_DIR, "/tests/support/postgres.sh ", args, " >&2");
  const int rc = std::system(command.c_str());
  if (rc != 0) return absl::InternalError(absl::StrCat("`", command, "` failed (", rc, ")"));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::StartStandby(
    const std::string& dir, const std::string& name) const {
  RETURN_IF_ERROR(Script(absl::StrCat("standby ", dir_, " ", dir, " ", name)));
  return Adopt(dir, true);
}

absl::Status PostgresServer::Promote() const { return Script("promote " + dir_); }
absl::Status PostgresServer::Kill() const { return Script("kill " + dir_); }
absl::Status PostgresServer::Stop() const { return Script("stop " + dir_); }

std::string PostgresServer::NewLogLocation() const {
  static std::atomic<int> counter{0};
  const std::string schema = absl::StrCat("log_", getpid(), "_", counter.fetch_add(1), "_",
                                          absl::ToUnixMicros(absl::Now()) % 1000000);
  if (absl::Status s = Execute(uri_, absl::StrCat("CREATE SCHEMA ", schema)); !s.ok()) {
    std::fprintf(stderr, "cannot create a schema for a test log: %s\n", s.ToString().c_str());
    std::abort();
  }
  return absl::StrCat(uri_, "?options=-csearch_path%3D", schema);
}

absl::Status PostgresServer::Execute(const std::string& location, const std::string& sql) const {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Connect(location));
  return conn->Run("test SQL", sql);
}

std::string LogBackendName::Name(LogBackend backend) {
  return backend == LogBackend::kRocksDb ? "RocksDb" : "Postgres";
}

LogHome::LogHome(LogBackend backend) : backend_(backend), location_(Another("log")) {}

std::string LogHome::Another(const std::string& name) const {
  if (backend_ == LogBackend::kRocksDb) return dir_.Sub(name);
  return PostgresServer::Shared().NewLogLocation();
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

WritersUntilRefused::WritersUntilRefused(EventLog& log, const std::string& prefix, int writers,
                                         size_t event_bytes) {
  for (int t = 0; t < writers; ++t) {
    threads_.emplace_back([this, &log, prefix, event_bytes, t] {
      const std::string stream = absl::StrCat("s", t);
      for (int i = 0;; ++i) {
        const std::string id = absl::StrCat(prefix, t, "-", i);
        auto r = log.Append(stream, ExpectedVersion::Any(), MakeEvents(2, event_bytes), id);
        absl::MutexLock lock(&mu_);
        if (!r.ok()) {
          refused_.push_back({id, stream, r.status()});
          return;
        }
        acked_.emplace_back(id, *r);
      }
    });
  }
}

void WritersUntilRefused::AwaitAcknowledged(size_t count) {
  struct Target {
    const std::vector<std::pair<std::string, AppendResult>>* acked;
    size_t count;
  } target{&acked_, count};
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(+[](Target* t) { return t->acked->size() >= t->count; }, &target));
}

void WritersUntilRefused::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace scc::storage::testing
