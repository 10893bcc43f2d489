#include "clients/import/rows.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace scc::import {
std::string Lower(absl::string_view s) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(s));
}

std::string Fingerprint(const v1::EventPayload& payload) {
  std::string bytes;
  payload.SerializeToString(&bytes);
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return absl::StrFormat("%016x", h);
}

bool ValidUrn(const std::string& urn) {
  if (urn.size() == 8 && absl::StartsWith(urn, "EY")) {
    return std::all_of(urn.begin() + 2, urn.end(), [](char c) { return absl::ascii_isdigit(c); });
  }
  return (urn.size() == 6 || urn.size() == 7) &&
         std::all_of(urn.begin(), urn.end(), [](char c) { return absl::ascii_isdigit(c); });
}

std::string Row::Get(absl::string_view column) const {
  const int i = table_.Column(column);
  if (i < 0 || i >= static_cast<int>(row_.fields.size())) return "";
  return std::string(absl::StripAsciiWhitespace(row_.fields[i]));
}

std::optional<std::string> Row::OptionalDate(absl::string_view column) const {
  const std::string text = Get(column);
  if (text.empty()) return std::string();
  std::string date = NormaliseDate(text);
  if (date.empty()) return std::nullopt;
  return date;
}

std::string Row::First(std::initializer_list<absl::string_view> columns) const {
  for (absl::string_view c : columns) {
    std::string v = Get(c);
    if (!v.empty()) return v;
  }
  return "";
}

absl::Status RequireColumns(const std::vector<std::string>& header,
                            std::initializer_list<absl::string_view> names) {
  std::vector<std::string> missing;
  for (absl::string_view n : names) {
    if (ColumnIndex(header, n) < 0) missing.emplace_back(n);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("line 1: missing column(s) ", absl::StrJoin(missing, ", ")));
}

std::string NormaliseDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  int d = 0, m = 0, y = 0;
  if (text.size() == 10 && text[4] == '-' && absl::SimpleAtoi(text.substr(0, 4), &y) &&
      absl::SimpleAtoi(text.substr(5, 2), &m) && absl::SimpleAtoi(text.substr(8, 2), &d)) {
  } else if (text.size() == 10 && (text[2] == '/' || text[2] == '-') && text[5] == text[2] &&
             absl::SimpleAtoi(text.substr(0, 2), &d) && absl::SimpleAtoi(text.substr(3, 2), &m) &&
             absl::SimpleAtoi(text.substr(6, 4), &y)) {
  } else {
    return "";
  }
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900) return "";
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

}  // namespace scc::import
