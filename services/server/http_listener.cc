#include "services/server/http_listener.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace scc::server {

absl::StatusOr<int> ListenInBackground(httplib::Server& http, const std::string& address,
                                       const std::string& option, std::thread* thread) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(option, " '", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (port == 0) {
    port = http.bind_to_any_port(host);
  } else if (!http.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(option, ": cannot listen on ", address));
  }
  *thread = std::thread([&http] { http.listen_after_bind(); });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!http.is_running() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  return port;
}

void StopListening(httplib::Server& http, std::thread& thread) {
  if (!thread.joinable()) return;
  http.stop();
  thread.join();
}

}  // namespace scc::server
