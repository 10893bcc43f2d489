// Importer: sends imports to the server through the public API, 500 commands per
// BulkService.SubmitCommands call (each still its own command: checked, idempotent, durable),
// reporting progress, what was new, what was already recorded, and which rows failed and why.
// Not thread-safe (one import at a time per caller).
#ifndef SCC_CLIENTS_IMPORT_IMPORTER_H_
#define SCC_CLIENTS_IMPORT_IMPORTER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cpp/scc_client.h"
#include "clients/import/gias_rows.h"
#include "clients/import/rows.h"

namespace scc::import {

// `progress(done, total)` is called after each call to the server.
using Progress = std::function<void(size_t, size_t)>;

struct ImportReport {
  int recorded = 0;          // new events written
  int already_recorded = 0;  // rows the server already had (earlier imports)
  std::vector<RowProblem> errors;
  std::vector<RowProblem> skipped;
};

// Runs the plan: one command per row.
// Calls `each` with every institution ListInstitutions answers for `request`, page by page;
// kUnavailable naming the server's answer when a page fails.
absl::Status ForEachInstitution(const client::SccClient& client,
                                v1::ListInstitutionsRequest request,
                                const std::function<void(v1::InstitutionStatus&)>& each);

ImportReport RunImport(const client::SccClient& client, const ImportPlan& plan,
                       const Progress& progress);

// Moves the plan's commands about institutions the server does not hold into plan->skipped
// ("not registered here"): Ofsted publishes one national file, and the other authorities' rows
// are not errors. What the server holds is read once, a page of 500 at a time; kUnavailable when
// that read fails.
absl::Status SkipUnregistered(const client::SccClient& client, ImportPlan* plan);
// The kind of the rows SkipUnregistered skips, counted in the summary rather than listed.
inline constexpr char kNotRegisteredHere[] = "not registered here";

struct InstitutionImportReport {
  int registered = 0;
  int updated = 0;
  int unchanged = 0;                  // the server holds them as GIAS has them
  std::map<std::string, int> changes;  // what the updates changed ("name", "head", ...): how many
  std::vector<RowProblem> closed;      // closed in GIAS and not registered: skipped
  std::vector<RowProblem> closed_in_gias;  // registered, closed in GIAS: the closure to record
  std::vector<RowProblem> errors;
};

// Brings the server's institutions in line with the planned establishments: registers those it
// does not know, updates the details of those it knows where GIAS says something new (keeping
// what GIAS does not hold: kind, Learning Network Inspector, chair of governors), records
// nothing for the others. What the server knows is read once, a page of 500 at a time. An error
// only when that read fails.
absl::StatusOr<InstitutionImportReport> RunInstitutionImport(const client::SccClient& client,
                                                             const GiasPlan& plan,
                                                             const Progress& progress);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_IMPORTER_H_
