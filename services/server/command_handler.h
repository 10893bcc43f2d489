// CommandHandler: runs one command end to end — authorization, idempotent replay, decide
// against the latest state, durable append with optimistic concurrency — and answers once.
//
// What follows a commit (deciding again after a version conflict, which reads the log, and
// answering) runs on the handler's own completion threads: the log's commit thread only queues
// it there, and a slow answer never holds up the next commit. Thread-safe; the log and
// repository must outlive it, and it must outlive every command it was given.
#ifndef SCC_SERVICES_SERVER_COMMAND_HANDLER_H_
#define SCC_SERVICES_SERVER_COMMAND_HANDLER_H_

#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "scc/v1/common.pb.h"
#include "services/domain/decide.h"
#include "services/server/executor.h"
#include "services/server/institution_repository.h"
#include "services/server/tokens.h"
#include "storage/event_log.h"

namespace scc::server {

class CommandHandler {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<v1::CommandResult>) &&>;

  // `today` gives the local authority's calendar date (effective dates may not be later).
  // `completion_threads` run what follows commits.
  CommandHandler(storage::EventLog* log, InstitutionRepository* repository,
                 std::function<absl::CivilDay()> today, size_t completion_threads = 2);

  // Runs `command` for `caller`; `done` runs exactly once: on the calling thread when the
  // command is answered without an append, else on a completion thread.
  // Errors: PERMISSION_DENIED (role), INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
  // FAILED_PRECONDITION (a rule), ABORTED (expected_version mismatch), UNAVAILABLE (storage).
  void Execute(const Caller& caller, domain::Command command, Done done);

  // Runs `commands` for `caller` as Execute would, each on its own, and calls `done` once with
  // one outcome per command (in order) when every one is answered. Commands for the same
  // institution are decided in order, each against the state the earlier ones leave; all of
  // them go to the log at once, so one synced write commits many.
  using BatchDone =
      absl::AnyInvocable<void(std::vector<absl::StatusOr<v1::CommandResult>>) &&>;
  void ExecuteBatch(const Caller& caller, std::vector<domain::Command> commands, BatchDone done);

  // The users a Lead Officer is chosen from: when set, assigning one the directory does
  // not list as a Lead Officer (or HoSI) is refused, also in a correction, and a command that
  // leaves the name out gets the directory's. Set
  // before the first command; `find` must be thread-safe and must not block for long.
  using Directory = std::function<std::optional<Caller>(const std::string& user)>;
  void set_directory(Directory find) { directory_ = std::move(find); }

  // Writes a letter (ProduceLetter) from the institution's state as decided against: the
  // server fills the LetterProduced's html, recipients, reference and template hash, and a
  // client that sends them is refused. Unset: ProduceLetter is refused (no templates). Set
  // before the first command; must be thread-safe and must not block.
  // `dated`: the letter's date (the command's effective date).
  using LetterWriter = std::function<absl::Status(const domain::InstitutionState& state,
                                                  absl::CivilDay dated, v1::LetterProduced& letter)>;
  void set_letter_writer(LetterWriter write) { letter_writer_ = std::move(write); }

  // Told what went wrong after a command was recorded and answered: a redaction whose erased
  // bytes could not yet be purged from the disk (they go at RocksDB's next compaction). Set
  // before the first command; must be thread-safe.
  using Warn = std::function<void(const std::string& message)>;
  void set_warn(Warn warn) { warn_ = std::move(warn); }

 private:
  using StatePtr = std::shared_ptr<const domain::InstitutionState>;
  struct Attempt;
  struct Batch;
  // Names the caller in the command and checks they may send its kind; nullptr (after calling
  // `done` with the refusal) when not.
  std::shared_ptr<Attempt> Admit(const Caller& caller, domain::Command command, Done done);
  absl::Status CheckLeadOfficer(domain::Command& command) const;
  // What one try of a command comes to: an answer now (refused, replayed, or a read that
  // failed), or the append that records its events, whose callback answers it. `leaves` is the
  // state the institution has once the plan is carried out: the state decided against for an
  // answer, the state after the events for an append; nullptr when not known (a correction:
  // the stream must be folded again).
  struct Plan {
    std::variant<absl::StatusOr<v1::CommandResult>, storage::EventLog::AppendRequest> action;
    StatePtr leaves;
  };
  // Plans the attempt against `known` (nullptr: the institution's latest state). Reads the log
  // and the repository, but neither answers nor appends: the caller acts on the plan.
  Plan Try(const std::shared_ptr<Attempt>& attempt, StatePtr known = nullptr);
  // Tries the attempt on its own and acts on the plan: answers it or hands its append to the log.
  void Run(std::shared_ptr<Attempt> attempt);
  // `done` as the log calls it: it queues `done` on the completion threads and returns.
  storage::EventLog::AppendCallback OffCommitThread(storage::EventLog::AppendCallback done);
  // The answer to a retry of an earlier command with the same request id, if there was one;
  // when there was none, `absent_mark` receives the log's mark for the append
  // (EventLog::LookUpRequest).
  absl::StatusOr<std::optional<v1::CommandResult>> Replay(const domain::Command& command,
                                                          const std::string& command_hash,
                                                          uint64_t* absent_mark);

  Directory directory_;  // empty: any Lead Officer id is taken as given
  LetterWriter letter_writer_;
  Warn warn_;
  storage::EventLog* const log_;
  InstitutionRepository* const repository_;
  const std::function<absl::CivilDay()> today_;
  Executor completions_;  // last: destroyed first, while everything it runs can still be used
};

// Hex SHA-256 of everything the command says (its request_id aside), to tell a retry from a
// different command reusing a request_id.
std::string CommandHash(const domain::Command& command);

}  // namespace scc::server

#endif  // SCC_SERVICES_SERVER_COMMAND_HANDLER_H_
