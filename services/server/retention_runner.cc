#include "services/server/retention_runner.h"

#include <algorithm>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "storage/status_macros.h"

namespace scc::server {

RetentionRunner::RetentionRunner(const storage::EventLog* log, CommandHandler* handler,
                                 std::vector<domain::RetentionRule> rules,
                                 std::function<absl::CivilDay()> today)
    : log_(log), handler_(handler), rules_(std::move(rules)), today_(std::move(today)) {}

absl::StatusOr<v1::RetentionReport> RetentionRunner::Run(bool dry_run, absl::CivilDay as_of,
                                                         absl::Time deadline) const {
  v1::RetentionReport report;
  report.set_dry_run(dry_run);
  report.set_as_of(domain::FormatDate(as_of));
  for (const domain::RetentionRule& rule : rules_) report.add_schedule(rule.Describe());
  if (rules_.empty()) return report;

  // The institutions with records that still hold personal data as sections.
  absl::btree_set<std::string> urns;
  uint64_t read = 0;
  RETURN_IF_ERROR(log_->Scan(0, log_->NextPosition(), [&](const storage::RecordView& r) {
    if (++read % 65536 == 0 && absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("the retention run read ", read, " records in the time allowed; ask for a "
                       "longer deadline (nothing was redacted)"));
    }
    if (r.section_count > 0) urns.insert(std::string(codec::UrnView(r.stream)));
    return absl::OkStatus();
  }));
  report.set_records_read(read);

  std::vector<domain::Command> redactions;
  for (const std::string& urn : urns) {
    if (urn.empty()) continue;
    ASSIGN_OR_RETURN(std::vector<domain::StoredEvent> stream, codec::ReadInstitution(*log_, urn));
    const domain::RetentionClock clock = domain::ClockOf(stream);
    if (!clock.held_since.empty()) {
      report.add_held_urns(urn);
      continue;
    }
    for (const domain::StoredEvent& event : stream) {
      const std::vector<domain::ExpiredField> expired =
          domain::Expired(event, clock, rules_, as_of);
      if (expired.empty()) continue;
      v1::RetentionItem* item = report.add_items();
      item->set_urn(urn);
      item->set_event_id(event.metadata.event_id());
      item->set_type(codec::EventType(event.payload));
      item->set_effective_date(event.metadata.effective_date());
      item->set_rule(expired.front().rule->Describe());
      item->set_expired_on(expired.front().expired_on);
      domain::Command command;
      command.context.set_urn(urn);
      // The same run on the same day redacts once, also when retried.
      command.context.set_request_id(absl::StrCat("retention/", domain::FormatDate(as_of), "/",
                                                  event.metadata.event_id()));
      command.context.set_effective_date(domain::FormatDate(as_of));
      std::vector<std::string> rules;
      v1::EventRedacted* redaction = command.payload.mutable_event_redacted();
      redaction->set_redacted_event_id(event.metadata.event_id());
      for (const domain::ExpiredField& field : expired) {
        item->add_fields(field.path);
        redaction->add_fields(field.path);
        if (std::find(rules.begin(), rules.end(), field.rule->Describe()) == rules.end()) {
          rules.push_back(field.rule->Describe());
        }
      }
      redaction->set_retention_rule(absl::StrJoin(rules, "; "));
      command.context.set_reason(absl::StrCat("retention schedule: ", redaction->retention_rule(),
                                              " (expired ", item->expired_on(), ")"));
      redactions.push_back(std::move(command));
    }
  }
  if (dry_run || redactions.empty()) return report;

  Caller retention;
  retention.user = "retention";
  retention.role = v1::ROLE_SERVICE_ACCOUNT;
  retention.name = "Retention schedule";
  std::vector<absl::StatusOr<v1::CommandResult>> outcomes;
  absl::Notification answered;
  handler_->ExecuteBatch(retention, std::move(redactions),
                         [&](std::vector<absl::StatusOr<v1::CommandResult>> results) {
                           outcomes = std::move(results);
                           answered.Notify();
                         });
  answered.WaitForNotification();
  for (size_t i = 0; i < outcomes.size(); ++i) {
    v1::RetentionItem* item = report.mutable_items(static_cast<int>(i));
    if (outcomes[i].ok()) {
      report.set_redacted_fields(report.redacted_fields() + item->fields_size());
    } else {
      item->set_error(std::string(outcomes[i].status().message()));
    }
  }
  return report;
}

}  // namespace scc::server
