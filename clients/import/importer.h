// Importer: sends an ImportPlan to the server through the public API, 500 rows per
// BulkService.SubmitCommands call (each row still its own command: checked, idempotent,
// durable), reporting progress, what was new, what was already recorded, and which rows failed
// and why.
// Not thread-safe (one import at a time per Importer).
#ifndef SCC_CLIENTS_IMPORT_IMPORTER_H_
#define SCC_CLIENTS_IMPORT_IMPORTER_H_

#include <functional>
#include <string>
#include <vector>

#include "clients/cpp/scc_client.h"
#include "clients/import/rows.h"

namespace scc::import {

struct ImportReport {
  int recorded = 0;          // new events written, of which:
  int registered = 0;        //   institutions registered
  int updated = 0;           //   institutions' details updated
  int already_recorded = 0;  // rows the server already had (earlier imports)
  std::vector<RowProblem> errors;
  std::vector<RowProblem> skipped;
};

// Runs the plan. A registration for an institution that already exists becomes an update of
// its details (recorded once). `progress(done, total)` is called after each call.
ImportReport RunImport(const client::SccClient& client, const ImportPlan& plan,
                       const std::function<void(size_t, size_t)>& progress);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_IMPORTER_H_
