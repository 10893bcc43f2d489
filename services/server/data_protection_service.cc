#include "services/server/data_protection_service.h"

#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "storage/status_macros.h"

namespace scc::server {

DataProtectionServiceImpl::DataProtectionServiceImpl(CallFrame* frame,
                                                     const RetentionRunner* retention)
    : FramedService<v1::DataProtectionService>(
          frame, {Answer("RunRetention", Work::kLong, this,
                         &DataProtectionServiceImpl::RunRetention)}),
      retention_(retention) {}

absl::Status DataProtectionServiceImpl::RunRetention(const UnaryCall& call,
                                                     const v1::RunRetentionRequest& request,
                                                     v1::RetentionReport* response) {
  absl::CivilDay as_of = retention_->today();
  if (!request.as_of().empty()) {
    const std::optional<absl::CivilDay> day = domain::ParseDate(request.as_of());
    if (!day) return domain::InvalidField("as_of", "is not a date (YYYY-MM-DD)");
    if (!request.dry_run() && *day != as_of) {
      return domain::InvalidField(
          "as_of", "is for a dry run only: a retention run redacts what has expired today");
    }
    as_of = *day;
  }
  if (retention_->rules().empty()) {
    return absl::FailedPreconditionError(
        "no retention schedule is configured (sccd --retention-schedule FILE); nothing expires");
  }
  ASSIGN_OR_RETURN(*response, retention_->Run(request.dry_run(), as_of, call.long_deadline()));
  return absl::OkStatus();
}

}  // namespace scc::server
