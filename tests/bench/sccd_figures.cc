#include "tests/bench/sccd_figures.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "scc/v1/admin.grpc.pb.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/workflow.grpc.pb.h"
#include "storage/event_log.h"
#include "tests/bench/compacted.h"
#include "tests/bench/generated_log.h"
#include "tests/bench/peers.h"

namespace scc::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double RssMb(const testing::SccdProcess& sccd) {
  return testing::ProcessStatusKb(sccd.pid(), "VmRSS") / 1024.0;
}

uint64_t LogEvents(const testing::SccdProcess& sccd) {
  v1::ServerStatus status;
  if (!v1::AdminService::NewStub(sccd.channel())
           ->GetServerStatus(testing::Authorized(testing::kAuditorToken).get(), {}, &status)
           .ok()) {
    Die("GetServerStatus failed");
  }
  return status.next_position();
}

// Polls (a benchmark may) until the read model applied every event of the log.
void WaitForReadModel(const testing::SccdProcess& sccd, uint64_t events) {
  auto stub = v1::ProjectionService::NewStub(sccd.channel());
  for (;;) {
    v1::ProjectionStatus status;
    if (stub->GetProjectionStatus(testing::Authorized(testing::kAuditorToken).get(), {}, &status)
            .ok() &&
        status.applied_position() >= events && !status.rebuilding()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // After the command name in parentheses: state is field 3, utime and stime fields 14 and 15.
  std::vector<std::string> fields = absl::StrSplit(text.substr(text.rfind(')') + 2), ' ');
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    Die(absl::StrCat("cannot read the CPU time of process ", pid));
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

ProjectionLagProbe::ProjectionLagProbe(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)) {}

ProjectionLagProbe::~ProjectionLagProbe() { Stop(); }

void ProjectionLagProbe::Start(const std::atomic<uint64_t>* acknowledged) {
  stop_ = false;
  thread_ = std::thread([this, acknowledged] {
    auto stub = v1::ProjectionService::NewStub(channel_);
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the sampling rate
      const uint64_t position = acknowledged->load();
      if (position == 0) continue;
      v1::GetInstitutionRequest request;
      request.set_urn("300000");
      request.mutable_options()->set_min_position(position);
      v1::InstitutionStatus status;
      const auto start = Clock::now();
      const grpc::Status s = stub->GetInstitution(
          testing::Authorized(testing::kHosiToken).get(), request, &status);
      if (!s.ok()) {
        failure_ = absl::StrCat(s.error_code(), ": ", s.error_message());
        continue;
      }
      samples_ms_.push_back(SecondsSince(start) * 1000);
    }
  });
}

void ProjectionLagProbe::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

DiskUse MeasureDiskUse(const testing::SccdProcess& sccd, const std::string& data_dir) {
  DiskUse use;
  use.events = LogEvents(sccd);
  use.log_bytes = DirectoryBytes(data_dir + "/events");
  use.projection_bytes = DirectoryBytes(data_dir + "/projections");
  return use;
}

void SettleLog(const std::string& data_dir, DiskUse* use) {
  use->settled_log_bytes = Must(CompactedLogBytes(data_dir + "/events"));
}

size_t MeanEventBytes(const std::string& data_dir) {
  auto log = Must(storage::EventLog::Open(data_dir + "/events"));
  uint64_t bytes = 0;
  const absl::Status scanned =
      log->Scan(0, log->NextPosition(), [&bytes](const storage::RecordView& r) {
        bytes += r.type.size() + r.data.size() + r.metadata.size();
        return absl::OkStatus();
      });
  if (!scanned.ok()) Die(scanned.ToString());
  return log->NextPosition() == 0 ? 0 : bytes / log->NextPosition();
}

BigLogFigures MeasureBigLog(const std::string& data_dir, uint64_t events) {
  BigLogFigures f;
  f.events = events;
  f.institutions = std::max<uint64_t>(1, events / 250);  // about 250 events each
  {
    const auto start = Clock::now();
    auto log = Must(storage::EventLog::Open(data_dir + "/events"));
    Generate(*log, static_cast<int>(f.institutions), events, 3);
    f.events = log->NextPosition();
    f.generate_s = SecondsSince(start);
  }
  {
    const auto start = Clock::now();
    auto sccd = Must(testing::SccdProcess::Start(data_dir));
    f.first_start_s = SecondsSince(start);
    const auto caught_up = Clock::now();
    std::fprintf(stderr, "[bench] sccd serving; its read model is applying %llu events\n",
                 static_cast<unsigned long long>(f.events));
    WaitForReadModel(*sccd, f.events);
    f.catch_up_s = SecondsSince(caught_up);
    f.rss_caught_up_mb = RssMb(*sccd);
  }
  const auto start = Clock::now();
  auto sccd = Must(testing::SccdProcess::Start(data_dir));
  f.restart_s = SecondsSince(start);
  f.rss_restarted_mb = RssMb(*sccd);
  // Use: read 2,000 institutions and record a visit at each.
  f.used = std::min<int>(2000, static_cast<int>(f.institutions));
  auto projections = v1::ProjectionService::NewStub(sccd->channel());
  auto institutions = v1::InstitutionService::NewStub(sccd->channel());
  for (int i = 0; i < f.used; ++i) {
    const std::string urn = absl::StrCat(100000 + i);
    v1::GetInstitutionRequest get;
    get.set_urn(urn);
    v1::InstitutionStatus status;
    if (!projections->GetInstitution(testing::Authorized(testing::kHosiToken).get(), get, &status)
             .ok()) {
      Die("GetInstitution failed on the big log");
    }
    v1::RecordVisitRequest visit;
    visit.mutable_context()->set_urn(urn);
    visit.mutable_context()->set_request_id(absl::StrCat("big-log-visit-", i));
    visit.mutable_context()->set_effective_date("2026-11-01");
    visit.mutable_context()->set_reason("recorded by the test");
    visit.mutable_visit()->set_kind(v1::VISIT_KIND_SCHOOL_EFFECTIVENESS);
    visit.mutable_visit()->set_visitor("lni");
    v1::CommandResult result;
    const grpc::Status s = institutions->RecordVisit(
        testing::Authorized(testing::kHosiToken).get(), visit, &result);
    if (!s.ok()) Die("RecordVisit failed on the big log: " + s.error_message());
  }
  f.rss_in_use_mb = RssMb(*sccd);
  f.disk_bytes = DirectoryBytes(data_dir);
  return f;
}

}  // namespace scc::bench
