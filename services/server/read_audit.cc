#include "services/server/read_audit.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/server/access_log.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

// Keys: "t" when, "i" urn 0x00 when, "u" user 0x00 when; `when` is the read's time in
// microseconds and a sequence number, each fixed64 big-endian, so key order is time order. Each
// key holds the whole FileRead, so a list by institution or user reads one range.
std::string BigEndian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

std::string Prefix(char family, const std::string& name) {
  if (family == 't') return "t";
  return absl::StrCat(std::string(1, family), absl::StrReplaceAll(name, {{std::string(1, '\0'), ""}}),
                      std::string(1, '\0'));
}

int64_t Micros(const google::protobuf::Timestamp& at) {
  return at.seconds() * 1000000 + at.nanos() / 1000;
}

std::string When(int64_t micros, uint64_t sequence) {
  return BigEndian(static_cast<uint64_t>(std::max<int64_t>(micros, 0))) + BigEndian(sequence);
}

constexpr uint32_t kDefaultPage = 100;
constexpr uint32_t kMaxPage = 1000;
constexpr size_t kWriteBatch = 4096;

}  // namespace

absl::StatusOr<std::unique_ptr<ReadAudit>> ReadAudit::Open(const std::string& dir,
                                                           absl::Duration retention,
                                                           AccessLog* log, size_t queue_limit) {
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store = storage::KvStore::Open(dir);
  if (!store.ok()) return store.status();
  std::unique_ptr<ReadAudit> audit(new ReadAudit(*std::move(store), retention, log, queue_limit));
  return audit;
}

ReadAudit::ReadAudit(std::unique_ptr<storage::KvStore> store, absl::Duration retention,
                     AccessLog* log, size_t queue_limit)
    : store_(std::move(store)), retention_(retention), log_(log), queue_limit_(queue_limit) {
  writer_ = std::thread([this] { WriteLoop(); });
}

ReadAudit::~ReadAudit() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

void ReadAudit::Record(v1::FileRead read) {
  if (!read.has_at()) codec::SetTimestamp(absl::Now(), read.mutable_at());
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= queue_limit_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(read));
  ++queued_;
}

void ReadAudit::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_;
  std::pair<ReadAudit*, uint64_t> wait{this, target};
  mu_.Await(absl::Condition(
      +[](std::pair<ReadAudit*, uint64_t>* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return w->first->written_ >= w->second;
      },
      &wait));
}

void ReadAudit::WriteLoop() {
  absl::Time next_prune = absl::InfinitePast();
  uint64_t dropped_told = 0;
  for (;;) {
    std::vector<v1::FileRead> batch;
    uint64_t first_sequence = 0;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](ReadAudit* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return !a->queue_.empty() || a->stopping_;
              },
              this),
          absl::Minutes(1));
      const size_t n = std::min(queue_.size(), kWriteBatch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      first_sequence = sequence_;
      sequence_ += n;
      stop = stopping_ && queue_.empty();
    }
    if (!batch.empty()) {
      storage::KvStore::Batch writes;
      for (size_t i = 0; i < batch.size(); ++i) {
        const v1::FileRead& read = batch[i];
        const std::string when = When(Micros(read.at()), first_sequence + i);
        const std::string bytes = read.SerializeAsString();
        writes.puts.emplace_back(Prefix('t', "") + when, bytes);
        if (!read.urn().empty()) writes.puts.emplace_back(Prefix('i', read.urn()) + when, bytes);
        writes.puts.emplace_back(Prefix('u', read.user()) + when, bytes);
      }
      if (absl::Status s = store_->Write(writes); !s.ok() && log_ != nullptr) {
        log_->Warn(absl::StrCat("read audit: ", batch.size(), " reads not recorded: ", s.message()));
      }
      absl::MutexLock lock(&mu_);
      written_ += batch.size();
    }
    const uint64_t dropped_now = dropped();
    if (dropped_now != dropped_told && log_ != nullptr) {
      log_->Warn(absl::StrCat("read audit: ", dropped_now - dropped_told,
                              " reads not recorded because the queue was full"));
      dropped_told = dropped_now;
    }
    if (absl::Now() >= next_prune) {
      next_prune = absl::Now() + absl::Hours(24);
      absl::StatusOr<uint64_t> pruned = DropBefore(absl::Now() - retention_);
      if (log_ != nullptr && (!pruned.ok() || *pruned > 0)) {
        log_->Info(pruned.ok() ? absl::StrCat("read audit: dropped ", *pruned,
                                              " reads older than the retention period")
                               : absl::StrCat("read audit: pruning failed: ",
                                              pruned.status().message()));
      }
    }
    if (stop) return;
  }
}

absl::StatusOr<uint64_t> ReadAudit::DropBefore(absl::Time cutoff) {
  const std::string end = Prefix('t', "") + When(absl::ToUnixMicros(cutoff), 0);
  uint64_t dropped = 0;
  for (bool more = true; more;) {
    storage::KvStore::Batch deletes;
    RETURN_IF_ERROR(store_->ScanRange(
        "t", end, /*newest_first=*/false, [&](absl::string_view key, absl::string_view value) {
          v1::FileRead read;
          const std::string when(key.substr(1));
          if (read.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            if (!read.urn().empty()) deletes.deletes.push_back(Prefix('i', read.urn()) + when);
            deletes.deletes.push_back(Prefix('u', read.user()) + when);
          }
          deletes.deletes.emplace_back(key);
          return deletes.deletes.size() < 3 * kWriteBatch;
        }));
    if (deletes.deletes.empty()) break;
    more = deletes.deletes.size() >= 3 * kWriteBatch;
    for (const std::string& key : deletes.deletes) dropped += key[0] == 't';
    RETURN_IF_ERROR(store_->Write(deletes));
  }
  return dropped;
}

absl::StatusOr<v1::ListFileReadsResponse> ReadAudit::List(
    const v1::ListFileReadsRequest& request) const {
  domain::Violations bad;
  std::optional<absl::CivilDay> from = absl::CivilDay(1970, 1, 1);
  std::optional<absl::CivilDay> to = absl::CivilDay(9999, 12, 31);
  if (!request.from_date().empty()) from = domain::ParseDate(request.from_date());
  if (!request.to_date().empty()) to = domain::ParseDate(request.to_date());
  if (!from) bad.Add("from_date", "is not a date (YYYY-MM-DD)");
  if (!to) bad.Add("to_date", "is not a date (YYYY-MM-DD)");
  if (from && to && *to < *from) bad.Add("to_date", "is before from_date");
  std::string token;
  if (!request.page_token().empty() &&
      (!absl::WebSafeBase64Unescape(request.page_token(), &token) || token.size() != 16)) {
    bad.Add("page_token", "is not a token from a previous page");
  }
  RETURN_IF_ERROR(bad.Status());
  const std::string prefix = !request.urn().empty()    ? Prefix('i', request.urn())
                             : !request.user().empty() ? Prefix('u', request.user())
                                                       : Prefix('t', "");
  const auto micros = [](absl::CivilDay day) {
    return absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone()));
  };
  const std::string lower = prefix + When(micros(*from), 0);
  const std::string upper = token.empty() ? prefix + When(micros(*to + 1), 0) : prefix + token;
  const uint32_t page_size =
      request.page_size() == 0 ? kDefaultPage : std::min(request.page_size(), kMaxPage);
  v1::ListFileReadsResponse response;
  std::string last_when;
  bool full = false;
  RETURN_IF_ERROR(store_->ScanRange(
      lower, upper, /*newest_first=*/true, [&](absl::string_view key, absl::string_view value) {
        if (response.reads_size() >= static_cast<int>(page_size)) {
          full = true;
          return false;
        }
        v1::FileRead read;
        if (!read.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
        last_when = std::string(key.substr(key.size() - 16));
        if (!request.user().empty() && read.user() != request.user()) return true;
        *response.add_reads() = std::move(read);
        return true;
      }));
  if (full) response.set_next_page_token(absl::WebSafeBase64Escape(last_when));
  response.set_dropped(dropped());
  return response;
}

}  // namespace scc::server
