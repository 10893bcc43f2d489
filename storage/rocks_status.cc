#include "storage/rocks_status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/status.h"

namespace scc::storage {

bool IsNoSpace(const rocksdb::Status& s) {
  return s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace ||
         absl::StrContains(s.ToString(), "No space left on device");
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (IsNoSpace(s)) return absl::ResourceExhaustedError(message);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

absl::Status FromRocksOpen(const rocksdb::Status& s, const std::string& dir,
                           absl::string_view context) {
  if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
    return absl::UnavailableError(absl::StrCat("data directory ", dir,
                                               " is in use by another process (", s.ToString(),
                                               ")"));
  }
  return FromRocks(s, context);
}

}  // namespace scc::storage
