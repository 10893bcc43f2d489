#include "clients/import/importer.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"

namespace scc::import {
namespace {

constexpr size_t kRowsPerCall = 500;  // commands per SubmitCommands call

v1::BulkCommand Command(const RowCommand& row) {
  v1::BulkCommand command;
  command.mutable_context()->set_urn(row.urn);
  command.mutable_context()->set_request_id(row.request_id);
  command.mutable_context()->set_effective_date(row.effective_date);
  command.mutable_context()->set_reason("import");
  *command.mutable_payload() = row.payload;
  return command;
}

// Sends `commands` kRowsPerCall at a time; `done(i, outcome)` for each, with the call's error
// as the outcome's when the whole call failed.
void SubmitAll(const client::SccClient& client, const std::vector<v1::BulkCommand>& commands,
               const std::function<void(size_t, const v1::CommandOutcome&)>& done,
               const Progress& progress) {
  for (size_t first = 0; first < commands.size(); first += kRowsPerCall) {
    const size_t end = std::min(commands.size(), first + kRowsPerCall);
    v1::SubmitCommandsRequest request;
    for (size_t i = first; i < end; ++i) *request.add_commands() = commands[i];
    v1::SubmitCommandsResponse response;
    const grpc::Status status = client.SubmitCommands(request, &response);
    for (size_t i = first; i < end; ++i) {
      if (status.ok()) {
        done(i, response.outcomes(static_cast<int>(i - first)));
      } else {
        v1::CommandOutcome failed;
        failed.mutable_error()->set_code(status.error_code());
        failed.mutable_error()->set_message(status.error_message());
        done(i, failed);
      }
    }
    if (progress) progress(end, commands.size());
  }
}

void SortByLine(std::vector<RowProblem>& problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
}

// The fields of InstitutionDetails that GIAS holds, and the word the summary uses for each.
struct FromGias {
  const char* field;
  const char* label;
};
constexpr FromGias kFromGias[] = {
    {"name", "name"},
    {"establishment_type", "type"},
    {"gias_type_code", "type"},
    {"phase", "phase"},
    {"trust_name", "trust"},
    {"local_authority", "local authority"},
    {"la_code", "local authority"},
    {"postcode", "postcode"},
    {"headteacher_name", "head"},
    {"religious_character", "religious character"},
    {"diocese", "diocese"},
    {"number_of_pupils", "pupils"},
    {"statutory_low_age", "ages"},
    {"statutory_high_age", "ages"},
    {"ukprn", "UKPRN"},
    {"gias_status", "status"},
};

// The server's details with GIAS's fields from `gias`; `changed` gets the labels that differ.
v1::InstitutionDetails Merge(const v1::InstitutionDetails& current,
                             const v1::InstitutionDetails& gias, std::set<std::string>* changed) {
  namespace pb = google::protobuf;
  const pb::Descriptor* descriptor = v1::InstitutionDetails::descriptor();
  std::vector<const pb::FieldDescriptor*> fields;
  pb::util::MessageDifferencer differencer;
  for (const FromGias& f : kFromGias) {
    const pb::FieldDescriptor* field = descriptor->FindFieldByName(f.field);
    fields.push_back(field);
    if (!differencer.CompareWithFields(current, gias, {field}, {field})) {
      changed->insert(f.label);
    }
  }
  v1::InstitutionDetails merged = current;
  v1::InstitutionDetails incoming = gias;
  v1::InstitutionDetails::GetReflection()->SwapFields(&merged, &incoming, fields);
  return merged;
}

v1::BulkCommand Update(const std::string& urn, const v1::InstitutionDetails& details) {
  RowCommand row;
  row.urn = urn;
  *row.payload.mutable_institution_updated()->mutable_details() = details;
  row.request_id = absl::StrCat("import/gias/", urn, "/update/", Fingerprint(row.payload));
  return Command(row);  // effective today
}

// Calls `each` once with every institution among `urns` that the server holds and `request`
// matches, asking for a thousand URNs at a time rather than paging through every institution.
absl::Status ForEachOf(const client::SccClient& client, std::vector<std::string> urns,
                       v1::ListInstitutionsRequest request,
                       const std::function<void(v1::InstitutionStatus&)>& each) {
  constexpr size_t kUrnsPerCall = 1000;  // ListInstitutionsRequest.urns allows this many
  std::sort(urns.begin(), urns.end());
  urns.erase(std::unique(urns.begin(), urns.end()), urns.end());
  request.set_page_size(500);
  for (size_t from = 0; from < urns.size(); from += kUrnsPerCall) {
    request.clear_urns();
    for (size_t i = from; i < urns.size() && i < from + kUrnsPerCall; ++i) request.add_urns(urns[i]);
    if (absl::Status s = ForEachInstitution(client, request, each); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// What the server holds of the plan's schools and academies.
absl::StatusOr<std::map<std::string, v1::InstitutionDetails>> Registered(
    const client::SccClient& client, const GiasPlan& plan) {
  std::vector<std::string> urns;
  for (const GiasEstablishment& e : plan.establishments) urns.push_back(e.urn);
  v1::ListInstitutionsRequest request;
  request.add_kinds(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  request.add_kinds(v1::INSTITUTION_KIND_ACADEMY);
  std::map<std::string, v1::InstitutionDetails> registered;
  if (absl::Status s = ForEachOf(client, std::move(urns), request, [&](v1::InstitutionStatus& i) {
        registered[i.urn()] = std::move(*i.mutable_details());
      });
      !s.ok()) {
    return s;
  }
  return registered;
}

// A command of the import and what it would change.
struct Pending {
  const GiasEstablishment* establishment;
  bool registration;
  std::set<std::string> changed;
};

}  // namespace

absl::Status ForEachInstitution(const client::SccClient& client,
                                v1::ListInstitutionsRequest request,
                                const std::function<void(v1::InstitutionStatus&)>& each) {
  do {
    v1::ListInstitutionsResponse response;
    auto context = client.NewContext();
    const grpc::Status status =
        client.projections().ListInstitutions(context.get(), request, &response);
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat("listing the institutions the server holds: ",
                                                 status.error_message()));
    }
    for (v1::InstitutionStatus& i : *response.mutable_institutions()) each(i);
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

absl::Status SkipUnregistered(const client::SccClient& client, ImportPlan* plan) {
  absl::flat_hash_set<std::string> held;
  std::vector<std::string> urns;
  for (const RowCommand& row : plan->commands) urns.push_back(row.urn);
  const absl::Status listed = ForEachOf(client, std::move(urns), {}, [&](v1::InstitutionStatus& i) {
    held.insert(i.urn());
  });
  if (!listed.ok()) return listed;
  std::vector<RowCommand> kept;
  for (RowCommand& row : plan->commands) {
    if (held.contains(row.urn)) {
      kept.push_back(std::move(row));
    } else {
      plan->skipped.push_back(
          {row.line,
           absl::StrCat("institution ", row.urn, " is not registered here (another "
                        "authority's, or not yet imported from GIAS)"),
           kNotRegisteredHere});
    }
  }
  plan->commands = std::move(kept);
  return absl::OkStatus();
}

ImportReport RunImport(const client::SccClient& client, const ImportPlan& plan,
                       const Progress& progress) {
  ImportReport report;
  report.errors = plan.errors;
  report.skipped = plan.skipped;
  std::vector<v1::BulkCommand> commands;
  for (const RowCommand& row : plan.commands) commands.push_back(Command(row));
  SubmitAll(
      client, commands,
      [&](size_t i, const v1::CommandOutcome& o) {
        if (o.has_error()) {
          report.errors.push_back({plan.commands[i].line, o.error().message()});
        } else if (o.result().replayed()) {
          ++report.already_recorded;
        } else {
          ++report.recorded;
        }
      },
      progress);
  SortByLine(report.errors);
  return report;
}

absl::StatusOr<InstitutionImportReport> RunInstitutionImport(const client::SccClient& client,
                                                             const GiasPlan& plan,
                                                             const Progress& progress) {
  absl::StatusOr<std::map<std::string, v1::InstitutionDetails>> registered =
      Registered(client, plan);
  if (!registered.ok()) return registered.status();
  InstitutionImportReport report;
  report.errors = plan.errors;
  std::vector<Pending> pending;
  std::vector<v1::BulkCommand> commands;
  auto compare = [&](const GiasEstablishment& e, const v1::InstitutionDetails& current) {
    std::set<std::string> changed;
    const v1::InstitutionDetails merged = Merge(current, e.details, &changed);
    if (changed.empty()) {
      ++report.unchanged;
      return;
    }
    pending.push_back({&e, false, std::move(changed)});
    commands.push_back(Update(e.urn, merged));
  };
  for (const GiasEstablishment& e : plan.establishments) {
    const auto known = registered->find(e.urn);
    if (e.closed) {
      const std::string closed = e.closed_on.empty() ? "" : absl::StrCat(" on ", e.closed_on);
      if (known == registered->end()) {
        report.closed.push_back({e.line, absl::StrCat(e.urn, " ", e.details.name(), " is closed", closed)});
      } else {
        report.closed_in_gias.push_back(
            {e.line, absl::StrCat(e.urn, " ", known->second.name(), " closed in GIAS", closed,
                                  ": record the closure")});
      }
    } else if (known == registered->end()) {
      pending.push_back({&e, true, {}});
      commands.push_back(Command(Registration(e)));
    } else {
      compare(e, known->second);
    }
  }
  // Registrations the list did not show yet (it follows the log) are compared with the
  // server's record instead.
  std::vector<const GiasEstablishment*> registered_meanwhile;
  auto record = [&](const Pending& p, const v1::CommandOutcome& o) {
    if (p.registration && o.error().code() == grpc::StatusCode::ALREADY_EXISTS) {
      registered_meanwhile.push_back(p.establishment);
    } else if (o.has_error()) {
      report.errors.push_back({p.establishment->line, o.error().message()});
    } else if (o.result().replayed()) {
      ++report.unchanged;
    } else if (p.registration) {
      ++report.registered;
    } else {
      ++report.updated;
      for (const std::string& label : p.changed) ++report.changes[label];
    }
  };
  const std::vector<Pending> first = std::move(pending);
  pending.clear();
  SubmitAll(
      client, commands, [&](size_t i, const v1::CommandOutcome& o) { record(first[i], o); },
      progress);
  commands.clear();
  for (const GiasEstablishment* e : registered_meanwhile) {
    v1::GetInstitutionRequest request;
    request.set_urn(e->urn);
    v1::InstitutionStatus current;
    auto context = client.NewContext();
    if (const grpc::Status s = client.projections().GetInstitution(context.get(), request, &current);
        !s.ok()) {
      report.errors.push_back({e->line, s.error_message()});
      continue;
    }
    compare(*e, current.details());
  }
  registered_meanwhile.clear();
  SubmitAll(
      client, commands, [&](size_t i, const v1::CommandOutcome& o) { record(pending[i], o); },
      nullptr);
  SortByLine(report.errors);
  return report;
}

}  // namespace scc::import
