// libFuzzer target: the CSV import parser (clients/import/csv.h) on arbitrary bytes. It must
// never crash, hang or read out of bounds, and what it accepts must be consistent: every row
// starts on a line inside the file, and ToUtf8 always yields valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "clients/import/csv.h"

namespace {

bool IsUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string text = scc::import::ToUtf8(input);
  if (!IsUtf8(text)) std::abort();
  absl::StatusOr<scc::import::CsvTable> table = scc::import::ParseCsv(text);
  if (!table.ok()) return 0;
  // Lines end with LF, CRLF or a lone CR, as the parser reads them.
  size_t lines = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) {
      ++lines;
    }
  }
  for (const scc::import::CsvRow& row : table->rows) {
    if (row.line < 1 || static_cast<size_t>(row.line) > lines) std::abort();
    for (size_t c = 0; c < table->header.size(); ++c) {
      (void)table->Column(table->header[c]);
    }
  }
  return 0;
}
