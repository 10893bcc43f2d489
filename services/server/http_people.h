// The HTTP gateway's routes for people (docs/sign-in.md, docs/letters.md, docs/calendar.md):
//   GET  /auth/login       starts a sign-in with the identity provider (OIDC code flow + PKCE)
//   GET  /auth/callback    the provider's answer: a session, in an HttpOnly cookie
//   POST /auth/token       opens a session with a bearer token (Authorization header), so that
//                          the console keeps no token where a script could read it
//   POST /auth/logout      ends the session
//   GET  /letters/<urn>/<event id>   a letter as produced, print-ready HTML
//   GET  /calendar/<feed token>.ics  the feed's owner's due obligations, as iCalendar
// Every read goes through the gRPC server as the session's (or feed's) caller, so the
// authorization matrix, reach and the access log are the gRPC ones. The handlers block on the
// identity provider and on the in-process call: they run on httplib's worker threads.
#ifndef SCC_SERVICES_SERVER_HTTP_PEOPLE_H_
#define SCC_SERVICES_SERVER_HTTP_PEOPLE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace scc::server {

class OidcProvider;
class SessionStore;

inline constexpr char kSessionCookie[] = "scc_session";
// The metadata keys the HTTP gateway uses to name, on the calls it forwards in process, the
// browser's session (its cookie) and a calendar feed's token. The gRPC server believes them
// only on in-process calls (Gateway).
inline constexpr char kSessionMetadata[] = "x-scc-session";
inline constexpr char kCalendarFeedMetadata[] = "x-scc-calendar-feed";

using CallMetadata = std::vector<std::pair<std::string, std::string>>;
// Calls a gRPC method ("/scc.v1.AuditService/GetLetter") as the caller of `request` (its bearer
// token or session cookie) plus `metadata`, and parses the answer into `out`.
using Invoker = std::function<grpc::Status(const httplib::Request& request,
                                           const std::string& method_path,
                                           const google::protobuf::Message& in,
                                           google::protobuf::Message* out,
                                           const CallMetadata& metadata)>;

struct PeopleRoutes {
  SessionStore* sessions = nullptr;  // null: no sessions, no sign-in (API with tokens only)
  OidcProvider* oidc = nullptr;      // null: no identity provider (tokens only)
  bool secure_cookies = false;       // Secure cookies (HTTPS, or behind an HTTPS proxy)
};

// The browser's session id from its Cookie header; empty when it sends none.
std::string SessionCookie(const httplib::Request& request);

void AddPeopleRoutes(httplib::Server& http, const PeopleRoutes& routes, Invoker invoke);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_HTTP_PEOPLE_H_
