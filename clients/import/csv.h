// CSV as exported by GIAS and Ofsted: RFC 4180 quoting, CRLF, LF or a lone CR, an optional
// UTF-8 byte order mark, and Windows-1252 text (GIAS) converted to UTF-8. CsvReader reads a
// file row by row, holding one row at a time (a national GIAS export is ~400 MB); ParseCsv
// reads a whole text. Not thread-safe per reader; the free functions are pure.
#ifndef SCC_CLIENTS_IMPORT_CSV_H_
#define SCC_CLIENTS_IMPORT_CSV_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scc::import {

struct CsvRow {
  int line = 0;  // 1-based line where the row starts in the file
  std::vector<std::string> fields;
};

// The index of a column by its header name (case and surrounding spaces ignored); -1 when
// absent.
int ColumnIndex(const std::vector<std::string>& header, absl::string_view name);

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRow> rows;

  int Column(absl::string_view name) const { return ColumnIndex(header, name); }
};

// Rows of a CSV stream, each field converted to UTF-8 (a field that is not valid UTF-8 is taken
// as Windows-1252). Blank lines are skipped.
class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The next row; false at the end of the input or at an error (then status() names the line).
  bool Next(CsvRow* row);
  const absl::Status& status() const { return status_; }

 private:
  int Get();   // the next byte, or -1 at the end
  int Peek();  // the next byte without taking it, or -1

  std::istream& in_;
  std::string buffer_;
  size_t at_ = 0;
  bool started_ = false;  // the byte order mark has been looked for
  int line_ = 1;
  absl::Status status_;
};

// Parses a whole file: the first row is the header. Errors (an unterminated quote) name the line.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text);

// Text that is not valid UTF-8 is taken as Windows-1252 and converted.
std::string ToUtf8(absl::string_view text);

}  // namespace scc::import

#endif  // SCC_CLIENTS_IMPORT_CSV_H_
