// CSV as exported by GIAS and Ofsted: RFC 4180 quoting, CRLF or LF, an optional UTF-8 byte
// order mark, and Windows-1252 text (GIAS) converted to UTF-8. Pure functions; thread-safe.
#ifndef SCC_CLIENTS_IMPORT_CSV_H_
#define SCC_CLIENTS_IMPORT_CSV_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scc::import {

struct CsvRow {
  int line = 0;  // 1-based line where the row starts in the file
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRow> rows;

  // The index of a column by its header name; -1 when absent.
  int Column(absl::string_view name) const;
};

// Parses a whole file. Errors (an unterminated quote) name the line.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text);

// Text that is not valid UTF-8 is taken as Windows-1252 and converted.
std::string ToUtf8(absl::string_view text);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_CSV_H_
