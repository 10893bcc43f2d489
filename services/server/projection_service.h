// ProjectionService: the read models over gRPC — institution status and obligations, lists with
// filters and pages, audit search, and rebuilds. Live reads come from the projection; as_of
// reads start from a term snapshot where one applies, and otherwise (and known_at reads earlier
// than a snapshot knows) fold the log. Thread-safe; everything it points to must outlive it.
#ifndef SCC_SERVICES_SERVER_PROJECTION_SERVICE_H_
#define SCC_SERVICES_SERVER_PROJECTION_SERVICE_H_

#include <functional>

#include "absl/time/civil_time.h"
#include "scc/v1/projections.grpc.pb.h"
#include "services/projections/institution_projection.h"
#include "services/projections/status.h"
#include "services/projections/term_calendar.h"
#include "services/projections/term_snapshots.h"
#include "services/server/call_frame.h"
#include "storage/event_log.h"

namespace scc::server {

class ProjectionServiceImpl final : public FramedService<v1::ProjectionService> {
 public:
  ProjectionServiceImpl(CallFrame* frame, storage::EventLog* log,
                        projections::InstitutionProjection* projection,
                        projections::TermSnapshots* snapshots,
                        const projections::TermCalendar* calendar,
                        projections::ObligationRules rules, std::function<absl::CivilDay()> today)
      : FramedService<v1::ProjectionService>(
            frame,
            {Answer("GetInstitution", Work::kRead, this, &ProjectionServiceImpl::GetInstitution),
             Answer("ListInstitutions", Work::kRead, this,
                    &ProjectionServiceImpl::ListInstitutions),
             Answer("ListObligations", Work::kRead, this, &ProjectionServiceImpl::ListObligations),
             Answer("SearchAudit", Work::kLong, this, &ProjectionServiceImpl::SearchAudit),
             Answer("RebuildProjections", Work::kRead, this,
                    &ProjectionServiceImpl::RebuildProjections),
             Answer("GetProjectionStatus", Work::kRead, this,
                    &ProjectionServiceImpl::GetProjectionStatus)}),
        log_(log),
        projection_(projection),
        snapshots_(snapshots),
        calendar_(calendar),
        rules_(rules),
        today_(std::move(today)) {}

 private:
  absl::Status GetInstitution(const UnaryCall& call,
                              const v1::GetInstitutionRequest& request,
                              v1::InstitutionStatus* response);
  absl::Status ListInstitutions(const UnaryCall& call,
                                const v1::ListInstitutionsRequest& request,
                                v1::ListInstitutionsResponse* response);
  absl::Status ListObligations(const UnaryCall& call,
                               const v1::ListObligationsRequest& request,
                               v1::ListObligationsResponse* response);
  absl::Status SearchAudit(const UnaryCall& call,
                           const v1::SearchAuditRequest& request,
                           v1::SearchAuditResponse* response);
  absl::Status RebuildProjections(const UnaryCall& call,
                                  const v1::RebuildProjectionsRequest& request,
                                  v1::ProjectionStatus* response);
  absl::Status GetProjectionStatus(const UnaryCall& call,
                                   const v1::RebuildProjectionsRequest& request,
                                   v1::ProjectionStatus* response);
  struct View;
  // Validates the query options and says which states to read (the frame has waited for
  // min_position already).
  absl::StatusOr<View> Resolve(const v1::QueryOptions& options, const UnaryCall& call) const;
  // The institutions the view sees: the live projection or a fold of the log.
  absl::StatusOr<std::vector<projections::InstitutionProjection::StatePtr>> Institutions(
      const View& view) const;

  storage::EventLog* const log_;
  projections::InstitutionProjection* const projection_;
  projections::TermSnapshots* const snapshots_;
  const projections::TermCalendar* const calendar_;
  const projections::ObligationRules rules_;
  const std::function<absl::CivilDay()> today_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_PROJECTION_SERVICE_H_
