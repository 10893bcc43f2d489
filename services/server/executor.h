// Executor: a fixed number of threads running submitted work in the order it was submitted.
// Submit only queues and never blocks, so it may be called from threads that must not wait
// (the event log's commit thread, gRPC callback threads). The queue holds as much as is
// submitted: callers bound it by bounding the work they admit. Work runs outside any lock and
// may submit more work. Thread-safe. The destructor runs everything already submitted, then
// joins the threads; once it has started only work already queued may submit more.
#ifndef SCC_SERVICES_SERVER_EXECUTOR_H_
#define SCC_SERVICES_SERVER_EXECUTOR_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace scc::server {

class Executor {
 public:
  using Work = absl::AnyInvocable<void() &&>;

  explicit Executor(size_t threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Submit(Work work);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<Work> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_EXECUTOR_H_
