// HttpGateway: sccd's HTTP port, for people with a browser and systems that cannot speak gRPC.
// It serves
//   POST /v1/{package.Service}/{Method}  a JSON API mapped one to one onto the gRPC services
//                                        (protobuf's JSON mapping; docs/http-api.md), and
//   GET  /...                            the officers' web console (static files), and
//   /auth/..., /letters/..., /calendar/...  sign-in, letters and calendar feeds (http_people.h).
// Every API call is forwarded, as protobuf bytes, through an in-process channel to the same
// gRPC server the network clients use, so authentication, the authorization matrix, field
// checks, workflow rules, errors, the access log, metrics and denial counts are the gRPC ones:
// nothing is written twice. The bearer token travels as the `authorization` metadata, the HTTP
// client's address as kHttpPeerMetadata (believed only on in-process calls, see CallerAddress).
//
// Thread-safe; runs its own listening thread and httplib's worker pool. Stop() (or the
// destructor) stops taking requests and lets the ones in flight finish. The channel must lead to
// a server that outlives the gateway.
#ifndef SCC_SERVICES_SERVER_HTTP_GATEWAY_H_
#define SCC_SERVICES_SERVER_HTTP_GATEWAY_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "services/server/http_listener.h"
#include "services/server/http_people.h"

namespace httplib {
class Server;
}

namespace scc::server {

// The metadata key carrying the HTTP client's address ("ipv4:203.0.113.5:51234") on calls the
// gateway forwards.
inline constexpr char kHttpPeerMetadata[] = "x-scc-http-peer";

// The HTTP status of a gRPC status code: the google.api mapping, except FAILED_PRECONDITION,
// which is 409 Conflict (the workflow refuses the command in the institution's present state)
// rather than 400 (the request itself is malformed: INVALID_ARGUMENT).
int HttpStatusOf(grpc::StatusCode code);

class HttpGateway {
 public:
  struct Options {
    std::string address;       // "host:port"; port 0: any free one
    std::string console_dir;   // the console's static files; empty or missing: API only
    // The authority's own pages (accessibility statement, privacy notice, help), served under
    // /pages/; empty or missing: none.
    std::string pages_dir;
    // GET /site.json: what the console shows of the authority (name, brand colour), as JSON.
    std::string site_json = "{}";
    size_t max_body_bytes = 4 << 20;  // larger request bodies, chunked too: 413, unread
    // Deadlines and connection limits (http_listener.h); its max_body_bytes follows the above.
    HttpLimits limits;
    // Longest a forwarded call may take; the server's own long-call limit usually ends it first.
    absl::Duration call_timeout = absl::Minutes(3);
    // HTTPS when both are given (PEM files); with client_ca, clients must present a certificate
    // it signed.
    std::string tls_cert, tls_key, tls_client_ca;
    // Sign-in, sessions, letters and calendar feeds (http_people.h).
    PeopleRoutes people;
  };

  // Listens, and returns once the server takes requests. `channel`: to the gRPC server.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(const Options& options,
                                                            std::shared_ptr<grpc::Channel> channel);
  ~HttpGateway();
  int port() const { return port_; }
  bool tls() const { return tls_; }
  void Stop();

 private:
  HttpGateway() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_HTTP_GATEWAY_H_
