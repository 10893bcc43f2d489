// Turns rows of an Ofsted management-information file into commands for the server, one per
// row, each with a request_id derived from the row's content so that importing the same file
// twice records nothing new, and the helpers every import shares (gias_rows.h plans the GIAS
// establishment export). Rows that cannot be imported are reported with their line number and
// the reason. Pure functions; thread-safe.
#ifndef SCC_CLIENTS_IMPORT_ROWS_H_
#define SCC_CLIENTS_IMPORT_ROWS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/import/csv.h"
#include "scc/v1/events.pb.h"

namespace scc::import {

struct RowCommand {
  int line = 0;
  std::string urn;
  std::string effective_date;  // YYYY-MM-DD
  std::string request_id;
  v1::EventPayload payload;
};

struct RowProblem {
  int line = 0;
  std::string reason;
};

struct ImportPlan {
  std::vector<RowCommand> commands;
  std::vector<RowProblem> errors;   // rows that are wrong
  std::vector<RowProblem> skipped;  // rows deliberately not imported (closed, not graded)
};

// Ofsted MI: URN and Inspection start date are required; report-card area columns
// ("Inclusion", ..., "Safeguarding standards") or "Latest OEIF overall effectiveness"
// (1-4 or words), with "Category of concern" / "Latest OEIF category of concern" and
// "Publication date" when present.
absl::StatusOr<ImportPlan> PlanOfsted(const CsvTable& table, absl::CivilDay today);

// "31/01/2025", "31-01-2025" or "2025-01-31" -> "2025-01-31"; empty when not a date.
std::string NormaliseDate(absl::string_view text);

// Trimmed and lower case, for comparing the words of a file.
std::string Lower(absl::string_view s);

// A short fingerprint of a command's meaning for its request_id (FNV-1a: the same in every
// build, so a re-import finds its earlier request ids).
std::string Fingerprint(const v1::EventPayload& payload);

// A DfE URN (6 or 7 digits) or an Ofsted early-years URN ("EY" and 6 digits).
bool ValidUrn(const std::string& urn);

// OK when the header has every one of `names`; otherwise an error naming the missing ones.
absl::Status RequireColumns(const std::vector<std::string>& header,
                            std::initializer_list<absl::string_view> names);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_ROWS_H_
