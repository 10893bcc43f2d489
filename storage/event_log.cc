// EventLog: what both homes share. Choosing the home by location, validating appends, the
// synchronous and single-append forms, global reads built on Scan, and the committed head that
// readers and subscriptions wait on.
#include "storage/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "storage/chain.h"
#include "storage/postgres_event_log.h"
#include "storage/rocks_event_log.h"
#include "storage/subscription.h"

namespace scc::storage {

bool EventLog::IsPostgresLocation(const std::string& location) {
  return absl::StartsWith(location, "postgresql://") || absl::StartsWith(location, "postgres://");
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const std::string& location,
                                                         EventLogOptions options) {
  if (!options.clock) options.clock = [] { return absl::Now(); };
  if (IsPostgresLocation(location)) return PostgresEventLog::Open(location, std::move(options));
  return RocksEventLog::Open(location, std::move(options));
}

EventLog::EventLog(EventLogOptions options, Head head)
    : options_(std::move(options)), head_(std::move(head)) {}

absl::Status EventLog::ValidateAppend(const std::string& stream,
                                      const std::vector<EventData>& events,
                                      const std::string& request_id, size_t* bytes) const {
  if (stream.empty()) return absl::InvalidArgumentError("stream: must not be empty");
  if (stream.size() > options_.max_stream_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("stream: ", stream.size(),
                                                   " bytes exceeds the limit of ",
                                                   options_.max_stream_bytes));
  }
  if (stream.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("stream: must not contain a NUL byte");
  }
  if (request_id.size() > options_.max_request_id_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("request_id: ", request_id.size(),
                                                   " bytes exceeds the limit of ",
                                                   options_.max_request_id_bytes));
  }
  if (events.empty()) return absl::InvalidArgumentError("events: must hold at least one event");
  if (events.size() > options_.max_events_per_append) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", events.size(),
                                                   " events exceeds the limit of ",
                                                   options_.max_events_per_append));
  }
  size_t total = stream.size() + request_id.size();
  for (size_t i = 0; i < events.size(); ++i) {
    const EventData& e = events[i];
    if (e.type.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "].type: must not be empty"));
    }
    if (e.type.size() > options_.max_type_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "].type: ", e.type.size(),
                                                     " bytes exceeds the limit of ",
                                                     options_.max_type_bytes));
    }
    if (e.sections.size() > kMaxSections || e.erases.size() > kMaxSections) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "]: more than ", kMaxSections,
                                                     " sections or erasures"));
    }
    size_t event_bytes = e.type.size() + e.data.size() + e.metadata.size();
    for (const std::string& section : e.sections) event_bytes += section.size();
    if (event_bytes > options_.max_event_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "]: ", event_bytes,
                                                     " bytes exceeds the limit of ",
                                                     options_.max_event_bytes));
    }
    total += event_bytes;
  }
  if (total > options_.max_append_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", total,
                                                   " bytes in one append exceeds the limit of ",
                                                   options_.max_append_bytes));
  }
  *bytes = total;
  return absl::OkStatus();
}

std::vector<EventLog::QueuedAppend> EventLog::Admit(std::vector<AppendRequest> appends) const {
  std::vector<QueuedAppend> admitted;
  admitted.reserve(appends.size());
  for (AppendRequest& a : appends) {
    size_t bytes = 0;
    if (absl::Status valid = ValidateAppend(a.stream, a.events, a.request_id, &bytes);
        !valid.ok()) {
      std::move(a.done)(valid);
      continue;
    }
    QueuedAppend q;
    if (!a.request_id.empty()) q.fingerprint = AppendFingerprint(a.stream, a.events);
    q.stream = std::move(a.stream);
    q.expected = a.expected;
    q.events = std::move(a.events);
    q.request_id = std::move(a.request_id);
    q.absent_mark = q.request_id.empty() ? 0 : a.absent_mark;
    q.bytes = bytes;
    q.done = std::move(a.done);
    admitted.push_back(std::move(q));
  }
  return admitted;
}

void EventLog::AnswerGroup(std::vector<QueuedAppend>& group) {
  for (QueuedAppend& q : group) {
    if (!q.same_request_as) continue;
    const QueuedAppend& first = group[*q.same_request_as];
    if (!first.outcome.ok()) {
      q.outcome = first.outcome.status();
    } else if (first.stream != q.stream || first.fingerprint != q.fingerprint) {
      q.outcome = RequestReusedError(q.request_id);
    } else {
      AppendResult replay = *first.outcome;
      replay.replayed = true;
      q.outcome = replay;
    }
  }
  for (QueuedAppend& q : group) std::move(q.done)(std::move(q.outcome));
}

void EventLog::AppendAsync(std::string stream, ExpectedVersion expected,
                           std::vector<EventData> events, std::string request_id,
                           AppendCallback done) {
  std::vector<AppendRequest> one;
  one.push_back(AppendRequest{std::move(stream), expected, std::move(events),
                              std::move(request_id), std::move(done)});
  AppendAllAsync(std::move(one));
}

absl::StatusOr<AppendResult> EventLog::Append(std::string stream, ExpectedVersion expected,
                                              std::vector<EventData> events,
                                              std::string request_id) {
  absl::StatusOr<AppendResult> result = absl::InternalError("append not answered");
  absl::Notification answered;
  AppendAsync(std::move(stream), expected, std::move(events), std::move(request_id),
              [&](absl::StatusOr<AppendResult> r) {
                result = std::move(r);
                answered.Notify();
              });
  answered.WaitForNotification();
  return result;
}

absl::StatusOr<AllPage> EventLog::ReadAll(uint64_t from_position, size_t max_count) const {
  if (max_count == 0) return absl::InvalidArgumentError("max_count: must be positive");
  const uint64_t committed = NextPosition();
  AllPage page;
  page.next_position = from_position;
  if (from_position >= committed) return page;
  const uint64_t count =
      std::min<uint64_t>({max_count, options_.max_read_count, committed - from_position});
  page.events.reserve(count);
  absl::Status scanned = Scan(from_position, from_position + count, [&page](const RecordView& r) {
    page.events.push_back(r.Copy());
    return absl::OkStatus();
  });
  if (!scanned.ok()) return scanned;
  page.next_position = from_position + count;
  page.end = page.next_position == committed;
  return page;
}

uint64_t EventLog::NextPosition() const {
  absl::MutexLock lock(&head_mu_);
  return head_.next_position;
}

std::string EventLog::HeadHash() const {
  absl::MutexLock lock(&head_mu_);
  return head_.last_hash;
}

absl::Status EventLog::WaitForPosition(uint64_t position, absl::Time deadline,
                                       const std::atomic<bool>* cancelled) const {
  struct Args {
    const EventLog* log;
    uint64_t position;
    const std::atomic<bool>* cancelled;
  } args{this, position, cancelled};
  absl::MutexLock lock(&head_mu_);
  head_mu_.AwaitWithDeadline(
      absl::Condition(
          +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return a->log->head_.next_position > a->position || a->log->closing_ ||
                   (a->cancelled != nullptr && a->cancelled->load());
          },
          &args),
      deadline);
  // Cancelled and closing come first: a waiter with a backlog must stop when told to.
  if (closing_) return absl::CancelledError("event log is closing");
  if (cancelled != nullptr && cancelled->load()) return absl::CancelledError("cancelled");
  if (head_.next_position > position) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("position ", position, " not committed before the deadline"));
}

void EventLog::WakeWaiters() const {
  // Releasing the mutex makes absl re-evaluate every waiter's condition.
  absl::MutexLock lock(&head_mu_);
}

std::unique_ptr<Subscription> EventLog::Subscribe(uint64_t from_position) {
  return std::make_unique<Subscription>(this, from_position);
}

CommitStats EventLog::Stats() const {
  absl::MutexLock lock(&head_mu_);
  return stats_;
}

Head EventLog::CommittedHead() const {
  absl::MutexLock lock(&head_mu_);
  return head_;
}

void EventLog::PublishHead(const Head& head) {
  absl::MutexLock lock(&head_mu_);
  if (head.next_position < head_.next_position) return;
  head_ = head;
}

void EventLog::CountGroup(size_t appends, uint64_t events) {
  absl::MutexLock lock(&head_mu_);
  ++stats_.groups;
  stats_.appends += appends;
  stats_.events += events;
  const auto& bounds = CommitStats::kGroupSizeBounds;
  const size_t bucket = std::lower_bound(bounds.begin(), bounds.end(), appends) - bounds.begin();
  ++stats_.group_sizes[bucket];
}

void EventLog::CountFailedGroup() {
  absl::MutexLock lock(&head_mu_);
  ++stats_.failed_groups;
}

void EventLog::MarkClosing() {
  absl::MutexLock lock(&head_mu_);
  closing_ = true;
}

}  // namespace scc::storage
