// scclog: operate on an event log directly (the server must not be running on it): a directory,
// or a PostgreSQL database named by its URI. Verify the hash chain, take and restore backups,
// copy a log between its homes, read events, append test events, and show a demo of the log's
// guarantees.
#include <cstdio>
#include <limits>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "storage/event_log.h"
#include "storage/log_copy.h"
#include "storage/subscription.h"

namespace {

using scc::storage::EventLog;
using scc::storage::ExpectedVersion;
using scc::storage::RecordedEvent;

constexpr uint64_t kEnd = std::numeric_limits<uint64_t>::max();

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "scclog: %s\n", status.ToString().c_str());
  return 1;
}

void PrintEvent(const RecordedEvent& e) {
  std::printf("%8llu  %-28s v%-5llu %-24s %s  %zu B  %s\n",
              static_cast<unsigned long long>(e.position), e.stream.c_str(),
              static_cast<unsigned long long>(e.version), e.type.c_str(),
              absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", e.recorded_at, absl::UTCTimeZone()).c_str(),
              e.data.size(), absl::BytesToHexString(e.hash).substr(0, 16).c_str());
}

int Verify(EventLog& log, uint64_t from, uint64_t to) {
  absl::StatusOr<scc::storage::VerifyReport> report = log.Verify(from, to);
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::printf("FAILED at position %llu: %s (%llu records checked before it)\n",
                static_cast<unsigned long long>(*report->first_bad_position),
                report->problem.c_str(), static_cast<unsigned long long>(report->checked));
    return 3;
  }
  std::printf("ok: %llu records verified in [%llu, %llu); head hash %s\n",
              static_cast<unsigned long long>(report->checked),
              static_cast<unsigned long long>(report->from),
              static_cast<unsigned long long>(report->to),
              absl::BytesToHexString(log.HeadHash()).c_str());
  return 0;
}

// Appends a few streams' worth of events twice over (the second time as retries), shows the
// log, verifies it, and prints what the demo proved.
int Demo(EventLog& log) {
  const uint64_t before = log.NextPosition();
  std::printf("event log holds %llu events; appending a demo batch\n",
              static_cast<unsigned long long>(before));
  for (int round = 0; round < 2; ++round) {
    for (int s = 1; s <= 3; ++s) {
      const std::string stream = absl::StrCat("demo/stream-", s);
      const std::string request_id = absl::StrCat("demo-", before, "-", s);
      std::vector<scc::storage::EventData> events = {
          {"DemoStarted", absl::StrCat("{\"stream\":", s, "}"), ""},
          {"DemoStepped", absl::StrCat("{\"stream\":", s, ",\"step\":1}"), ""}};
      absl::StatusOr<scc::storage::AppendResult> r =
          log.Append(stream, ExpectedVersion::Any(), std::move(events), request_id);
      if (!r.ok()) return Fail(r.status());
      std::printf("  %-18s %s -> positions %llu..%llu, versions %llu..%llu\n", stream.c_str(),
                  r->replayed ? "retry answered" : "appended",
                  static_cast<unsigned long long>(r->first_position),
                  static_cast<unsigned long long>(r->last_position),
                  static_cast<unsigned long long>(r->first_version),
                  static_cast<unsigned long long>(r->last_version));
    }
  }
  absl::StatusOr<scc::storage::AllPage> page = log.ReadAll(before, 100);
  if (!page.ok()) return Fail(page.status());
  std::printf("\nnew events:\n");
  for (const RecordedEvent& e : page->events) PrintEvent(e);
  std::printf("\n");
  return Verify(log, 0, kEnd);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "scclog: inspect and maintain an SCC event log directory offline.\n"
      "The log is append-only and hash-chained: every record carries SHA-256(previous hash ||\n"
      "record), so `verify` detects any change made behind the server's back."};
  app.require_subcommand(1);
  std::string data = "data";
  app.add_option("--data", data,
                 "the event log: a directory, or a PostgreSQL URI (postgresql://...)")
      ->capture_default_str();

  uint64_t from = 0, to = kEnd, count = 50;
  std::string stream, backup_dir, target_dir;

  auto* demo = app.add_subcommand("demo", "append demo events (twice, the second time as "
                                          "idempotent retries), list and verify them");
  auto* verify = app.add_subcommand("verify", "recompute checksums and every hash link");
  verify->add_option("--from", from, "first position")->capture_default_str();
  verify->add_option("--to", to, "end position (exclusive; default: the end)");
  auto* read = app.add_subcommand("read", "print events from the global log or one stream");
  read->add_option("--from", from, "first position (or version with --stream)")
      ->capture_default_str();
  read->add_option("--count", count, "how many events")->capture_default_str();
  read->add_option("--stream", stream, "read this stream instead of the global log");
  auto* backup = app.add_subcommand("backup", "write a consistent copy of the log");
  backup->add_option("dir", backup_dir, "backup directory (must not exist)")->required();
  auto* restore = app.add_subcommand("restore", "restore a backup into a new directory and "
                                                "verify it (does not open --data)");
  restore->add_option("backup", backup_dir, "backup directory")->required();
  restore->add_option("target", target_dir, "new data directory (must not exist or be empty)")
      ->required();

  std::string copy_from, copy_to;
  auto* copy = app.add_subcommand(
      "copy", "copy a log into an empty one, between a directory and PostgreSQL either way; "
              "verifies the chain on both sides (does not open --data)");
  copy->add_option("from", copy_from, "the log to copy: a directory or a PostgreSQL URI")
      ->required();
  copy->add_option("to", copy_to, "an empty directory or PostgreSQL database")->required();

  CLI11_PARSE(app, argc, argv);

  if (*copy) {
    absl::StatusOr<scc::storage::CopyReport> report =
        scc::storage::CopyEventLog(copy_from, copy_to);
    if (!report.ok()) return Fail(report.status());
    std::printf("copied %llu records; both logs verify and end in head hash %s\n",
                static_cast<unsigned long long>(report->records),
                absl::BytesToHexString(report->head_hash).c_str());
    return 0;
  }

  if (*restore) {
    absl::Status s = EventLog::Restore(backup_dir, target_dir);
    if (!s.ok()) return Fail(s);
    std::printf("restored %s into %s and verified it\n", backup_dir.c_str(), target_dir.c_str());
    return 0;
  }

  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(data);
  if (!log.ok()) return Fail(log.status());
  if (*demo) return Demo(**log);
  if (*verify) return Verify(**log, from, to);
  if (*backup) {
    absl::Status s = (*log)->Backup(backup_dir);
    if (!s.ok()) return Fail(s);
    std::printf("backup of %llu events written to %s\n",
                static_cast<unsigned long long>((*log)->NextPosition()), backup_dir.c_str());
    return 0;
  }
  if (*read) {
    std::vector<RecordedEvent> events;
    if (stream.empty()) {
      absl::StatusOr<scc::storage::AllPage> page = (*log)->ReadAll(from, count);
      if (!page.ok()) return Fail(page.status());
      events = std::move(page->events);
    } else {
      absl::StatusOr<scc::storage::StreamPage> page =
          (*log)->ReadStream(stream, from, scc::storage::ReadDirection::kForwards, count);
      if (!page.ok()) return Fail(page.status());
      events = std::move(page->events);
    }
    for (const RecordedEvent& e : events) PrintEvent(e);
    return 0;
  }
  return 0;
}
