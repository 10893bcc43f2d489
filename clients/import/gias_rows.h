// Plans the import of a GIAS establishment export (the national `edubasealldata` file as
// downloaded, or one authority's extract): reads it row by row, keeps the rows of the chosen
// local authorities, maps each establishment type by its GIAS code, and turns every open
// maintained school, academy and free school into the details the server should hold. Types
// outside SCC are skipped with their reason and counted per type, never reported as errors;
// rows that are wrong are errors with their line. docs/import.md lists the columns and the
// reasons. Pure (reads only the given stream); thread-safe.
#ifndef SCC_CLIENTS_IMPORT_GIAS_ROWS_H_
#define SCC_CLIENTS_IMPORT_GIAS_ROWS_H_

#include <istream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/import/csv.h"
#include "clients/import/rows.h"
#include "scc/v1/events.pb.h"

namespace scc::import {

// One establishment of the authority that is in SCC's scope.
struct GiasEstablishment {
  int line = 0;
  std::string urn;
  std::string opened_on;  // the registration's effective date (YYYY-MM-DD)
  // GIAS says closed: nothing is recorded; a registered one is reported for its closure.
  bool closed = false;
  std::string closed_on;  // CloseDate, when closed and given
  v1::InstitutionDetails details;
};

// Establishments of one type skipped because SCC does not cover it.
struct SkippedType {
  std::string reason;  // why the type is outside SCC, in words
  int count = 0;
};

struct GiasPlan {
  int rows = 0;                 // data rows in the file
  int other_authorities = 0;    // rows of authorities not asked for
  std::vector<GiasEstablishment> establishments;
  std::map<std::string, SkippedType> skipped_types;  // by TypeOfEstablishment (name)
  std::vector<RowProblem> skipped;  // the authority's rows outside SCC, with reason and line
  std::vector<RowProblem> errors;
  // Without a filter: the authorities seen, code -> name (an import of several is refused).
  std::map<std::string, std::string> authorities;
};

// Which rows to keep: local authorities by `LA (code)` ("302") or `LA (name)` ("Barnet"), any
// case; empty keeps every row.
struct GiasFilter {
  std::vector<std::string> local_authorities;
};

// Required columns: URN, EstablishmentName, TypeOfEstablishment (code) or (name),
// PhaseOfEducation (name); the others of docs/import.md are used when present (a row without
// EstablishmentStatus (name) is open). A file without them is refused (nothing is read further), as is a filter on a
// file with neither LA column.
absl::StatusOr<GiasPlan> PlanInstitutions(CsvReader& reader, const GiasFilter& filter,
                                          absl::CivilDay today);

// The registration of a planned establishment, its request id derived from its content.
RowCommand Registration(const GiasEstablishment& establishment);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_GIAS_ROWS_H_
