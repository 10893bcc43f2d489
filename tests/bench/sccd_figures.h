// What the side-by-side benchmark measures of sccd besides throughput: how far the read model
// trails the log under load, bytes per event on disk, and start-up time and memory on a big log.
#ifndef SCC_TESTS_BENCH_SCCD_FIGURES_H_
#define SCC_TESTS_BENCH_SCCD_FIGURES_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tests/integration/sccd_process.h"

namespace scc::bench {

// Ten times a second, asks the read model for the event just acknowledged (GetInstitution with
// min_position, which waits until the projection applied it) and times the answer: the
// projection lag as a reader sees it, under whatever load runs meanwhile. Start/Stop from one
// thread.
class ProjectionLagProbe {
 public:
  explicit ProjectionLagProbe(std::shared_ptr<grpc::Channel> channel);
  ~ProjectionLagProbe();
  // `acknowledged`: the global position of the latest acknowledged command, kept by the load.
  void Start(const std::atomic<uint64_t>* acknowledged);
  void Stop();
  // Samples in ms (each includes one loopback round trip).
  const std::vector<double>& samples_ms() const { return samples_ms_; }
  std::string failure() const { return failure_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<double> samples_ms_;
  std::string failure_;
};

// CPU seconds (user + system, every thread) the process has used so far.
double ProcessCpuSeconds(pid_t pid);

// Bytes of sccd's data directory (event log and read model), and per event.
struct DiskUse {
  uint64_t events = 0;
  uint64_t log_bytes = 0;         // as the run left it: WAL and unmerged SST files
  uint64_t settled_log_bytes = 0; // once compacted (SettleLog)
  uint64_t projection_bytes = 0;
  double log_bytes_per_event() const { return events ? double(log_bytes) / events : 0; }
  double settled_bytes_per_event() const {
    return events ? double(settled_log_bytes) / events : 0;
  }
};
DiskUse MeasureDiskUse(const testing::SccdProcess& sccd, const std::string& data_dir);

// Compacts the event log of `data_dir` and records its settled size in `use`.
// REQUIRES: no sccd runs on `data_dir`.
void SettleLog(const std::string& data_dir, DiskUse* use);

// The mean bytes sccd stored per event (type, payload, metadata) in the log of `data_dir`.
// REQUIRES: no sccd runs on `data_dir`.
size_t MeanEventBytes(const std::string& data_dir);

// sccd on a log of many events: generated straight into the data directory's event log
// (institutions with an SCC cycle, visits, reviews and Ofsted outcomes), then sccd started on
// it — the first start builds the read model in the background — and started again.
struct BigLogFigures {
  uint64_t events = 0;
  uint64_t institutions = 0;
  double generate_s = 0;
  double first_start_s = 0;      // exec until sccd listens, read model empty
  double catch_up_s = 0;         // until the read model applied every event
  double restart_s = 0;          // exec until it listens, read model complete
  double rss_caught_up_mb = 0;   // after the catch-up
  double rss_restarted_mb = 0;   // right after the restart
  double rss_in_use_mb = 0;      // after reads and commands on `used` institutions
  int used = 0;
  uint64_t disk_bytes = 0;
};
BigLogFigures MeasureBigLog(const std::string& data_dir, uint64_t events);

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_SCCD_FIGURES_H_
