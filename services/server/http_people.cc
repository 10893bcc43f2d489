#include "services/server/http_people.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "scc/v1/admin.pb.h"
#include "scc/v1/audit.pb.h"
#include "scc/v1/projections.pb.h"
#include "services/domain/dates.h"
#include "services/reports/icalendar.h"
#include "services/server/gateway.h"
#include "services/server/grpc_status.h"
#include "services/server/http_gateway.h"
#include "services/server/oidc.h"
#include "services/server/sessions.h"
#include "services/server/tokens.h"

namespace scc::server {
namespace {

namespace pb = google::protobuf;

constexpr char kLoginCookie[] = "scc_login";
constexpr char kLetterPolicy[] =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'";

std::string Cookie(const httplib::Request& request, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(request.get_header_value("Cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

std::string SetCookie(absl::string_view name, absl::string_view value, absl::string_view path,
                      bool secure, std::optional<int> max_age = std::nullopt) {
  return absl::StrCat(name, "=", value, "; Path=", path, "; HttpOnly; SameSite=Lax",
                      secure ? "; Secure" : "",
                      max_age.has_value() ? absl::StrCat("; Max-Age=", *max_age) : "");
}

std::string Escape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// A page for a person whose sign-in did not work: what happened and a way on.
void Page(httplib::Response& response, int status, absl::string_view title,
          absl::string_view message, absl::string_view link, absl::string_view link_text) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(
      absl::StrCat("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
                   Escape(title), "</title><link rel=\"stylesheet\" href=\"/console.css\"></head>"
                   "<body class=\"govuk-template__body\"><main class=\"govuk-main-wrapper "
                   "govuk-width-container\"><h1 class=\"govuk-heading-l\">", Escape(title),
                   "</h1><p class=\"govuk-body\">", Escape(message),
                   "</p><p class=\"govuk-body\"><a class=\"govuk-link\" href=\"", Escape(link),
                   "\">", Escape(link_text), "</a></p></main></body></html>"),
      "text/html; charset=utf-8");
}

void Json(httplib::Response& response, int status, const std::string& json) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(json, "application/json; charset=utf-8");
}

void JsonError(httplib::Response& response, const grpc::Status& status) {
  pb::Struct body;
  (*body.mutable_fields())["message"].set_string_value(status.error_message());
  (*body.mutable_fields())["status"].set_string_value(StatusCodeName(status.error_code()));
  std::string json;
  if (!pb::util::MessageToJsonString(body, &json).ok()) json = "{}";
  Json(response, HttpStatusOf(status.error_code()), absl::StrCat("{\"error\": ", json, "}"));
}

std::string Method(absl::string_view service, absl::string_view method) {
  return absl::StrCat("/scc.v1.", service, "/", method);
}

Caller CallerOf(const v1::CallerIdentity& identity) {
  Caller caller;
  caller.user = identity.user();
  caller.role = identity.role();
  caller.name = identity.name();
  caller.urns.assign(identity.urns().begin(), identity.urns().end());
  return caller;
}

// One calendar entry per obligation, on its due date, linking to the institution's page.
reports::CalendarEntry EntryOf(const v1::Obligation& o, const std::string& site) {
  reports::CalendarEntry entry;
  entry.uid = absl::StrCat(o.urn(), "-", v1::ObligationType_Name(o.type()), "-", o.period(), "-",
                           o.due_on(), "@scc");
  entry.day = domain::ParseDate(o.due_on()).value_or(absl::CivilDay());
  entry.summary = absl::StrCat(o.overdue() ? "OVERDUE: " : "", o.description(), " — ",
                               o.institution_name());
  entry.description = absl::StrCat(o.institution_name(), " (URN ", o.urn(), ")\n",
                                    o.description(), o.rule().empty() ? "" : " (", o.rule(),
                                    o.rule().empty() ? "" : ")", "\nDue ", o.due_on(),
                                    o.period().empty() ? "" : absl::StrCat(", ", o.period()));
  entry.url = absl::StrCat(site, "/#/institutions/", o.urn());
  return entry;
}

}  // namespace

std::string SessionCookie(const httplib::Request& request) {
  return Cookie(request, kSessionCookie);
}

void AddPeopleRoutes(httplib::Server& http, const PeopleRoutes& routes, Invoker invoke) {
  SessionStore* const sessions = routes.sessions;
  OidcProvider* const oidc = routes.oidc;
  const bool secure = routes.secure_cookies;

  http.Get("/auth/login", [=](const httplib::Request&, httplib::Response& response) {
    if (oidc == nullptr || sessions == nullptr) {
      return Page(response, 404, "Sign-in with an identity provider is not set up",
                  "This server takes access tokens only.", "/", "Back to the console");
    }
    absl::StatusOr<LoginRequest> login = sessions->BeginLogin(absl::Now());
    absl::StatusOr<std::string> url =
        login.ok() ? oidc->AuthorizationUrl(*login) : login.status();
    if (!url.ok()) {
      return Page(response, 503, "Sign-in is not available just now",
                  absl::StrCat("The council's sign-in service could not be reached: ",
                               url.status().message()),
                  "/auth/login", "Try again");
    }
    response.set_header("Set-Cookie", SetCookie(kLoginCookie, login->state, "/auth", secure,
                                                absl::ToInt64Seconds(sessions->limits().login_wait)));
    response.set_header("Cache-Control", "no-store");
    response.set_redirect(*url);
  });

  http.Get("/auth/callback", [=](const httplib::Request& request, httplib::Response& response) {
    if (oidc == nullptr || sessions == nullptr) {
      return Page(response, 404, "Sign-in with an identity provider is not set up",
                  "This server takes access tokens only.", "/", "Back to the console");
    }
    if (request.has_param("error")) {
      const std::string why = request.has_param("error_description")
                                  ? request.get_param_value("error_description")
                                  : request.get_param_value("error");
      return Page(response, 401, "You are not signed in",
                  absl::StrCat("The sign-in service did not sign you in: ", why), "/auth/login",
                  "Try again");
    }
    const std::string state = request.get_param_value("state");
    std::optional<LoginRequest> login;
    if (!state.empty() && Cookie(request, kLoginCookie) == state) {
      login = sessions->TakeLogin(state, absl::Now());
    }
    if (!login.has_value()) {
      return Page(response, 400, "This sign-in has expired",
                  "It was not started in this browser, was used already, or took longer than "
                  "ten minutes. Start again.",
                  "/auth/login", "Sign in");
    }
    absl::StatusOr<Caller> caller = oidc->Redeem(request.get_param_value("code"), *login);
    absl::StatusOr<std::string> id =
        caller.ok() ? sessions->Create(*caller, absl::Now()) : caller.status();
    if (!id.ok()) {
      const bool no_role = absl::IsPermissionDenied(id.status());
      return Page(response, no_role ? 403 : 401,
                  no_role ? "You do not have access to this service" : "You are not signed in",
                  std::string(id.status().message()), "/auth/login", "Try again");
    }
    response.set_header("Set-Cookie", SetCookie(kSessionCookie, *id, "/", secure));
    response.headers.emplace("Set-Cookie", SetCookie(kLoginCookie, "", "/auth", secure, 0));
    response.set_header("Cache-Control", "no-store");
    response.set_redirect("/");
  });

  http.Post("/auth/token", [=](const httplib::Request& request, httplib::Response& response) {
    if (sessions == nullptr) {
      return JsonError(response, grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                              "this server keeps no browser sessions"));
    }
    const std::string authorization = request.get_header_value("Authorization");
    constexpr absl::string_view kBearer = "Bearer ";
    if (!absl::StartsWithIgnoreCase(authorization, kBearer)) {
      return JsonError(response, grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                              "send the token as 'Authorization: Bearer <token>'"));
    }
    v1::CallerIdentity identity;
    const grpc::Status who =
        invoke(request, Method("AdminService", "WhoAmI"), v1::WhoAmIRequest(), &identity, {});
    if (!who.ok()) return JsonError(response, who);
    Caller caller = CallerOf(identity);
    caller.token_hash = HashToken(authorization.substr(kBearer.size()));
    absl::StatusOr<std::string> id = sessions->Create(caller, absl::Now());
    if (!id.ok()) return JsonError(response, grpc::Status(grpc::StatusCode::INTERNAL,
                                                          std::string(id.status().message())));
    response.set_header("Set-Cookie", SetCookie(kSessionCookie, *id, "/", secure));
    std::string json;
    if (!pb::util::MessageToJsonString(identity, &json).ok()) json = "{}";
    Json(response, 200, json);
  });

  http.Post("/auth/logout", [=](const httplib::Request& request, httplib::Response& response) {
    if (sessions != nullptr) sessions->End(SessionCookie(request));
    response.set_header("Set-Cookie", SetCookie(kSessionCookie, "", "/", secure, 0));
    Json(response, 200, "{}");
  });

  http.Get(R"(/letters/([^/]+)/([^/]+))",
           [=](const httplib::Request& request, httplib::Response& response) {
             v1::GetLetterRequest in;
             in.set_urn(request.matches[1]);
             in.set_event_id(request.matches[2]);
             v1::Letter letter;
             const grpc::Status status =
                 invoke(request, Method("AuditService", "GetLetter"), in, &letter, {});
             if (!status.ok()) {
               return Page(response, HttpStatusOf(status.error_code()), "No letter to show",
                           status.error_message(), "/", "Back to the console");
             }
             response.headers.erase("Content-Security-Policy");
             response.set_header("Content-Security-Policy", kLetterPolicy);
             response.set_header("Cache-Control", "no-store");
             response.set_content(letter.html(), "text/html; charset=utf-8");
           });

  http.Get(R"(/calendar/([A-Za-z0-9_-]+)\.ics)",
           [=](const httplib::Request& request, httplib::Response& response) {
             const CallMetadata feed{{kCalendarFeedMetadata, request.matches[1]}};
             v1::CallerIdentity identity;
             grpc::Status status = invoke(request, Method("AdminService", "WhoAmI"),
                                          v1::WhoAmIRequest(), &identity, feed);
             v1::ListObligationsRequest in;
             // A Lead Officer's calendar holds their own obligations; others', all they reach.
             if (identity.role() == v1::ROLE_LEAD_OFFICER) in.set_lead_officer_id(identity.user());
             in.set_page_size(1000);
             v1::ListObligationsResponse obligations;
             if (status.ok()) {
               status = invoke(request, Method("ProjectionService", "ListObligations"), in,
                               &obligations, feed);
             }
             if (!status.ok()) {
               response.status = status.error_code() == grpc::StatusCode::UNAUTHENTICATED
                                     ? 404 : HttpStatusOf(status.error_code());
               response.set_content(status.error_message(), "text/plain; charset=utf-8");
               return;
             }
             const std::string site = absl::StrCat(secure ? "https://" : "http://",
                                                   request.get_header_value("Host"));
             std::vector<reports::CalendarEntry> entries;
             for (const v1::Obligation& o : obligations.obligations()) {
               entries.push_back(EntryOf(o, site));
             }
             const std::string who = identity.name().empty() ? identity.user() : identity.name();
             response.set_header("Cache-Control", "no-store");
             response.set_content(
                 reports::RenderICalendar(absl::StrCat("SCC: due for ", who), entries, absl::Now()),
                 "text/calendar; charset=utf-8");
           });
}

}  // namespace scc::server
