#include "storage/log_copy.h"

#include <filesystem>
#include <limits>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/event_log.h"
#include "storage/postgres_event_log.h"
#include "storage/rocks_event_log.h"
#include "storage/status_macros.h"

namespace scc::storage {
namespace {

// The whole log verifies; `which` names it in the error.
absl::Status VerifyWhole(const EventLog& log, const std::string& which) {
  ASSIGN_OR_RETURN(VerifyReport report, log.Verify(0, std::numeric_limits<uint64_t>::max()));
  if (report.ok) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(which, " fails verification at position ",
                                          *report.first_bad_position, ": ", report.problem));
}

}  // namespace

absl::StatusOr<CopyReport> CopyEventLog(const std::string& from, const std::string& to) {
  ASSIGN_OR_RETURN(std::unique_ptr<EventLog> source, EventLog::Open(from));
  RETURN_IF_ERROR(VerifyWhole(*source, "the source log"));
  const uint64_t end = source->NextPosition();
  const bool to_postgres = EventLog::IsPostgresLocation(to);
  RETURN_IF_ERROR(to_postgres ? PostgresEventLog::Load(to, *source, end)
                              : RocksEventLog::Load(to, *source, end));
  absl::StatusOr<CopyReport> report = [&]() -> absl::StatusOr<CopyReport> {
    ASSIGN_OR_RETURN(std::unique_ptr<EventLog> copy, EventLog::Open(to));
    RETURN_IF_ERROR(VerifyWhole(*copy, "the copy"));
    if (copy->NextPosition() != end || copy->HeadHash() != source->HeadHash()) {
      return absl::DataLossError(absl::StrCat(
          "the copy ends at ", copy->NextPosition(), " in head ",
          absl::BytesToHexString(copy->HeadHash()), ", the source at ", end, " in head ",
          absl::BytesToHexString(source->HeadHash())));
    }
    return CopyReport{end, copy->HeadHash()};
  }();
  if (!report.ok() && !to_postgres) {
    std::error_code ec;
    std::filesystem::remove_all(to, ec);
  }
  return report;
}

}  // namespace scc::storage
