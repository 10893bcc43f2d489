// AdminService: what the server is doing and how it protects itself — denied calls by peer,
// open Watch streams, credentials in force, the limits it enforces and the data volume (free
// space, whether writes are refused) —, online backups, who a caller is, and the directory of
// users. Thread-safe; what it
// points to must outlive it.
#ifndef SCC_SERVICES_SERVER_ADMIN_SERVICE_H_
#define SCC_SERVICES_SERVER_ADMIN_SERVICE_H_

#include "absl/time/time.h"
#include "scc/v1/admin.grpc.pb.h"
#include "services/server/call_frame.h"
#include "services/server/gateway.h"
#include "services/server/watch_service.h"
#include "storage/event_log.h"

namespace scc::server {

class AdminServiceImpl final : public FramedService<v1::AdminService> {
 public:
  // Backups go below `backup_root` (created when first needed).
  AdminServiceImpl(CallFrame* frame, Gateway* gateway, const storage::EventLog* log,
                   const WatchRegistry* watches, v1::ServerLimits limits, std::string backup_root)
      : FramedService<v1::AdminService>(
            frame,
            {Answer("GetServerStatus", Work::kRead, this, &AdminServiceImpl::GetServerStatus),
             Answer("WhoAmI", Work::kRead, this, &AdminServiceImpl::WhoAmI),
             Answer("ListUsers", Work::kRead, this, &AdminServiceImpl::ListUsers),
             Answer("IssueCalendarFeed", Work::kRead, this, &AdminServiceImpl::IssueCalendarFeed),
             Answer("RevokeCalendarFeed", Work::kRead, this,
                    &AdminServiceImpl::RevokeCalendarFeed),
             Answer("BackupLog", Work::kLong, this, &AdminServiceImpl::BackupLog)}),
        gateway_(gateway),
        log_(log),
        watches_(watches),
        limits_(std::move(limits)),
        backup_root_(std::move(backup_root)),
        started_at_(absl::Now()) {}

 private:
  absl::Status GetServerStatus(const UnaryCall& call,
                               const v1::GetServerStatusRequest& request,
                               v1::ServerStatus* response);
  absl::Status WhoAmI(const UnaryCall& call,
                      const v1::WhoAmIRequest& request,
                      v1::CallerIdentity* response);
  absl::Status ListUsers(const UnaryCall& call, const v1::ListUsersRequest& request,
                         v1::ListUsersResponse* response);
  absl::Status IssueCalendarFeed(const UnaryCall& call, const v1::IssueCalendarFeedRequest& request,
                                 v1::CalendarFeed* response);
  absl::Status RevokeCalendarFeed(const UnaryCall& call,
                                  const v1::RevokeCalendarFeedRequest& request,
                                  v1::RevokeCalendarFeedResponse* response);
  absl::Status BackupLog(const UnaryCall& call,
                         const v1::BackupLogRequest& request,
                         v1::BackupLogResponse* response);
  Gateway* const gateway_;
  const storage::EventLog* const log_;
  const WatchRegistry* const watches_;
  const v1::ServerLimits limits_;
  const std::string backup_root_;
  const absl::Time started_at_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_ADMIN_SERVICE_H_
