#include "tests/integration/sccd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "clients/cpp/scc_client.h"
#include "services/server/tokens.h"

namespace scc::testing {
namespace {

absl::Status WriteTokens(const std::string& path, const std::vector<std::string>& extra_lines) {
  std::ofstream out(path);
  for (const std::string& line : extra_lines) out << line << "\n";
  for (const auto& [token, user, role] :
       std::initializer_list<std::tuple<const char*, const char*, const char*>>{
           {kHosiToken, "hosi", "head_of_school_improvement"},
           {kLeadOfficerToken, "lo-ann", "lead_officer"},
           {kSrgToken, "srg-chair", "srg_member"},
           {kEarlyYearsToken, "ey-lead", "early_years_standards_team"},
           {kAuditorToken, "auditor", "auditor"},
           {kReaderToken, "board-reader", "report_reader"},
           {kServiceToken, "gias-sync", "service_account"}}) {
    out << server::HashToken(token) << " " << user << " " << role << "\n";
  }
  // The directory's other Lead Officers, whom tests assign; their tokens are not used.
  out << server::HashToken(kHeadteacherToken) << " head-100001 headteacher urn=100001 Jo Bloggs\n";
  out << server::HashToken(kChairToken) << " chair-100001 chair_of_governors urn=100001 Pat Chair\n";
  for (const std::string lo : {"lo-bob", "lo-raj", "lo-sam", "lo-other", "lo-designate", "lo-visit",
                               "lo-0", "lo-1", "lo-2", "lo-3", "lo-4", "lo-5", "lo-6", "lo-7"}) {
    out << server::HashToken("token-of-" + lo) << " " << lo << " lead_officer\n";
  }
  return out ? absl::OkStatus() : absl::UnavailableError(absl::StrCat("cannot write ", path));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SccdProcess>> SccdProcess::Start(const std::string& data_dir,
                                                                const Options& options) {
  const std::string tokens = data_dir + ".tokens";
  if (absl::Status s = WriteTokens(tokens, options.extra_token_lines); !s.ok()) return s;
  const std::string calendar =
      options.term_calendar.empty() ? TERM_CALENDAR_PATH : options.term_calendar;
  std::vector<std::string> args = {SCCD_PATH,        "--listen",          "127.0.0.1:0",
                                   "--data",         data_dir,            "--tokens",
                                   tokens,           "--term-calendar",   calendar,
                                   "--metrics-listen", "127.0.0.1:0", "--http-listen",
                                   "127.0.0.1:0"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::unique_ptr<SccdProcess> p(new SccdProcess());
  p->log_path_ = data_dir + ".log";
  p->tokens_path_ = tokens;
  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe failed");
  p->pid_ = fork();
  if (p->pid_ < 0) return absl::InternalError("fork failed");
  if (p->pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    const int log = open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) dup2(log, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    execv(SCCD_PATH, argv.data());
    _exit(127);
  }
  close(out[1]);
  // The first line of stdout says where it listens: "sccd listening on 127.0.0.1:PORT ...".
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos) {
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - std::chrono::steady_clock::now())
                                          .count());
    pollfd fd{out[0], POLLIN, 0};
    if (left <= 0 || poll(&fd, 1, left) <= 0) break;
    char buf[256];
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    line.append(buf, n);
  }
  close(out[0]);
  const std::string marker = "listening on ";
  const size_t at = line.find(marker);
  if (at == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("sccd did not start: ", line, p->Log()));
  }
  const size_t end = line.find(' ', at + marker.size());
  p->address_ = line.substr(at + marker.size(), end - at - marker.size());
  const std::string metrics_marker = "metrics on http://";
  if (const size_t m = line.find(metrics_marker); m != std::string::npos) {
    const size_t from = m + metrics_marker.size();
    p->metrics_address_ = line.substr(from, line.find('/', from) - from);
  }
  const std::string http_marker = "JSON API on ";
  if (const size_t h = line.find(http_marker); h != std::string::npos) {
    const size_t from = h + http_marker.size();
    p->http_url_ = line.substr(from, line.find_first_of(")\n", from) - from);
    if (!p->http_url_.empty() && p->http_url_.back() == '/') p->http_url_.pop_back();
  }
  p->channel_ = grpc::CreateChannel(p->address_, options.credentials != nullptr
                                                     ? options.credentials
                                                     : grpc::InsecureChannelCredentials());
  return p;
}

int SccdProcess::Terminate() {
  if (pid_ <= 0) return 0;
  channel_.reset();  // an open connection would hold the server's shutdown up
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void SccdProcess::Kill() {
  if (pid_ <= 0) return;
  channel_.reset();
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void SccdProcess::Signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

bool SccdProcess::WaitForLog(const std::string& text, int count) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = Log();
    int seen = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++seen;
    if (seen >= count) return true;
    std::this_thread::yield();
  }
  return false;
}

SccdProcess::~SccdProcess() {
  // A server that does not stop cleanly on SIGTERM (a crash, or a sanitizer's report in a
  // sanitized build) fails the test that ran it, with its log.
  const int status = Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "sccd did not stop cleanly (wait status " << status << "); its log:\n" << Log();
}

std::string SccdProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandOutcome RunCommand(const std::string& shell_command) {
  CommandOutcome run;
  FILE* pipe = popen(absl::StrCat(shell_command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

grpc::Status CallByPath(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                        const std::string& request, const std::string& token,
                        std::string* response) {
  grpc::GenericStub stub(channel);
  const grpc::Slice bytes(request);
  grpc::ByteBuffer in(&bytes, 1), out;
  grpc::Status status;
  bool finished = false;
  absl::Mutex mu;
  // The context must outlive the call, not only the statement that starts it.
  const std::unique_ptr<grpc::ClientContext> context = Authorized(token);
  // gRPC hands the callback to its own thread through code TSan cannot see: this release, which
  // the callback's lock acquires, orders the writes above (status's construction) before it.
  { absl::MutexLock lock(&mu); }
  stub.UnaryCall(context.get(), path, grpc::StubOptions(), &in, &out,
                 [&](grpc::Status s) {
                   absl::MutexLock lock(&mu);
                   status = std::move(s);
                   finished = true;
                 });
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&finished));
  }
  grpc::Slice slice;
  if (status.ok() && out.DumpToSingleSlice(&slice).ok()) {
    response->assign(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return status;
}

uint64_t ProcessStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field + ":")) continue;
    uint64_t kb = 0;
    for (absl::string_view part : absl::StrSplit(rest, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
      if (absl::SimpleAtoi(part, &kb)) return kb;
    }
  }
  return 0;
}

std::unique_ptr<grpc::ClientContext> Authorized(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

grpc::Status RecordCommand(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                           const std::string& urn, const v1::EventPayload& payload,
                           const std::string& date, const std::string& request_id,
                           const std::string& notes, bool confidential, v1::CommandResult* result) {
  v1::CommandContext context;
  context.set_urn(urn);
  context.set_request_id(request_id);
  context.set_effective_date(date);
  context.mutable_notes()->set_text(notes);
  context.mutable_notes()->set_confidential(confidential);
  context.set_reason("integration test");
  v1::CommandResult ignored;
  return client::SccClient(channel, token).Send(context, payload, result ? result : &ignored);
}

absl::StatusOr<std::map<std::string, int>> RequestIdsInLog(
    const std::shared_ptr<grpc::Channel>& channel) {
  client::SccClient auditor(channel, kAuditorToken);
  std::map<std::string, int> seen;
  v1::ReadEventsRequest read;
  read.set_page_size(1000);
  for (bool end = false; !end;) {
    v1::ReadEventsResponse page;
    const grpc::Status s = auditor.audit().ReadEvents(auditor.NewContext().get(), read, &page);
    if (!s.ok()) return absl::UnavailableError("ReadEvents: " + s.error_message());
    for (const v1::Event& e : page.events()) ++seen[e.request_id()];
    read.set_from_position(page.next_position());
    end = page.end();
  }
  return seen;
}

}  // namespace scc::testing
