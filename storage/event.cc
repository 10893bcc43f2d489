#include "storage/event.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/cord.h"

namespace scc::storage {
namespace {
constexpr char kCurrentVersionPayload[] = "scc.storage/current_version";
constexpr char kNoStream[] = "none";
}  // namespace

bool ExpectedVersion::IsSatisfiedBy(std::optional<uint64_t> current) const {
  switch (kind_) {
    case Kind::kAny:
      return true;
    case Kind::kNoStream:
      return !current.has_value();
    case Kind::kExists:
      return current.has_value();
    case Kind::kExact:
      return current.has_value() && *current == version_;
  }
  return false;
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no stream";
    case Kind::kExists:
      return "stream exists";
    case Kind::kExact:
      return absl::StrCat("version ", version_);
  }
  return "?";
}

absl::Status MakeConflictError(absl::string_view stream, const ExpectedVersion& expected,
                               std::optional<uint64_t> current) {
  absl::Status status(absl::StatusCode::kAborted,
                      absl::StrCat("wrong expected version for stream '", stream, "': expected ",
                                   expected.ToString(), ", current ",
                                   current ? absl::StrCat("version ", *current)
                                           : std::string("no stream")));
  status.SetPayload(kCurrentVersionPayload,
                    absl::Cord(current ? absl::StrCat(*current) : std::string(kNoStream)));
  return status;
}

absl::StatusOr<std::optional<uint64_t>> ConflictCurrentVersion(const absl::Status& status) {
  auto payload = status.GetPayload(kCurrentVersionPayload);
  if (!absl::IsAborted(status) || !payload) {
    return absl::InvalidArgumentError("status is not a wrong-expected-version conflict");
  }
  const std::string text(*payload);
  if (text == kNoStream) return std::optional<uint64_t>();
  uint64_t version = 0;
  if (!absl::SimpleAtoi(text, &version)) {
    return absl::InvalidArgumentError("conflict payload is not a version");
  }
  return std::optional<uint64_t>(version);
}

absl::Status RequestReusedError(absl::string_view request_id) {
  return absl::AlreadyExistsError(
      absl::StrCat("request_id '", request_id, "' was already used for a different append"));
}

}  // namespace scc::storage
