#include "services/server/command_handler.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "services/domain/authorization.h"
#include "services/domain/dates.h"
#include "services/domain/errors.h"
#include "services/domain/event_metadata.h"
#include "services/codec/event_codec.h"
#include "services/server/tokens.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace scc::server {
namespace {

constexpr int kMaxAttempts = 64;  // decide again after a concurrent write, this often

// The sections of `target` a redaction erases: those of its fields (Decide checked them).
std::vector<storage::SectionRef> Erasures(const domain::StoredEvent& target,
                                          const v1::EventRedacted& redaction) {
  std::vector<storage::SectionRef> refs;
  const auto& paths = target.metadata.section_paths();
  for (const std::string& field : redaction.fields()) {
    for (int i = 0; i < paths.size(); ++i) {
      if (paths[i] == field) refs.push_back({target.position, static_cast<uint32_t>(i)});
    }
  }
  return refs;
}

// A UUID-shaped id derived from the request, so a retry decided again yields identical events.
std::string EventId(const std::string& request_id, size_t index) {
  const storage::Sha256Digest digest = storage::Sha256({request_id, "#", absl::StrCat(index)});
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest.data()), 16));
  hex[12] = '5';  // version nibble: name-based
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

absl::Status VersionConflict(const std::string& urn, uint64_t expected,
                             std::optional<uint64_t> current) {
  absl::Status status = absl::AbortedError(absl::StrCat(
      "institution ", urn, " is at version ",
      current ? absl::StrCat(*current) : std::string("none (not registered)"),
      ", not the expected version ", expected, ": read it again and decide anew"));
  google::rpc::ErrorInfo info;
  info.set_reason("VERSION_CONFLICT");
  info.set_domain("scc.v1");
  (*info.mutable_metadata())["current_version"] = current ? absl::StrCat(*current) : "";
  (*info.mutable_metadata())["expected_version"] = absl::StrCat(expected);
  status.SetPayload(domain::kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status RequestReused(const std::string& request_id) {
  return absl::AlreadyExistsError(absl::StrCat(
      "request_id '", request_id, "' was already used for a different command; use a new one"));
}

}  // namespace

std::string CommandHash(const domain::Command& command) {
  v1::CommandContext context = command.context;
  context.clear_request_id();
  const storage::Sha256Digest digest =
      storage::Sha256({codec::DeterministicBytes(context), "|",
                       codec::DeterministicBytes(command.payload), "|",
                       command.actor, "|", absl::StrCat(command.role)});
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

struct CommandHandler::Attempt {
  domain::Command command;
  std::string hash;
  Done done;
  int tries = 0;
};

CommandHandler::CommandHandler(storage::EventLog* log, InstitutionRepository* repository,
                               std::function<absl::CivilDay()> today, size_t completion_threads)
    : log_(log),
      repository_(repository),
      today_(std::move(today)),
      completions_(completion_threads) {}

storage::EventLog::AppendCallback CommandHandler::OffCommitThread(
    storage::EventLog::AppendCallback done) {
  return [this, done = std::move(done)](absl::StatusOr<storage::AppendResult> appended) mutable {
    completions_.Submit([done = std::move(done), appended = std::move(appended)]() mutable {
      std::move(done)(std::move(appended));
    });
  };
}

absl::StatusOr<std::optional<v1::CommandResult>> CommandHandler::Replay(
    const domain::Command& command, const std::string& command_hash, uint64_t* absent_mark) {
  ASSIGN_OR_RETURN(std::optional<storage::EventLog::PriorAppend> prior,
                   log_->LookUpRequest(command.context.request_id(), absent_mark));
  if (!prior) return std::optional<v1::CommandResult>();
  if (prior->stream != codec::StreamName(command.context.urn())) {
    return RequestReused(command.context.request_id());
  }
  const storage::AppendResult& r = prior->result;
  ASSIGN_OR_RETURN(storage::AllPage page,
                   log_->ReadAll(r.first_position, r.last_position - r.first_position + 1));
  v1::CommandResult result;
  for (const storage::RecordedEvent& recorded : page.events) {
    ASSIGN_OR_RETURN(domain::StoredEvent event, codec::Decode(recorded));
    if (event.metadata.command_hash() != command_hash) {
      return RequestReused(command.context.request_id());
    }
    result.add_event_ids(event.metadata.event_id());
  }
  ASSIGN_OR_RETURN(auto state, repository_->Load(command.context.urn()));
  result.set_urn(command.context.urn());
  result.set_version(r.last_version);
  result.set_global_position(r.last_position);
  result.set_replayed(true);
  result.set_state(state->state());
  return std::optional<v1::CommandResult>(result);
}

// R-5: the Lead Officer assigned is one of the directory's Lead Officers (or the HoSI), named
// as the directory names them when the command gives no name.
absl::Status CommandHandler::CheckLeadOfficer(domain::Command& command) const {
  if (!directory_) return absl::OkStatus();
  v1::EventPayload* payload = &command.payload;
  std::string at = "lead_officer";
  if (payload->has_event_corrected() && payload->event_corrected().has_replacement()) {
    payload = command.payload.mutable_event_corrected()->mutable_replacement();
    at = "correction.replacement.lead_officer_assigned";
  }
  if (!payload->has_lead_officer_assigned()) return absl::OkStatus();
  v1::LeadOfficerAssigned& assigned = *payload->mutable_lead_officer_assigned();
  if (assigned.lead_officer_id().empty()) return absl::OkStatus();  // shape says it is required
  const std::optional<Caller> user = directory_(assigned.lead_officer_id());
  if (!user) {
    return domain::InvalidField(
        at + ".lead_officer_id",
        absl::StrCat("no user ", domain::Quoted(assigned.lead_officer_id()),
                     " in the directory: choose the Lead Officer from the directory's Lead "
                     "Officers (AdminService.ListUsers)"));
  }
  if (user->role != v1::ROLE_LEAD_OFFICER && user->role != v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT) {
    return domain::InvalidField(
        at + ".lead_officer_id",
        absl::StrCat(domain::Quoted(user->user), " is ", domain::RoleName(user->role),
                     " in the directory, not a Lead Officer"));
  }
  // A correction says in full what the record should have said: only a fresh command is named.
  if (assigned.lead_officer_name().empty() && payload == &command.payload) {
    assigned.set_lead_officer_name(user->name.empty() ? user->user : user->name);
  }
  return absl::OkStatus();
}

std::shared_ptr<CommandHandler::Attempt> CommandHandler::Admit(const Caller& caller,
                                                              domain::Command command,
                                                              Done done) {
  command.actor = caller.user;
  command.role = caller.role;
  command.own_schools = caller.urns;
  const domain::CommandSpec* spec = domain::FindCommand(command.payload.kind_case());
  if (spec == nullptr) {
    std::move(done)(absl::InvalidArgumentError("the request carries no command payload"));
    return nullptr;
  }
  if (absl::Status allowed = domain::AuthorizeCall(caller.user, caller.role, spec->rpc);
      !allowed.ok()) {
    std::move(done)(std::move(allowed));
    return nullptr;
  }
  if (absl::Status known = CheckLeadOfficer(command); !known.ok()) {
    std::move(done)(std::move(known));
    return nullptr;
  }
  if (command.payload.has_letter_produced()) {
    const v1::LetterProduced& letter = command.payload.letter_produced();
    if (!letter.html().empty() || letter.recipients_size() > 0 || !letter.reference().empty() ||
        !letter.template_sha256().empty()) {
      std::move(done)(domain::InvalidField(
          "letter.html", "the server writes the letter from the authority's template: send "
                         "only its kind"));
      return nullptr;
    }
    if (!letter_writer_) {
      std::move(done)(absl::FailedPreconditionError(
          "this server has no letter templates (--letter-templates); see docs/letters.md"));
      return nullptr;
    }
  }
  auto attempt = std::make_shared<Attempt>();
  attempt->hash = CommandHash(command);
  attempt->command = std::move(command);
  attempt->done = std::move(done);
  return attempt;
}

void CommandHandler::Execute(const Caller& caller, domain::Command command, Done done) {
  if (std::shared_ptr<Attempt> attempt = Admit(caller, std::move(command), std::move(done))) {
    Run(std::move(attempt));
  }
}

void CommandHandler::Run(std::shared_ptr<Attempt> attempt) {
  Plan plan = Try(attempt);
  if (auto* append = std::get_if<storage::EventLog::AppendRequest>(&plan.action)) {
    std::vector<storage::EventLog::AppendRequest> one;
    one.push_back(std::move(*append));  // with its absent_mark
    log_->AppendAllAsync(std::move(one));
  } else {
    std::move(attempt->done)(std::get<absl::StatusOr<v1::CommandResult>>(std::move(plan.action)));
  }
}

struct CommandHandler::Batch {
  absl::Mutex mu;
  std::vector<absl::StatusOr<v1::CommandResult>> outcomes ABSL_GUARDED_BY(mu);
  size_t unanswered ABSL_GUARDED_BY(mu);
  BatchDone done;
};

void CommandHandler::ExecuteBatch(const Caller& caller, std::vector<domain::Command> commands,
                                  BatchDone done) {
  auto batch = std::make_shared<Batch>();
  {
    absl::MutexLock lock(&batch->mu);
    batch->outcomes.resize(commands.size(), absl::UnknownError("not answered"));
    batch->unanswered = commands.size();
  }
  batch->done = std::move(done);
  if (commands.empty()) return std::move(batch->done)({});
  // The states earlier commands of this batch will leave, by URN, and their appends, which go
  // to the log together.
  absl::flat_hash_map<std::string, StatePtr> decided;
  std::vector<storage::EventLog::AppendRequest> appends;
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::string urn = commands[i].context.urn();
    Done answer = [batch, i](absl::StatusOr<v1::CommandResult> outcome) {
      std::vector<absl::StatusOr<v1::CommandResult>> all;
      {
        absl::MutexLock lock(&batch->mu);
        batch->outcomes[i] = std::move(outcome);
        if (--batch->unanswered > 0) return;
        all.swap(batch->outcomes);
      }
      std::move(batch->done)(std::move(all));
    };
    std::shared_ptr<Attempt> attempt = Admit(caller, std::move(commands[i]), std::move(answer));
    if (attempt == nullptr) continue;
    auto known = decided.find(urn);
    Plan plan = Try(attempt, known == decided.end() ? nullptr : known->second);
    if (auto* append = std::get_if<storage::EventLog::AppendRequest>(&plan.action)) {
      appends.push_back(std::move(*append));
    } else {
      std::move(attempt->done)(std::get<absl::StatusOr<v1::CommandResult>>(std::move(plan.action)));
    }
    if (plan.leaves != nullptr) {
      decided[urn] = std::move(plan.leaves);
    } else {
      decided.erase(urn);  // the next command there decides against the repository's state
    }
  }
  log_->AppendAllAsync(std::move(appends));
}

CommandHandler::Plan CommandHandler::Try(const std::shared_ptr<Attempt>& attempt,
                                         StatePtr known) {
  const domain::Command& cmd = attempt->command;
  const std::string& urn = cmd.context.urn();
  // What earlier commands of the same batch leave, if any; else the cached state on a first
  // try and the log's after a conflict.
  const bool after_earlier_of_batch = known != nullptr;
  StatePtr state = std::move(known);
  // A command answered without an append leaves the state as it was.
  auto answer = [&state](absl::StatusOr<v1::CommandResult> outcome) -> Plan {
    return Plan{std::move(outcome), state};
  };

  uint64_t absent_mark = 0;  // the log need not look the request id up again (AppendRequest)
  if (domain::IsValidUrn(urn) && !cmd.context.request_id().empty()) {
    absl::StatusOr<std::optional<v1::CommandResult>> replay =
        Replay(cmd, attempt->hash, &absent_mark);
    if (!replay.ok()) return answer(replay.status());
    if (*replay) return answer(**std::move(replay));
  }

  auto load = [&](InstitutionRepository::Freshness freshness) -> absl::Status {
    if (!domain::IsValidUrn(urn)) {
      state = std::make_shared<domain::InstitutionState>();  // Decide reports the bad URN
      return absl::OkStatus();
    }
    absl::StatusOr<StatePtr> loaded = repository_->Load(urn, freshness);
    if (!loaded.ok()) return loaded.status();
    state = *std::move(loaded);
    return absl::OkStatus();
  };
  if (state == nullptr) {
    absl::Status loaded = load(attempt->tries == 0 ? InstitutionRepository::Freshness::kCached
                                                   : InstitutionRepository::Freshness::kFresh);
    if (!loaded.ok()) return answer(std::move(loaded));
  }
  // A correction is authorized and checked as the command that recorded the event it names; a
  // redaction is checked against the event it names.
  const std::string& named_event = cmd.payload.has_event_corrected()
                                       ? cmd.payload.event_corrected().corrected_event_id()
                                       : cmd.payload.event_redacted().redacted_event_id();
  if ((cmd.payload.has_event_corrected() || cmd.payload.has_event_redacted()) &&
      domain::IsValidUrn(urn)) {
    absl::StatusOr<std::vector<domain::StoredEvent>> stream = codec::ReadInstitution(*log_, urn);
    if (!stream.ok()) return answer(stream.status());
    attempt->command.corrected.reset();
    for (const domain::StoredEvent& e : *stream) {
      if (e.metadata.event_id() == named_event) attempt->command.corrected = e;
    }
    attempt->command.stream = *std::move(stream);
  }
  if (absl::Status in_reach = domain::AuthorizeCommandScope(*state, cmd); !in_reach.ok()) {
    return answer(std::move(in_reach));
  }
  const auto version_differs = [&] {
    return !state->has_version() || state->version() != cmd.context.expected_version();
  };
  if (cmd.context.has_expected_version() && version_differs()) {
    // The cache may trail a commit in progress: look at the log before refusing.
    if (absl::Status loaded = load(InstitutionRepository::Freshness::kFresh); !loaded.ok()) {
      return answer(std::move(loaded));
    }
    if (version_differs()) {
      return answer(
          VersionConflict(urn, cmd.context.expected_version(), domain::LastVersion(*state)));
    }
  }

  const absl::CivilDay today = today_();
  if (attempt->command.payload.has_letter_produced() && state->registered()) {
    v1::LetterProduced& letter = *attempt->command.payload.mutable_letter_produced();
    const absl::CivilDay dated = domain::ParseDate(cmd.context.effective_date()).value_or(today);
    if (absl::Status written = letter_writer_(*state, dated, letter); !written.ok()) {
      return answer(std::move(written));
    }
  }
  absl::StatusOr<std::vector<v1::EventPayload>> decided = domain::Decide(*state, cmd, today);
  if (!decided.ok()) return answer(decided.status());

  // The state the institution will have once the events commit (versions follow on from the
  // one decided against, which the append requires).
  auto after = std::make_shared<domain::InstitutionState>(*state);
  const uint64_t first_version = state->has_version() ? state->version() + 1 : 0;
  std::vector<storage::EventData> events;
  v1::CommandResult result;
  result.set_urn(urn);
  for (size_t i = 0; i < decided->size(); ++i) {
    v1::EventPayload& payload = (*decided)[i];
    v1::EventMetadata metadata = domain::StampEvent(
        cmd, payload, EventId(cmd.context.request_id(), i), attempt->hash, today);
    result.add_event_ids(metadata.event_id());
    storage::EventData data = codec::Encode(payload, metadata);
    if (payload.has_event_redacted()) data.erases = Erasures(*cmd.corrected, payload.event_redacted());
    domain::Evolve(*after, domain::StoredEvent{first_version + i, std::move(payload),
                                               std::move(metadata)});
    events.push_back(std::move(data));
  }
  result.set_state(after->state());
  if (cmd.context.validate_only()) {
    result.clear_event_ids();
    result.set_validated_only(true);
    return answer(std::move(result));  // decided, and not recorded
  }

  // Its state comes from folding the stream again (Evolve only notes these).
  const bool correction = cmd.payload.has_event_corrected() || cmd.payload.has_event_redacted();
  // Decided against `state`: append only if nothing was written since.
  const storage::ExpectedVersion expected = state->has_version()
                                                ? storage::ExpectedVersion::Exact(state->version())
                                                : storage::ExpectedVersion::NoStream();
  // The projection may take `after` as soon as it reads the events, before the answer: not
  // when it was decided against what an earlier command of the batch will leave, since the
  // exact version alone does not prove that command's events are the ones before these.
  const bool expect = !correction && !after_earlier_of_batch && !events.empty() &&
                      !cmd.context.request_id().empty();
  if (expect) repository_->Expect(cmd.context.request_id(), urn, events.back(), after);
  storage::EventLog::AppendRequest append{
      codec::StreamName(urn), expected, std::move(events), cmd.context.request_id(),
      OffCommitThread([this, attempt, after, correction, expect, decided_version = state->version(),
                       result = std::move(result)](
                          absl::StatusOr<storage::AppendResult> appended) mutable {
        const std::string& urn = attempt->command.context.urn();
        if (expect) repository_->Settle(attempt->command.context.request_id(), after.get());
        if (absl::IsAborted(appended.status()) &&
            !attempt->command.context.has_expected_version() && ++attempt->tries < kMaxAttempts) {
          Run(std::move(attempt));  // another command got in first: decide again
          return;
        }
        if (absl::IsAborted(appended.status())) {
          absl::StatusOr<std::optional<uint64_t>> current =
              storage::ConflictCurrentVersion(appended.status());
          return std::move(attempt->done)(VersionConflict(
              urn, decided_version, current.ok() ? *current : std::nullopt));
        }
        if (absl::IsAlreadyExists(appended.status())) {
          return std::move(attempt->done)(RequestReused(attempt->command.context.request_id()));
        }
        if (!appended.ok()) {
          repository_->Forget(urn);  // whether the events landed is not known
          return std::move(attempt->done)(appended.status());
        }
        if (correction) {
          repository_->Forget(urn);  // its state comes from folding the stream again
        } else if (!appended->replayed) {
          repository_->Remember(urn, after);
        }
        result.set_version(appended->last_version);
        result.set_global_position(appended->last_position);
        result.set_replayed(appended->replayed);
        const std::optional<uint64_t> purge =
            attempt->command.payload.has_event_redacted() && attempt->command.corrected
                ? std::optional<uint64_t>(attempt->command.corrected->position)
                : std::nullopt;
        std::move(attempt->done)(std::move(result));
        // Off the commit thread, after the answer: the erased bytes leave the disk too.
        if (purge) {
          if (absl::Status purged = log_->PurgeErased({*purge}); !purged.ok() && warn_) {
            warn_(absl::StrCat("redaction at position ", *purge, ": ", purged.message()));
          }
        }
      })};
  append.absent_mark = absent_mark;
  // Evolve only notes a correction; the state it leaves comes from folding the stream again.
  return Plan{std::move(append), correction ? nullptr : after};
}

}  // namespace scc::server
