#include "storage/kv_store.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/rocks_setup.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsIOError()) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

// The first key after every key that starts with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

KvStore::KvStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

KvStore::~KvStore() { db_->Close().PermitUncheckedError(); }

absl::StatusOr<std::unique_ptr<KvStore>> KvStore::Open(const std::string& dir) {
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
  if (!s.ok()) {
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
      return absl::UnavailableError(absl::StrCat(dir, " is in use by another process"));
    }
    return FromRocks(s, absl::StrCat("opening ", dir));
  }
  return std::unique_ptr<KvStore>(new KvStore(std::unique_ptr<rocksdb::DB>(raw)));
}

absl::StatusOr<std::optional<std::string>> KvStore::Get(const std::string& key) const {
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
  // RocksDB stops writing after a failed write (a full volume); Resume() starts it again once
  // it can, and is a no-op when nothing failed.
  if (write_failed_.load()) {
    RETURN_IF_ERROR(FromRocks(db_->Resume(), "resuming after a failed write"));
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  const rocksdb::Status written = db_->Write(options, &wb);
  write_failed_.store(!written.ok());
  return FromRocks(written, "writing");
}

absl::Status KvStore::Scan(
    const std::string& prefix,
    const std::function<absl::Status(absl::string_view, absl::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::Status s = fn(absl::string_view(it->key().data(), it->key().size()),
                        absl::string_view(it->value().data(), it->value().size()));
    if (!s.ok()) return s;
  }
  return FromRocks(it->status(), "scanning");
}

}  // namespace scc::storage
