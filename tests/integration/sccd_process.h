// SccdProcess: the real sccd binary, started on a free loopback port for a test, with its own
// data directory and tokens file. Tests talk gRPC to it like any client.
#ifndef SCC_TESTS_INTEGRATION_SCCD_PROCESS_H_
#define SCC_TESTS_INTEGRATION_SCCD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "scc/v1/common.pb.h"
#include "scc/v1/events.pb.h"

namespace scc::testing {

// Tokens the test tokens file knows, one per role.
inline constexpr char kHosiToken[] = "t-hosi";
inline constexpr char kLeadOfficerToken[] = "t-lead-officer";
inline constexpr char kSrgToken[] = "t-srg";
inline constexpr char kEarlyYearsToken[] = "t-early-years";
inline constexpr char kAuditorToken[] = "t-auditor";
inline constexpr char kReaderToken[] = "t-reader";
inline constexpr char kServiceToken[] = "t-service";
// A headteacher and a chair of governors of school 100001 (their own, and only, school).
inline constexpr char kHeadteacherToken[] = "t-head";
inline constexpr char kChairToken[] = "t-chair";

class SccdProcess {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // more sccd flags, e.g. --tls-cert
    std::vector<std::string> extra_token_lines;  // appended to the test tokens file
    std::string term_calendar;  // empty: the repository's deploy/term-calendar.txt
    // How channel() connects; null: plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
  };
  // Starts sccd with data in `data_dir` (kept between restarts) and waits until it listens.
  static absl::StatusOr<std::unique_ptr<SccdProcess>> Start(const std::string& data_dir,
                                                            const Options& options);
  static absl::StatusOr<std::unique_ptr<SccdProcess>> Start(const std::string& data_dir) {
    return Start(data_dir, Options{});
  }
  // With more sccd flags, e.g. {"--max-watches", "2"}.
  static absl::StatusOr<std::unique_ptr<SccdProcess>> Start(const std::string& data_dir,
                                                            std::vector<std::string> extra_args) {
    Options options;
    options.extra_args = std::move(extra_args);
    return Start(data_dir, options);
  }
  ~SccdProcess();  // SIGTERM, then waits

  // SIGTERM and wait; returns the exit status as waitpid reports it.
  int Terminate();
  // SIGKILL and wait: no chance to clean up.
  void Kill();
  // Sends `signal_number` (e.g. SIGHUP) and returns at once.
  void Signal(int signal_number);
  // Waits (at most 10 s) until the server's log holds `text` `count` times or more.
  bool WaitForLog(const std::string& text, int count = 1) const;

  // The tokens file the server reads (the test tokens; rewrite it and send SIGHUP to rotate).
  const std::string& tokens_path() const { return tokens_path_; }

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Where its Prometheus metrics are served ("127.0.0.1:PORT"; empty when off).
  const std::string& metrics_address() const { return metrics_address_; }
  // Where the web console and the JSON API are served ("http://127.0.0.1:PORT", as httplib::Client
  // takes it; empty when off).
  const std::string& http_url() const { return http_url_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // What the server wrote to stderr so far (the access log).
  std::string Log() const;

 private:
  SccdProcess() = default;
  pid_t pid_ = -1;
  std::string address_;
  std::string metrics_address_;
  std::string http_url_;
  std::string log_path_;
  std::string tokens_path_;
  std::shared_ptr<grpc::Channel> channel_;
};

// What a program run through the shell did: its exit code (-1 if killed by a signal) and its
// stdout and stderr together.
struct CommandOutcome {
  int code = -1;
  std::string out;
};
CommandOutcome RunCommand(const std::string& shell_command);

// A unary call by path ("/package.Service/Method") with a serialised request, as `token` (none
// if empty); the serialised response goes to `response` when the call succeeds.
grpc::Status CallByPath(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                        const std::string& request, const std::string& token,
                        std::string* response);

// A field of /proc/PID/status in kB, e.g. "VmRSS" or "VmHWM" (peak); 0 when unreadable.
uint64_t ProcessStatusKb(pid_t pid, const std::string& field);

// A client context carrying `token` as a bearer token, with a 10 s deadline.
std::unique_ptr<grpc::ClientContext> Authorized(const std::string& token);

// One command to the server as a test sends it: `payload` for `urn` dated `date`, as `token`,
// with `request_id`, a reason and `notes` (flagged confidential when asked); the result goes to
// `result` when given.
grpc::Status RecordCommand(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                           const std::string& urn, const v1::EventPayload& payload,
                           const std::string& date, const std::string& request_id,
                           const std::string& notes = "", bool confidential = false,
                           v1::CommandResult* result = nullptr);

// How many events of the server's log carry each request id, read page by page as an auditor.
absl::StatusOr<std::map<std::string, int>> RequestIdsInLog(
    const std::shared_ptr<grpc::Channel>& channel);

}  // namespace scc::testing

#endif  // SCC_TESTS_INTEGRATION_SCCD_PROCESS_H_
