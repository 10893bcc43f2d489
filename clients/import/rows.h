// What every import shares: the command a row becomes (with a request_id derived from the row's
// content, so that importing the same file twice records nothing new), the rows that cannot be
// imported (with their line number and the reason) and the helpers the planners use —
// gias_rows.h plans the GIAS establishment export, ofsted_rows.h Ofsted's management
// information. Pure functions; thread-safe.
#ifndef SCC_CLIENTS_IMPORT_ROWS_H_
#define SCC_CLIENTS_IMPORT_ROWS_H_

#include <initializer_list>
#include <optional>
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
  std::string kind = {};  // skipped rows: the reason in a few words, for the summary ("closed")
};

struct ImportPlan {
  std::vector<RowCommand> commands;
  std::vector<RowProblem> errors;   // rows that are wrong
  std::vector<RowProblem> skipped;  // rows deliberately not imported (closed, not graded)
};

// "31/01/2025", "31-01-2025" or "2025-01-31" -> "2025-01-31"; empty when not a date.
std::string NormaliseDate(absl::string_view text);

// Helpers shared by the planners of each file.

// Trimmed and lower case.
std::string Lower(absl::string_view s);

// A short fingerprint of a row's meaning for its request_id (FNV-1a: the same in every build,
// so a re-import finds its earlier request ids).
std::string Fingerprint(const v1::EventPayload& payload);

// A DfE URN (6-7 digits) or an early-years provider's Ofsted URN ("EY" + 6 digits).
bool ValidUrn(const std::string& urn);

// INVALID_ARGUMENT naming the columns of `names` the file lacks.
absl::Status RequireColumns(const std::vector<std::string>& header,
                            std::initializer_list<absl::string_view> names);

// Reads named cells of one row (names compare without case).
class Row {
 public:
  Row(const CsvTable& table, const CsvRow& row) : table_(table), row_(row) {}
  bool Has(absl::string_view column) const { return table_.Column(column) >= 0; }
  // The trimmed cell; "" when the column is absent.
  std::string Get(absl::string_view column) const;
  // An optional date column: "" when empty, ISO when a date, nullopt when not a date.
  std::optional<std::string> OptionalDate(absl::string_view column) const;
  // The first non-empty cell of `columns`.
  std::string First(std::initializer_list<absl::string_view> columns) const;

 private:
  const CsvTable& table_;
  const CsvRow& row_;
};

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_ROWS_H_
