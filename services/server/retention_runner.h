// RetentionRunner: applies the retention schedules to the whole log (docs/data-protection.md).
// It finds the institutions whose records still hold personal data, folds each one's stream
// for its clock (episode ends, closure, legal hold), and lists each record's kept fields whose
// rule has run out; unless it is a dry run, it redacts them through the command handler as the
// user "retention" (a service account), one RedactEvent per record, the rule in its reason. An
// institution under a legal hold is listed as held and left alone. Thread-safe; Run blocks
// until every redaction is answered, so call it from a thread that may wait (the long-call
// executor, or the daily timer's own thread).
#ifndef SCC_SERVICES_SERVER_RETENTION_RUNNER_H_
#define SCC_SERVICES_SERVER_RETENTION_RUNNER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "scc/v1/data_protection.pb.h"
#include "services/domain/retention.h"
#include "services/server/command_handler.h"
#include "storage/event_log.h"

namespace scc::server {

class RetentionRunner {
 public:
  RetentionRunner(const storage::EventLog* log, CommandHandler* handler,
                  std::vector<domain::RetentionRule> rules,
                  std::function<absl::CivilDay()> today);

  // DEADLINE_EXCEEDED when the log could not be read by `deadline` (nothing redacted then).
  absl::StatusOr<v1::RetentionReport> Run(bool dry_run, absl::CivilDay as_of,
                                          absl::Time deadline) const;
  absl::CivilDay today() const { return today_(); }
  const std::vector<domain::RetentionRule>& rules() const { return rules_; }

 private:
  const storage::EventLog* const log_;
  CommandHandler* const handler_;
  const std::vector<domain::RetentionRule> rules_;
  const std::function<absl::CivilDay()> today_;
};

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_RETENTION_RUNNER_H_
