#include "clients/import/importer.h"

#include "absl/strings/str_cat.h"

namespace scc::import {

ImportReport RunImport(const client::SccClient& client, const ImportPlan& plan,
                       const std::function<void(size_t, size_t)>& progress) {
  ImportReport report;
  report.errors = plan.errors;
  report.skipped = plan.skipped;
  size_t done = 0;
  for (const RowCommand& row : plan.commands) {
    v1::CommandContext context;
    context.set_urn(row.urn);
    context.set_request_id(row.request_id);
    context.set_effective_date(row.effective_date);
    context.set_reason("import");
    v1::CommandResult result;
    grpc::Status status = client.Send(context, row.payload, &result);
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS &&
        row.payload.has_institution_registered()) {
      // Known already: bring its details up to date instead (once: the request id says so).
      v1::EventPayload update;
      *update.mutable_institution_updated()->mutable_details() =
          row.payload.institution_registered().details();
      context.set_request_id(absl::StrCat(row.request_id, "/update"));
      context.clear_effective_date();
      status = client.Send(context, update, &result);
    }
    if (!status.ok()) {
      report.errors.push_back({row.line, status.error_message()});
    } else if (result.replayed()) {
      ++report.already_recorded;
    } else {
      ++report.recorded;
    }
    if (progress) progress(++done, plan.commands.size());
  }
  std::sort(report.errors.begin(), report.errors.end(),
            [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
  return report;
}

}  // namespace scc::import
