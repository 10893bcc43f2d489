// Serving HTTP(S) with cpp-httplib under limits no slow or greedy client can get round, shared by
// the metrics port and the HTTP gateway; and running such a server on a thread of its own.
//
// httplib reads a request with one read timeout per read, so a client sending one header byte
// every few seconds holds a worker thread for ever, and a fixed pool of eight is gone after eight
// such connections (issue 17, hole 3). A server from NewLimitedHttpServer instead:
//   - gives each request's line and headers `header_timeout` in all (the first request's count
//     from the connection's accept and include the TLS handshake), and its body `body_timeout`
//     after the headers; a request over either is cut off and its connection closed;
//   - reads at most `max_body_bytes` after a request's headers (chunk framing included), so no
//     route reads an unbounded body into memory (issue 17, hole 4);
//   - admits at most `max_connections_per_address` connections from one client address; more
//     are closed at once, unanswered;
//   - serves each connection on a thread of its own, at most `max_connections` at once; when all
//     are taken, a new connection takes the place of the one that has waited longest for a
//     request (idle between requests, or still sending its headers), which is closed. A request
//     being answered or a body being sent is never cut short for another, so a small request
//     (a liveness probe's GET /healthz) is answered whatever slow clients do.
// TLS (SSLServer) is served by the same code: the handshake is part of the first request's time.
#ifndef SCC_SERVICES_SERVER_HTTP_LISTENER_H_
#define SCC_SERVICES_SERVER_HTTP_LISTENER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

namespace scc::server {

struct HttpLimits {
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(60);
  size_t max_body_bytes = 64 << 10;
  size_t max_connections_per_address = 32;
  size_t max_connections = 128;
};

// An httplib::Server under `limits`; an SSLServer (check is_valid()) when `tls_cert` and `tls_key`
// (PEM files) are given, requiring client certificates signed by `tls_client_ca` if not empty.
std::unique_ptr<httplib::Server> NewLimitedHttpServer(const HttpLimits& limits,
                                                      const std::string& tls_cert = "",
                                                      const std::string& tls_key = "",
                                                      const std::string& tls_client_ca = "");

// From a handler or pre-routing handler of such a server: the connection carrying the request
// closes once `response` is written. For answers given without reading the request's body to
// its end, whose unread rest must not be taken for a next request.
void CloseAfterAnswer(httplib::Response& response);

// Binds `http` to `address` ("host:port"; port 0: any free one) and runs its loop on `*thread`.
// Returns the bound port once the loop runs, so that StopListening right after cannot miss it
// (httplib's stop() does nothing before the loop starts). `option` names the address in errors,
// e.g. "--metrics-listen".
absl::StatusOr<int> ListenInBackground(httplib::Server& http, const std::string& address,
                                       const std::string& option, std::thread* thread);

// Stops the loop ListenInBackground started and joins its thread; requests in flight finish,
// connections waiting for a request are closed. Does nothing when the thread is not running.
void StopListening(httplib::Server& http, std::thread& thread);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_HTTP_LISTENER_H_
