// DataProtectionService: retention runs over gRPC and the JSON API (docs/data-protection.md).
// Every call goes through the call frame (call_frame.h). Thread-safe; what it points to must
// outlive it.
#ifndef SCC_SERVICES_SERVER_DATA_PROTECTION_SERVICE_H_
#define SCC_SERVICES_SERVER_DATA_PROTECTION_SERVICE_H_

#include "scc/v1/data_protection.grpc.pb.h"
#include "services/server/call_frame.h"
#include "services/server/retention_runner.h"

namespace scc::server {

class DataProtectionServiceImpl final : public FramedService<v1::DataProtectionService> {
 public:
  DataProtectionServiceImpl(CallFrame* frame, const RetentionRunner* retention);

 private:
  absl::Status RunRetention(const UnaryCall& call, const v1::RunRetentionRequest& request,
                            v1::RetentionReport* response);

  const RetentionRunner* const retention_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_DATA_PROTECTION_SERVICE_H_
