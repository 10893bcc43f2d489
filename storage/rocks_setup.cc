#include "storage/rocks_setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rocksdb/env.h"
#include "rocksdb/options.h"

namespace scc::storage {
namespace {

constexpr uint64_t kMiB = 1 << 20;
// A LOG larger than this at open is started afresh: only warnings and errors go in, so it
// grows slowly, but nothing else bounds it.
constexpr off_t kMaxLogBytesAtOpen = 4 * kMiB;

class DiagnosticsLogger final : public rocksdb::Logger {
 public:
  explicit DiagnosticsLogger(int fd)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), fd_(fd) {}
  ~DiagnosticsLogger() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[2048];
    const std::string stamp = absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(),
                                               absl::LocalTimeZone());
    size_t n = std::min(stamp.size(), sizeof(line) - 2);
    std::copy_n(stamp.data(), n, line);
    const int written = std::vsnprintf(line + n, sizeof(line) - n - 1, format, ap);
    if (written > 0) n = std::min(n + static_cast<size_t>(written), sizeof(line) - 2);
    if (n == 0 || line[n - 1] != '\n') line[n++] = '\n';
    // One write per line (O_APPEND keeps concurrent lines whole). A failed write (e.g. ENOSPC)
    // loses this line and nothing else; there is nowhere to report it.
    const ssize_t lost_if_negative = ::write(fd_, line, n);
    static_cast<void>(lost_if_negative);
  }

 private:
  const int fd_;
};

}  // namespace

absl::StatusOr<VolumeSpace> VolumeSpaceOf(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat("reading the free space of ", dir, ": ", std::strerror(errno)));
  }
  return VolumeSpace{static_cast<uint64_t>(st.f_bavail) * st.f_frsize,
                     static_cast<uint64_t>(st.f_blocks) * st.f_frsize};
}

std::shared_ptr<rocksdb::Logger> NewDiagnosticsLogger(const std::string& dir) {
  const std::string path = dir + "/LOG";
  struct stat st {};
  const bool too_large = ::stat(path.c_str(), &st) == 0 && st.st_size > kMaxLogBytesAtOpen;
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (too_large ? O_TRUNC : 0),
                        0644);
  // Without a file (a full or read-only volume) the lines are dropped; the database still opens.
  return std::make_shared<DiagnosticsLogger>(fd);
}

uint64_t WriteAheadBudget(uint64_t free_bytes) {
  return std::clamp<uint64_t>(free_bytes / 32, kMiB, 64 * kMiB);
}

uint64_t SizeToVolume(const std::string& dir, rocksdb::DBOptions& options) {
  options.info_log = NewDiagnosticsLogger(dir);
  // Unknown free space gets the smallest budget.
  const absl::StatusOr<VolumeSpace> space = VolumeSpaceOf(dir);
  const uint64_t budget = WriteAheadBudget(space.ok() ? space->free_bytes : 0);
  // Caps each write-ahead log file's preallocation; with several column families it also
  // flushes the memtables once the logs hold this much.
  options.max_total_wal_size = budget;
  options.manifest_preallocation_size =
      static_cast<size_t>(std::min<uint64_t>(budget / 4, 4 * kMiB));
  return budget;
}

}  // namespace scc::storage
