#include "clients/import/importer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

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

// A registration of an institution the server knows already becomes an update of its details
// (once: the request id says so).
v1::BulkCommand UpdateInstead(const RowCommand& row) {
  v1::BulkCommand command;
  command.mutable_context()->set_urn(row.urn);
  command.mutable_context()->set_request_id(absl::StrCat(row.request_id, "/update"));
  command.mutable_context()->set_reason("import");
  *command.mutable_payload()->mutable_institution_updated()->mutable_details() =
      row.payload.institution_registered().details();
  return command;
}

}  // namespace

ImportReport RunImport(const client::SccClient& client, const ImportPlan& plan,
                       const std::function<void(size_t, size_t)>& progress) {
  ImportReport report;
  report.errors = plan.errors;
  report.skipped = plan.skipped;
  const std::vector<RowCommand>& rows = plan.commands;
  auto outcome = [&report](const RowCommand& row, const v1::CommandOutcome& o) {
    if (o.has_error()) {
      report.errors.push_back({row.line, o.error().message(), ""});
    } else if (o.result().replayed()) {
      ++report.already_recorded;
    } else {
      ++report.recorded;
      if (row.payload.has_institution_registered()) ++report.registered;
    }
  };
  for (size_t first = 0; first < rows.size(); first += kRowsPerCall) {
    const size_t end = std::min(rows.size(), first + kRowsPerCall);
    v1::SubmitCommandsRequest request, updates;
    for (size_t i = first; i < end; ++i) *request.add_commands() = Command(rows[i]);
    v1::SubmitCommandsResponse response;
    if (const grpc::Status status = client.SubmitCommands(request, &response); !status.ok()) {
      for (size_t i = first; i < end; ++i) report.errors.push_back({rows[i].line, status.error_message(), ""});
      if (progress) progress(end, rows.size());
      continue;
    }
    std::vector<size_t> updated_rows;
    for (size_t i = first; i < end; ++i) {
      const v1::CommandOutcome& o = response.outcomes(static_cast<int>(i - first));
      if (o.error().code() == grpc::StatusCode::ALREADY_EXISTS &&
          rows[i].payload.has_institution_registered()) {
        *updates.add_commands() = UpdateInstead(rows[i]);
        updated_rows.push_back(i);
      } else {
        outcome(rows[i], o);
      }
    }
    if (!updated_rows.empty()) {
      v1::SubmitCommandsResponse updated;
      const grpc::Status status = client.SubmitCommands(updates, &updated);
      for (size_t k = 0; k < updated_rows.size(); ++k) {
        const RowCommand& row = rows[updated_rows[k]];
        if (!status.ok()) {
          report.errors.push_back({row.line, status.error_message(), ""});
        } else {
          const v1::CommandOutcome& o = updated.outcomes(static_cast<int>(k));
          outcome(row, o);
          // Counted as an update, not a registration.
          if (!o.has_error() && !o.result().replayed()) {
            --report.registered;
            ++report.updated;
          }
        }
      }
    }
    if (progress) progress(end, rows.size());
  }
  std::sort(report.errors.begin(), report.errors.end(),
            [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
  return report;
}

}  // namespace scc::import
