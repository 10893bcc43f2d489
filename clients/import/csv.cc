#include "clients/import/csv.h"

#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace scc::import {
namespace {

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= s.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Windows-1252 bytes 0x80-0x9F; the rest map to the same code points as Latin-1.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

}  // namespace

std::string ToUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (unsigned char c : text) {
    AppendUtf8(&out, c >= 0x80 && c < 0xA0 ? kCp1252High[c - 0x80] : c);
  }
  return out;
}

int ColumnIndex(const std::vector<std::string>& header, absl::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(header[i]), name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int CsvReader::Get() {
  const int c = Peek();
  if (c >= 0) ++at_;
  return c;
}

int CsvReader::Peek() {
  if (at_ == buffer_.size()) {
    constexpr size_t kChunk = 1 << 16;
    buffer_.resize(kChunk);
    in_.read(buffer_.data(), kChunk);
    buffer_.resize(static_cast<size_t>(in_.gcount()));
    at_ = 0;
    if (buffer_.empty()) return -1;
  }
  return static_cast<unsigned char>(buffer_[at_]);
}

bool CsvReader::Next(CsvRow* row) {
  if (!status_.ok()) return false;
  if (!started_) {
    started_ = true;
    if (Peek() >= 0 && absl::StartsWith(absl::string_view(buffer_).substr(at_), "\xEF\xBB\xBF")) {
      at_ += 3;
    }
  }
  row->fields.clear();
  std::string field;
  bool quoted = false;
  bool any = false;  // the current row has content
  int row_line = line_;
  auto end_field = [&]() {
    row->fields.push_back(ToUtf8(field));
    field.clear();
  };
  for (int c = Get();; c = Get()) {
    if (c < 0) {
      if (quoted) {
        status_ = absl::InvalidArgumentError(
            absl::StrCat("line ", row_line, ": a quoted field is not closed"));
        return false;
      }
      if (!any && field.empty()) return false;
      end_field();
      row->line = row_line;
      return true;
    }
    if (quoted) {
      if (c == '"' && Peek() == '"') {
        field.push_back('"');
        Get();
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      end_field();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && Peek() == '\n') Get();
      ++line_;
      if (any || !field.empty()) {
        end_field();
        row->line = row_line;
        return true;
      }
      row_line = line_;  // a blank line
    } else {
      field.push_back(static_cast<char>(c));
      any = true;
    }
  }
}

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in);
  CsvTable table;
  CsvRow row;
  if (reader.Next(&row)) table.header = std::move(row.fields);
  while (reader.Next(&row)) table.rows.push_back(std::move(row));
  if (!reader.status().ok()) return reader.status();
  if (table.header.empty()) return absl::InvalidArgumentError("the file is empty");
  return table;
}

}  // namespace scc::import
