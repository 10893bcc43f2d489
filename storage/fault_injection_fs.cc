#include "storage/fault_injection_fs.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace scc::storage::testing {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;


// A writable file that counts bytes written and bytes synced, and fails while inactive.
class TrackedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<rocksdb::FSWritableFile> file,
              std::shared_ptr<FaultInjectionFs::FileState> state, const FaultInjectionFs* fs)
      : FSWritableFileOwnerWrapper(std::move(file)), state_(std::move(state)), fs_(fs) {}

  IOStatus Append(const Slice& data, const IOOptions& options, IODebugContext* dbg) override {
    if (IOStatus f = fs_->WriteFault(); !f.ok()) return f;
    IOStatus s = target()->Append(data, options, dbg);
    if (s.ok()) Grow(data.size());
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    if (IOStatus f = fs_->WriteFault(); !f.ok()) return f;
    IOStatus s = target()->Append(data, options, info, dbg);
    if (s.ok()) Grow(data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            IODebugContext* dbg) override {
    if (IOStatus f = fs_->WriteFault(); !f.ok()) return f;
    IOStatus s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok()) GrowTo(offset + data.size());
    return s;
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options, IODebugContext* dbg) override {
    if (IOStatus f = fs_->WriteFault(); !f.ok()) return f;
    IOStatus s = target()->Truncate(size, options, dbg);
    if (s.ok()) {
      absl::MutexLock lock(&state_->mu);
      state_->size = size;
      state_->synced = std::min(state_->synced, size);
    }
    return s;
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    if (IOStatus f = fs_->WriteFault(); !f.ok()) return f;
    IOStatus s = target()->Sync(options, dbg);
    if (s.ok()) MarkSynced();
    return s;
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    if (IOStatus f = fs_->WriteFault(); !f.ok()) return f;
    IOStatus s = target()->Fsync(options, dbg);
    if (s.ok()) MarkSynced();
    return s;
  }
  IOStatus RangeSync(uint64_t, uint64_t, const IOOptions&, IODebugContext*) override {
    // A hint to start write-back: promises no durability, so it records none.
    return fs_->WriteFault();
  }

 private:
  void Grow(uint64_t n) {
    absl::MutexLock lock(&state_->mu);
    state_->size += n;
  }
  void GrowTo(uint64_t end) {
    absl::MutexLock lock(&state_->mu);
    state_->size = std::max(state_->size, end);
  }
  void MarkSynced() {
    absl::MutexLock lock(&state_->mu);
    state_->synced = state_->size;
  }

  std::shared_ptr<FaultInjectionFs::FileState> state_;
  const FaultInjectionFs* fs_;
};

}  // namespace

FaultInjectionFs::FaultInjectionFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

IOStatus FaultInjectionFs::WriteFault() const {
  if (!active()) return IOStatus::IOError("fault injection: the disk is failing");
  if (no_space_.load()) {
    IOStatus full = IOStatus::NoSpace("fault injection", "No space left on device");
    full.SetRetryable(true);
    return full;
  }
  return IOStatus::OK();
}

std::unique_ptr<rocksdb::Env> FaultInjectionFs::NewEnv() {
  // The Env keeps a shared_ptr to its file system; this object is owned elsewhere, so hand it a
  // non-owning one.
  return rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(this, [](auto*) {}));
}

IOStatus FaultInjectionFs::Track(const std::string& fname, uint64_t initial_size,
                                 IOStatus opened,
                                 std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (!opened.ok()) return opened;
  auto state = std::make_shared<FileState>();
  {
    absl::MutexLock lock(&state->mu);
    state->size = initial_size;
    state->synced = initial_size;  // what was there before is taken as durable
  }
  {
    absl::MutexLock lock(&mu_);
    files_[fname] = state;
  }
  *result = std::make_unique<TrackedFile>(std::move(*result), std::move(state), this);
  return opened;
}

IOStatus FaultInjectionFs::NewWritableFile(const std::string& fname,
                                           const rocksdb::FileOptions& opts,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           IODebugContext* dbg) {
  if (IOStatus f = WriteFault(); !f.ok()) return f;
  return Track(fname, 0, target()->NewWritableFile(fname, opts, result, dbg), result);
}

IOStatus FaultInjectionFs::ReopenWritableFile(const std::string& fname,
                                              const rocksdb::FileOptions& opts,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              IODebugContext* dbg) {
  if (IOStatus f = WriteFault(); !f.ok()) return f;
  std::error_code ec;
  const uint64_t size = std::filesystem::exists(fname, ec) ? std::filesystem::file_size(fname, ec)
                                                           : 0;
  return Track(fname, ec ? 0 : size, target()->ReopenWritableFile(fname, opts, result, dbg),
               result);
}

IOStatus FaultInjectionFs::RenameFile(const std::string& src, const std::string& target_name,
                                      const IOOptions& options, IODebugContext* dbg) {
  if (IOStatus f = WriteFault(); !f.ok()) return f;
  IOStatus s = target()->RenameFile(src, target_name, options, dbg);
  if (s.ok()) {
    absl::MutexLock lock(&mu_);
    auto node = files_.extract(src);
    files_.erase(target_name);
    if (!node.empty()) files_.emplace(target_name, std::move(node.mapped()));
  }
  return s;
}

IOStatus FaultInjectionFs::DeleteFile(const std::string& fname, const IOOptions& options,
                                      IODebugContext* dbg) {
  IOStatus s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) {
    absl::MutexLock lock(&mu_);
    files_.erase(fname);
  }
  return s;
}

absl::Status FaultInjectionFs::DropUnsyncedData() {
  absl::MutexLock lock(&mu_);
  for (auto& [name, state] : files_) {
    absl::MutexLock file_lock(&state->mu);
    if (state->synced == state->size) continue;
    if (::truncate(name.c_str(), static_cast<off_t>(state->synced)) != 0) {
      return absl::InternalError(absl::StrCat("truncate ", name, ": ", std::strerror(errno)));
    }
    state->size = state->synced;
  }
  return absl::OkStatus();
}

}  // namespace scc::storage::testing
