// ReportService: the termly progress report over gRPC, from the term snapshots when they are
// held (`snapshots` may be null: every report scans the log). A report of the current or the
// last term asks for its snapshots; one of an earlier term uses them only if held, so that it
// does not drop the snapshots recent as-of reads start from. Thread-safe; what it points to
// must outlive it.
#ifndef SCC_SERVICES_SERVER_REPORT_SERVICE_H_
#define SCC_SERVICES_SERVER_REPORT_SERVICE_H_

#include <functional>

#include "absl/time/civil_time.h"
#include "scc/v1/reports.grpc.pb.h"
#include "services/projections/status.h"
#include "services/projections/term_calendar.h"
#include "services/projections/term_snapshots.h"
#include "services/reports/term_report.h"
#include "services/server/call_frame.h"
#include "services/server/read_audit.h"
#include "storage/event_log.h"

namespace scc::server {

class ReportServiceImpl final : public FramedService<v1::ReportService> {
 public:
  ReportServiceImpl(CallFrame* frame, const storage::EventLog* log,
                    const projections::TermCalendar* calendar, projections::ObligationRules rules,
                    reports::ReportTargets targets, ReadAudit* read_audit = nullptr,
                    projections::TermSnapshots* snapshots = nullptr,
                    std::function<absl::CivilDay()> today = nullptr)
      : FramedService<v1::ReportService>(
            frame, {Answer("GenerateTermReport", Work::kLong, this,
                           &ReportServiceImpl::GenerateTermReport)}),
        log_(log),
        calendar_(calendar),
        rules_(rules),
        targets_(targets),
        read_audit_(read_audit),
        snapshots_(snapshots),
        today_(std::move(today)) {}

 private:
  absl::Status GenerateTermReport(const UnaryCall& call,
                                  const v1::GenerateTermReportRequest& request,
                                  v1::ReportFile* response);
  const storage::EventLog* const log_;
  const projections::TermCalendar* const calendar_;
  const projections::ObligationRules rules_;
  const reports::ReportTargets targets_;
  ReadAudit* const read_audit_;  // each page read is recorded (may be null: off)
  // Whether a report of `term` asks for the snapshots it needs (see above).
  bool BuildsSnapshotsFor(const projections::Period& term) const;
  projections::TermSnapshots* const snapshots_;
  const std::function<absl::CivilDay()> today_;  // null: every report may ask
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_REPORT_SERVICE_H_
