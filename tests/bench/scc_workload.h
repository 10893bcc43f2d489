// The commands of the side-by-side benchmark: a designation cycle per maintained school —
// register, raise a concern, designate, assign a Lead Officer, agree the action plan — then
// action-plan reviews, Monitoring and Challenge Meetings and visits, a day apart. Each
// institution has its own step counter, so a run that stops mid-cycle and the next one carry on
// where it left off. Not thread-safe for one institution: give each institution to one worker.
#ifndef SCC_TESTS_BENCH_SCC_WORKLOAD_H_
#define SCC_TESTS_BENCH_SCC_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "scc/v1/bulk.pb.h"

namespace scc::bench {

class SccWorkload {
 public:
  // Institutions get URNs 300000, 300001, ...; request ids start with `run_id`.
  SccWorkload(int institutions, std::string run_id);

  int institutions() const { return static_cast<int>(steps_.size()); }
  // The next command of institution `index`.
  v1::BulkCommand Next(int index);
  // How many steps an institution can take before its dates would pass today.
  static constexpr uint32_t kMaxSteps = 600;

 private:
  std::string run_id_;
  std::vector<uint32_t> steps_;
};

}  // namespace scc::bench

#endif  // SCC_TESTS_BENCH_SCC_WORKLOAD_H_
