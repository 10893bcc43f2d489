// Running a cpp-httplib server on a thread of its own, shared by the metrics port and the HTTP
// gateway.
#ifndef SCC_SERVICES_SERVER_HTTP_LISTENER_H_
#define SCC_SERVICES_SERVER_HTTP_LISTENER_H_

#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace scc::server {

// Binds `http` to `address` ("host:port"; port 0: any free one) and runs its loop on `*thread`.
// Returns the bound port once the loop runs, so that StopListening right after cannot miss it
// (httplib's stop() does nothing before the loop starts). `option` names the address in errors,
// e.g. "--metrics-listen".
absl::StatusOr<int> ListenInBackground(httplib::Server& http, const std::string& address,
                                       const std::string& option, std::thread* thread);

// Stops the loop ListenInBackground started and joins its thread; requests in flight finish.
// Does nothing when the thread is not running.
void StopListening(httplib::Server& http, std::thread& thread);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_HTTP_LISTENER_H_
