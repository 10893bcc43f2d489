// ProjectionService: the read models over gRPC — institution status and obligations, lists with
// filters and pages, audit search, and rebuilds. Live reads come from the projection; as_of and
// known_at reads fold the log. Thread-safe; everything it points to must outlive it.
#ifndef SCC_SERVICES_SERVER_PROJECTION_SERVICE_H_
#define SCC_SERVICES_SERVER_PROJECTION_SERVICE_H_

#include <functional>

#include "absl/time/civil_time.h"
#include "scc/v1/projections.grpc.pb.h"
#include "services/projections/institution_projection.h"
#include "services/projections/status.h"
#include "services/projections/term_calendar.h"
#include "services/server/grpc_services.h"
#include "storage/event_log.h"

namespace scc::server {

class ProjectionServiceImpl final : public v1::ProjectionService::CallbackService {
 public:
  ProjectionServiceImpl(Gateway* gateway, storage::EventLog* log,
                        projections::InstitutionProjection* projection,
                        const projections::TermCalendar* calendar,
                        projections::ObligationRules rules, std::function<absl::CivilDay()> today)
      : gateway_(gateway),
        log_(log),
        projection_(projection),
        calendar_(calendar),
        rules_(rules),
        today_(std::move(today)) {}

  grpc::ServerUnaryReactor* GetInstitution(grpc::CallbackServerContext* context,
                                           const v1::GetInstitutionRequest* request,
                                           v1::InstitutionStatus* response) override;
  grpc::ServerUnaryReactor* ListInstitutions(grpc::CallbackServerContext* context,
                                             const v1::ListInstitutionsRequest* request,
                                             v1::ListInstitutionsResponse* response) override;
  grpc::ServerUnaryReactor* ListObligations(grpc::CallbackServerContext* context,
                                            const v1::ListObligationsRequest* request,
                                            v1::ListObligationsResponse* response) override;
  grpc::ServerUnaryReactor* SearchAudit(grpc::CallbackServerContext* context,
                                        const v1::SearchAuditRequest* request,
                                        v1::SearchAuditResponse* response) override;
  grpc::ServerUnaryReactor* RebuildProjections(grpc::CallbackServerContext* context,
                                               const v1::RebuildProjectionsRequest* request,
                                               v1::ProjectionStatus* response) override;
  grpc::ServerUnaryReactor* GetProjectionStatus(grpc::CallbackServerContext* context,
                                                const v1::RebuildProjectionsRequest* request,
                                                v1::ProjectionStatus* response) override;

 private:
  struct View;
  // Validates the query options, waits for min_position, and says which states to read.
  absl::StatusOr<View> Resolve(const v1::QueryOptions& options,
                               grpc::CallbackServerContext* context) const;
  // The institutions the view sees: the live projection or a fold of the log.
  absl::StatusOr<std::vector<projections::InstitutionProjection::StatePtr>> Institutions(
      const View& view) const;

  Gateway* const gateway_;
  storage::EventLog* const log_;
  projections::InstitutionProjection* const projection_;
  const projections::TermCalendar* const calendar_;
  const projections::ObligationRules rules_;
  const std::function<absl::CivilDay()> today_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_PROJECTION_SERVICE_H_
