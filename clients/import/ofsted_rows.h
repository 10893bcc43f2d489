// Turns the rows of Ofsted's management information into RecordOfstedOutcome commands: the
// state-funded schools MI in each framework's shape (graded; the 2024/25 rows with key
// judgements and no overall grade; report cards with their areas and dates of grade) and the
// early-years provider MI (graded, report cards, childminders' met / not met). A row may list
// more than one inspection (the latest, the previous one, the latest under the previous
// framework): each becomes its own command. Each request_id is derived from the inspection's
// content, so importing the same file twice records nothing and a changed row records only
// the change. docs/ofsted.md lists the columns and the skip reasons. Pure; thread-safe.
#ifndef SCC_CLIENTS_IMPORT_OFSTED_ROWS_H_
#define SCC_CLIENTS_IMPORT_OFSTED_ROWS_H_

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/import/csv.h"
#include "clients/import/rows.h"

namespace scc::import {

// A URN column ("URN" or "Provider URN") and an inspection date column ("Inspection start
// date" or "Inspection date") are required; everything else is read when present.
absl::StatusOr<ImportPlan> PlanOfsted(const CsvTable& table, absl::CivilDay today);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_OFSTED_ROWS_H_
