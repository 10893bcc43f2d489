#include "services/server/http_gateway.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "scc/v1/http.pb.h"
#include "services/server/grpc_status.h"
#include "services/server/http_listener.h"
#include "services/server/http_people.h"

namespace scc::server {
namespace {

namespace pb = google::protobuf;

// Only the product's own services are reachable; health and reflection stay on gRPC.
constexpr absl::string_view kApiPrefix = "/v1/";
constexpr absl::string_view kServicePackage = "scc.v1.";
// Bodies larger than this, and chunked ones (of unknown size), are read only once the caller's
// token is known: an unauthenticated client cannot make the server read megabytes.
constexpr size_t kAuthenticateFirstBytes = 64 << 10;
// Bytes of a chunked body read besides the body itself: chunk sizes and line ends.
constexpr size_t kChunkFramingAllowance = 64 << 10;

// The answer to one HTTP request: a status and a JSON body.
struct Answer {
  int http_status = 200;
  std::string json;
};

// An error answer: HttpError JSON carrying the message and the google.rpc details of a
// serialized google.rpc.Status. `http_status` 0: the one `code` maps to.
Answer ErrorAnswer(grpc::StatusCode code, const std::string& message,
                   const std::string& serialized_details = "", int http_status = 0) {
  v1::HttpError error;
  v1::HttpErrorBody& body = *error.mutable_error();
  body.set_code(http_status != 0 ? http_status : HttpStatusOf(code));
  body.set_message(message);
  body.set_status(StatusCodeName(code));
  google::rpc::Status details;
  if (!serialized_details.empty() && details.ParseFromString(serialized_details)) {
    *body.mutable_details() = details.details();
  }
  Answer answer{body.code(), ""};
  if (!pb::util::MessageToJsonString(error, &answer.json).ok()) {
    answer.json = absl::StrCat("{\"error\": {\"code\": ", body.code(), ", \"status\": \"",
                               body.status(), "\"}}");
  }
  return answer;
}

// INVALID_ARGUMENT with one field violation, the way the gRPC services name a bad field.
Answer BadRequest(const std::string& field, const std::string& description) {
  google::rpc::BadRequest bad;
  google::rpc::BadRequest::FieldViolation* v = bad.add_field_violations();
  v->set_field(field);
  v->set_description(description);
  google::rpc::Status details;
  details.add_details()->PackFrom(bad);
  return ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat(field, ": ", description), details.SerializeAsString());
}

// "ipv4:203.0.113.5:51234" or "ipv6:[::1]:51234", as gRPC names its peers.
std::string PeerOf(const httplib::Request& request) {
  if (absl::StrContains(request.remote_addr, ':')) {
    return absl::StrCat("ipv6:[", request.remote_addr, "]:", request.remote_port);
  }
  return absl::StrCat("ipv4:", request.remote_addr, ":", request.remote_port);
}

// Forwards POST /v1/{service}/{method} to the gRPC server and turns its answer into JSON.
class ApiForwarder {
 public:
  ApiForwarder(std::shared_ptr<grpc::Channel> channel, absl::Duration call_timeout)
      : stub_(channel), call_timeout_(call_timeout) {}

  Answer Call(const httplib::Request& request, const std::string& request_body) {
    absl::string_view path = request.path;
    path.remove_prefix(kApiPrefix.size());
    const size_t slash = path.find('/');
    const std::string service_name(path.substr(0, slash));
    const std::string method_name(slash == absl::string_view::npos ? "" : path.substr(slash + 1));
    const pb::ServiceDescriptor* service =
        absl::StartsWith(service_name, kServicePackage)
            ? pb::DescriptorPool::generated_pool()->FindServiceByName(service_name)
            : nullptr;
    const pb::MethodDescriptor* method =
        service == nullptr ? nullptr : service->FindMethodByName(method_name);
    if (method == nullptr) {
      return ErrorAnswer(grpc::StatusCode::NOT_FOUND,
                         absl::StrCat("no RPC '", path, "': the API's paths are /v1/",
                                      kServicePackage, "<Service>/<Method>, e.g. /v1/",
                                      kServicePackage, "AuditService/GetWorkflowState"));
    }
    if (method->client_streaming() || method->server_streaming()) {
      return ErrorAnswer(grpc::StatusCode::UNIMPLEMENTED,
                         absl::StrCat(method->full_name(),
                                      " streams; over HTTP, page through "
                                      "AuditService/ReadEvents instead, or call it over gRPC"));
    }
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(method->input_type());
    std::unique_ptr<pb::Message> input(prototype->New());
    pb::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = false;
    const std::string body = request_body.empty() ? "{}" : request_body;
    if (auto parsed = pb::util::JsonStringToMessage(body, input.get(), parse); !parsed.ok()) {
      return BadRequest("(body)", absl::StrCat("is not a ", method->input_type()->full_name(),
                                               " in protobuf's JSON mapping: ",
                                               std::string(parsed.message())));
    }
    return Forward(request, *method, *input);
  }

  // Whether the request's bearer token is one the gRPC server knows: it is asked with
  // AdminService/WhoAmI, which every role may call, so that authentication (and the count of
  // refusals) stays in one place. An error answer when it is not.
  std::optional<Answer> Authenticate(const httplib::Request& request) {
    grpc::ByteBuffer out;
    const grpc::Status status =
        Invoke(request, absl::StrCat("/", kServicePackage, "AdminService/WhoAmI"), "", &out);
    if (status.ok()) return std::nullopt;
    return ErrorAnswer(status.error_code(), status.error_message(), status.error_details());
  }

  // Calls `method_path` with `in` as the caller of `request` (or as `metadata` names), blocking
  // until it answers, and parses the answer into `out`.
  grpc::Status Message(const httplib::Request& request, const std::string& method_path,
                       const pb::Message& in, pb::Message* out, const CallMetadata& metadata) {
    grpc::ByteBuffer answer;
    grpc::Status status = Invoke(request, method_path, in.SerializeAsString(), &answer, metadata);
    if (!status.ok()) return status;
    grpc::Slice slice;
    if (!answer.DumpToSingleSlice(&slice).ok() ||
        !out->ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "the server's answer did not parse");
    }
    return status;
  }

 private:
  // Calls `method_path` with `bytes` as the caller of `request`, blocking until it answers: its
  // bearer token, else its session cookie, else what `metadata` names.
  grpc::Status Invoke(const httplib::Request& request, const std::string& method_path,
                      const std::string& bytes, grpc::ByteBuffer* out,
                      const CallMetadata& metadata = {}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout_));
    if (request.has_header("Authorization")) {
      context.AddMetadata("authorization", request.get_header_value("Authorization"));
    } else if (const std::string session = SessionCookie(request); !session.empty()) {
      context.AddMetadata(kSessionMetadata, session);
    }
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    context.AddMetadata(kHttpPeerMetadata, PeerOf(request));
    const grpc::Slice slice(bytes);
    grpc::ByteBuffer in(&slice, 1);
    grpc::Status status;
    absl::Notification done;
    stub_.UnaryCall(&context, method_path, grpc::StubOptions(), &in, out, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    return status;
  }

  Answer Forward(const httplib::Request& request, const pb::MethodDescriptor& method,
                 const pb::Message& input) {
    grpc::ByteBuffer out;
    const grpc::Status status =
        Invoke(request, absl::StrCat("/", method.service()->full_name(), "/", method.name()),
               input.SerializeAsString(), &out);
    if (!status.ok()) {
      return ErrorAnswer(status.error_code(), status.error_message(), status.error_details());
    }
    grpc::Slice answer;
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(method.output_type());
    std::unique_ptr<pb::Message> output(prototype->New());
    if (!out.DumpToSingleSlice(&answer).ok() ||
        !output->ParseFromArray(answer.begin(), static_cast<int>(answer.size()))) {
      return ErrorAnswer(grpc::StatusCode::INTERNAL, "the server's answer did not parse");
    }
    pb::util::JsonPrintOptions print;
    print.always_print_primitive_fields = true;  // false, 0 and [] too: simpler clients
    Answer ok;
    if (!pb::util::MessageToJsonString(*output, &ok.json, print).ok()) {
      return ErrorAnswer(grpc::StatusCode::INTERNAL, "the server's answer has no JSON form");
    }
    return ok;
  }

  grpc::GenericStub stub_;
  const absl::Duration call_timeout_;
};

void Send(httplib::Response& response, const Answer& answer) {
  response.status = answer.http_status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(answer.json, "application/json; charset=utf-8");
}

Answer BodyTooLarge(size_t max_body) {
  return ErrorAnswer(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     absl::StrCat("the request body is over ", max_body,
                                  " bytes, the most this server accepts"),
                     "", 413);
}

// Refuses, from its headers alone, a request the server will not read: a path with a control
// character (a decoded %00 would cut the file name short of the extension its type is taken
// from), a body anywhere but on an API call, or an API call whose body is of another type than
// JSON, of no stated length, over the limit, or large (or chunked) and sent without a known
// token. A refused body is not read, and its connection closes after the answer.
std::optional<Answer> Screen(const httplib::Request& request, size_t max_body,
                             ApiForwarder& forwarder) {
  if (std::any_of(request.path.begin(), request.path.end(),
                  [](char c) { return absl::ascii_iscntrl(static_cast<unsigned char>(c)); })) {
    return ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                       "the path has a control character (such as %00), which no file or RPC "
                       "name has", "", 400);
  }
  const bool chunked = request.has_header("Transfer-Encoding");
  const std::string stated_length = request.get_header_value("Content-Length");
  if (request.method != "POST" || !absl::StartsWith(request.path, kApiPrefix)) {
    if (!chunked && (stated_length.empty() || stated_length == "0")) return std::nullopt;
    return ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat(request.method, " ", request.path,
                                    " takes no request body; only the API's POST /v1/",
                                    kServicePackage, "<Service>/<Method> does"),
                       "", 413);
  }
  const std::string content_type = request.get_header_value("Content-Type");
  const std::string type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
      absl::string_view(content_type).substr(0, content_type.find(';'))));
  // A browser's session cookie goes with any request to this site, also one a form on another
  // site sends: only a JSON request, which no other site can send without CORS (which this
  // server does not grant), may use it.
  const bool by_cookie = !request.has_header("Authorization") && !SessionCookie(request).empty();
  if (type.empty() && by_cookie) {
    return ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                       "a signed-in browser's API calls must say Content-Type application/json",
                       "", 415);
  }
  if (!type.empty() && type != "application/json") {
    return ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat("the API takes Content-Type application/json, not ", type,
                                    " (with curl: -H 'Content-Type: application/json')"),
                       "", 415);
  }
  uint64_t length = 0;
  if (!chunked && !absl::SimpleAtoi(stated_length, &length)) {
    return ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                       "send the request body's Content-Length (or send it chunked); "
                       "{} for an empty request", "", 411);
  }
  if (length > max_body) return BodyTooLarge(max_body);
  if (chunked || length > kAuthenticateFirstBytes) return forwarder.Authenticate(request);
  return std::nullopt;
}

}  // namespace

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::FAILED_PRECONDITION: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    default: return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    const Options& options, std::shared_ptr<grpc::Channel> channel) {
  std::unique_ptr<HttpGateway> gateway(new HttpGateway());
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  HttpLimits limits = options.limits;
  limits.max_body_bytes = options.max_body_bytes + kChunkFramingAllowance;
  gateway->http_ = NewLimitedHttpServer(limits, options.tls_cert, options.tls_key,
                                        options.tls_client_ca);
  gateway->tls_ = !options.tls_cert.empty();
  if (gateway->tls_ && !gateway->http_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http-listen: cannot serve HTTPS with ", options.tls_cert, " and ", options.tls_key));
  }
  httplib::Server& http = *gateway->http_;
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"Referrer-Policy", "no-referrer"},
                            {"X-Frame-Options", "DENY"},
                            {"Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                             "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}});

  auto forwarder = std::make_shared<ApiForwarder>(std::move(channel), options.call_timeout);
  AddPeopleRoutes(http, options.people,
                  [forwarder](const httplib::Request& request, const std::string& method_path,
                              const pb::Message& in, pb::Message* out, const CallMetadata& metadata) {
                    return forwarder->Message(request, method_path, in, out, metadata);
                  });
  const size_t max_body = options.max_body_bytes;
  http.set_pre_routing_handler([forwarder, max_body](const httplib::Request& request,
                                                     httplib::Response& response) {
    const std::optional<Answer> refusal = Screen(request, max_body, *forwarder);
    if (!refusal.has_value()) return httplib::Server::HandlerResponse::Unhandled;
    Send(response, *refusal);
    CloseAfterAnswer(response);
    return httplib::Server::HandlerResponse::Handled;
  });
  const std::string api_pattern = absl::StrCat(kApiPrefix, ".*");
  // The body is read here, not by httplib, which reads chunked bodies without a limit.
  http.Post(api_pattern, [forwarder, max_body](const httplib::Request& request,
                                               httplib::Response& response,
                                               const httplib::ContentReader& read_body) {
    std::string body;
    bool too_large = false;
    const bool read = read_body([&](const char* data, size_t size) {
      too_large = body.size() + size > max_body;
      if (!too_large) body.append(data, size);
      return !too_large;
    });
    if (too_large || !read) {
      Send(response, too_large ? BodyTooLarge(max_body)
                               : ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                                             "the request body could not be read in time or "
                                             "in full", "", 400));
      CloseAfterAnswer(response);
      return;
    }
    Send(response, forwarder->Call(request, body));
  });
  const auto not_post = [](const httplib::Request& request, httplib::Response& response) {
    Send(response, ErrorAnswer(grpc::StatusCode::UNIMPLEMENTED,
                               absl::StrCat(request.method, " ", request.path,
                                            ": the API takes POST with a JSON body"),
                               "", 405));
    response.set_header("Allow", "POST");
  };
  http.Get(api_pattern, not_post);
  http.Put(api_pattern, not_post);
  http.Delete(api_pattern, not_post);
  http.Patch(api_pattern, not_post);
  // Errors httplib answers itself (400 for a request it cannot read, 404 for a missing file)
  // get a JSON body on API paths.
  http.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!absl::StartsWith(request.path, kApiPrefix) || !response.body.empty()) return;
    const int status = response.status;
    Send(response, ErrorAnswer(grpc::StatusCode::INVALID_ARGUMENT,
                               absl::StrCat("HTTP ", status, ": the request to ", request.path,
                                            " could not be read; send POST with a JSON body "
                                            "and its Content-Length ({} for an empty request)"),
                               "", status));
  });

  std::error_code error;
  if (!options.console_dir.empty() && std::filesystem::is_directory(options.console_dir, error)) {
    for (const auto& [extension, type] : std::initializer_list<std::pair<const char*, const char*>>{
             {"html", "text/html; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
             {"mjs", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
             {"svg", "image/svg+xml"}, {"woff2", "font/woff2"}, {"woff", "font/woff"},
             {"png", "image/png"}, {"ico", "image/x-icon"}, {"json", "application/json"}}) {
      http.set_file_extension_and_mimetype_mapping(extension, type);
    }
    if (!http.set_mount_point("/", options.console_dir)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--console-dir: cannot serve ", options.console_dir));
    }
    if (!options.pages_dir.empty() && std::filesystem::is_directory(options.pages_dir, error) &&
        !http.set_mount_point("/pages", options.pages_dir)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--console-pages: cannot serve ", options.pages_dir));
    }
    http.Get("/site.json", [site = options.site_json](const httplib::Request&,
                                                      httplib::Response& response) {
      response.set_header("Cache-Control", "no-cache");
      response.set_content(site, "application/json");
    });
  }
  absl::StatusOr<int> port =
      ListenInBackground(http, options.address, "--http-listen", &gateway->thread_);
  if (!port.ok()) return port.status();
  gateway->port_ = *port;
  return gateway;
}

void HttpGateway::Stop() {
  if (http_ != nullptr) StopListening(*http_, thread_);
}

HttpGateway::~HttpGateway() { Stop(); }

}  // namespace scc::server
