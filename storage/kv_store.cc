#include "storage/kv_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/rocks_setup.h"
#include "storage/rocks_status.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace {

absl::Status NotReopened() {
  return absl::UnavailableError(
      "the read-model store is closed after a failed write and could not be reopened yet");
}

// The first key after every key that starts with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

KvStore::KvStore(std::string dir, std::unique_ptr<rocksdb::DB> db)
    : dir_(std::move(dir)), db_(std::move(db)) {}

KvStore::~KvStore() {
  absl::WriterMutexLock lock(&mu_);
  if (db_ != nullptr) db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::unique_ptr<KvStore>> KvStore::Open(const std::string& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::DB> db, OpenDatabase(dir));
  return std::unique_ptr<KvStore>(new KvStore(dir, std::move(db)));
}

absl::StatusOr<std::unique_ptr<rocksdb::DB>> KvStore::OpenDatabase(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = rocksdb::kLZ4Compression;
  // RocksDB's diagnostics without its aborting file logger, and the write-ahead log and
  // memtable sized to the volume (storage/rocks_setup.h): one column family, so the memtable
  // bounds the write-ahead log.
  options.write_buffer_size = static_cast<size_t>(SizeToVolume(dir, options));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromRocksOpen(s, dir, absl::StrCat("opening ", dir));
  return std::unique_ptr<rocksdb::DB>(raw);
}

absl::StatusOr<std::optional<std::string>> KvStore::Get(const std::string& key) const {
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return NotReopened();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading");
  return std::optional<std::string>(std::move(value));
}

absl::Status KvStore::Write(const Batch& batch, bool sync) {
  rocksdb::WriteBatch wb;
  for (const std::string& prefix : batch.delete_prefixes) {
    wb.DeleteRange(prefix, PrefixEnd(prefix));
  }
  for (const std::string& key : batch.deletes) wb.Delete(key);
  for (const auto& [key, value] : batch.puts) wb.Put(key, value);
  // RocksDB stops writing after a failed write (a full volume), and its write-ahead log file
  // must not be appended to again: a fresh database object starts a new one.
  if (write_failed_.load()) {
    absl::WriterMutexLock lock(&mu_);
    if (db_ != nullptr) db_->Close().PermitUncheckedError();
    db_.reset();
    ASSIGN_OR_RETURN(db_, OpenDatabase(dir_));
    write_failed_.store(false);
  }
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return NotReopened();
  rocksdb::WriteOptions options;
  options.sync = sync;
  const rocksdb::Status written = db_->Write(options, &wb);
  write_failed_.store(!written.ok());
  return FromRocks(written, "writing");
}

absl::Status KvStore::Scan(
    const std::string& prefix,
    const std::function<absl::Status(absl::string_view, absl::string_view)>& fn) const {
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return NotReopened();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::Status s = fn(absl::string_view(it->key().data(), it->key().size()),
                        absl::string_view(it->value().data(), it->value().size()));
    if (!s.ok()) return s;
  }
  return FromRocks(it->status(), "scanning");
}

absl::Status KvStore::ScanRange(
    const std::string& from, const std::string& to, bool newest_first,
    const std::function<bool(absl::string_view, absl::string_view)>& fn) const {
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return NotReopened();
  const rocksdb::Slice lower(from), upper(to);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  if (newest_first) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid(); newest_first ? it->Prev() : it->Next()) {
    if (!fn(absl::string_view(it->key().data(), it->key().size()),
            absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scanning");
}

}  // namespace scc::storage
