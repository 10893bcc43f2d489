#include "services/reports/icalendar.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/status_macros.h"

namespace scc::reports {
namespace {

constexpr size_t kFoldAt = 75;  // octets on a physical line, not counting the CRLF
constexpr size_t kMaxComponentDepth = 32;
constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";  // U+FFFD

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 sequence starting at s[i], or 0 if there is none.
size_t Utf8Length(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    if (!IsContinuationByte(s[i + k])) return 0;
  }
  const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
  if (c == 0xED && c1 > 0x9F) return 0;  // a UTF-16 surrogate
  if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
  if (c == 0xF4 && c1 > 0x8F) return 0;  // beyond U+10FFFF
  return n;
}

// RFC 5545 section 3.3.11, always as valid UTF-8 without control characters but tab.
std::string EscapeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case ';':
        out += "\\;";
        ++i;
        continue;
      case ',':
        out += "\\,";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\n";
        i += (i + 1 < s.size() && s[i + 1] == '\n') ? 2 : 1;
        continue;
      default:
        break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) {
      ++i;
      continue;
    }
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += kReplacementCharacter;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// A URI value (RFC 5545 section 3.3.13) cannot be escaped, so what would break the content line
// or is not a URI character is percent-encoded.
std::string EncodeUri(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      absl::StrAppendFormat(&out, "%%%02X", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d%02d%02d", day.year(), day.month(), day.day());
}

// Appends `line` and its CRLF, folded (RFC 5545 section 3.1) so that no physical line is longer
// than 75 octets and no UTF-8 character is split.
void AppendFolded(std::string_view line, std::string* out) {
  size_t limit = kFoldAt;
  while (line.size() > limit) {
    size_t cut = limit;
    while (IsContinuationByte(line[cut]) && limit - cut < 3) --cut;
    if (IsContinuationByte(line[cut])) cut = limit;  // not UTF-8: any cut will do
    out->append(line.substr(0, cut));
    out->append("\r\n ");
    line.remove_prefix(cut);
    limit = kFoldAt - 1;  // after the leading space
  }
  out->append(line);
  out->append("\r\n");
}

// ---- Parsing.

absl::Status LineError(int64_t line, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '-'; }

bool IsName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool IsControl(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7F;
}

// One unfolded content line: name *(";" param) ":" value.
struct ContentLine {
  int64_t line = 0;  // the physical line it starts on
  std::string name;  // upper case
  // (name in upper case, value without quotes); a list of values stays joined by ','.
  std::vector<std::pair<std::string, std::string>> params;
  std::string value;
};

absl::StatusOr<ContentLine> ParseContentLine(int64_t line, std::string_view text) {
  ContentLine out;
  out.line = line;
  size_t i = 0;
  while (i < text.size() && IsNameChar(text[i])) ++i;
  if (i == 0) return LineError(line, "expected a property name, e.g. 'SUMMARY:...'");
  out.name = absl::AsciiStrToUpper(std::string(text.substr(0, i)));
  while (i < text.size() && text[i] == ';') {
    const size_t start = ++i;
    while (i < text.size() && IsNameChar(text[i])) ++i;
    if (i == start) return LineError(line, absl::StrCat("a bad parameter name in ", out.name));
    std::string param = absl::AsciiStrToUpper(std::string(text.substr(start, i - start)));
    if (i >= text.size() || text[i] != '=') {
      return LineError(line, absl::StrCat("no '=' after the parameter ", param));
    }
    ++i;
    std::string value;
    while (true) {
      if (i < text.size() && text[i] == '"') {
        const size_t close = text.find('"', i + 1);
        if (close == std::string_view::npos) {
          return LineError(line, absl::StrCat("an unterminated quoted value of ", param));
        }
        value.append(text.substr(i + 1, close - i - 1));
        i = close + 1;
      } else {
        const size_t start_value = i;
        while (i < text.size() && text[i] != ',' && text[i] != ';' && text[i] != ':') {
          if (text[i] == '"') {
            return LineError(line, absl::StrCat("a '\"' inside the value of ", param));
          }
          ++i;
        }
        value.append(text.substr(start_value, i - start_value));
      }
      if (i < text.size() && text[i] == ',') {
        value.push_back(',');
        ++i;
        continue;
      }
      break;
    }
    for (char c : value) {
      if (IsControl(c)) {
        return LineError(line, absl::StrCat("a control character in the parameter ", param));
      }
    }
    out.params.emplace_back(std::move(param), std::move(value));
  }
  if (i >= text.size() || text[i] != ':') {
    return LineError(line, absl::StrCat("no ':' after ", out.name));
  }
  out.value = std::string(text.substr(i + 1));
  return out;
}

// For an error message: 'text', with what is not printable escaped.
std::string Quote(std::string_view s) {
  return absl::StrCat("'", absl::CHexEscape(absl::string_view(s.data(), s.size())), "'");
}

absl::StatusOr<std::string> UnescapeText(const ContentLine& cl) {
  std::string out;
  out.reserve(cl.value.size());
  const std::string& v = cl.value;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\') {
      out.push_back(v[i]);
      continue;
    }
    if (i + 1 == v.size()) {
      return LineError(cl.line, absl::StrCat("a '\\' at the end of ", cl.name));
    }
    const char next = v[++i];
    switch (next) {
      case '\\':
      case ';':
      case ',':
        out.push_back(next);
        break;
      case 'n':
      case 'N':
        out.push_back('\n');
        break;
      default:
        return LineError(cl.line,
                         absl::StrCat("a bad escape ", Quote(v.substr(i - 1, 2)), " in ", cl.name));
    }
  }
  return out;
}

std::optional<int> Digits(std::string_view s, size_t pos, size_t n) {
  int value = 0;
  for (size_t k = pos; k < pos + n; ++k) {
    if (!absl::ascii_isdigit(s[k])) return std::nullopt;
    value = value * 10 + (s[k] - '0');
  }
  return value;
}

// DTSTART as a DATE (YYYYMMDD) or the date of a DATE-TIME (YYYYMMDDTHHMMSS[Z]).
absl::StatusOr<absl::CivilDay> ParseStartDay(const ContentLine& cl) {
  std::string value_type;
  for (const auto& [param, value] : cl.params) {
    if (param == "VALUE") value_type = absl::AsciiStrToUpper(value);
  }
  if (!value_type.empty() && value_type != "DATE" && value_type != "DATE-TIME") {
    return LineError(cl.line, absl::StrCat("DTSTART;VALUE=", Quote(value_type),
                                           " is neither DATE nor DATE-TIME"));
  }
  const std::string& v = cl.value;
  const bool is_date = v.size() == 8;
  const bool is_date_time = (v.size() == 15 || (v.size() == 16 && v[15] == 'Z')) && v[8] == 'T' &&
                            Digits(v, 9, 6).has_value();
  if ((!is_date && !is_date_time) || (value_type == "DATE" && !is_date)) {
    return LineError(cl.line,
                     absl::StrCat("DTSTART ", Quote(v), " is not a ",
                                  value_type == "DATE" ? "date (YYYYMMDD)" : "date or date-time"));
  }
  const std::optional<int> year = Digits(v, 0, 4);
  const std::optional<int> month = Digits(v, 4, 2);
  const std::optional<int> day = Digits(v, 6, 2);
  if (year && month && day) {
    const absl::CivilDay civil(*year, *month, *day);
    if (civil.month() == *month && civil.day() == *day) return civil;
  }
  return LineError(cl.line, absl::StrCat("DTSTART ", Quote(v), " is not a valid date"));
}

class Parser {
 public:
  absl::Status Line(int64_t line, std::string_view text) {
    if (state_ == State::kAfter) {
      return LineError(line, "content after END:VCALENDAR");
    }
    ASSIGN_OR_RETURN(ContentLine cl, ParseContentLine(line, text));
    if (state_ == State::kBefore) {
      if (cl.name != "BEGIN" || absl::AsciiStrToUpper(cl.value) != "VCALENDAR") {
        return LineError(line, "expected BEGIN:VCALENDAR");
      }
      state_ = State::kInCalendar;
      open_.push_back({"VCALENDAR", line});
      return absl::OkStatus();
    }
    if (cl.name == "BEGIN") return Begin(cl);
    if (cl.name == "END") return End(cl);
    if (open_.size() == 2 && open_.back().name == "VEVENT") return EventProperty(cl);
    return absl::OkStatus();  // a property this parser does not read
  }

  absl::StatusOr<std::vector<CalendarEntry>> Finish(int64_t last_line) {
    if (state_ == State::kBefore) {
      return LineError(last_line < 1 ? 1 : last_line, "no BEGIN:VCALENDAR");
    }
    if (state_ == State::kInCalendar) {
      return LineError(last_line, absl::StrCat("BEGIN:", open_.back().name, " on line ",
                                               open_.back().line, " is not closed"));
    }
    return std::move(entries_);
  }

 private:
  enum class State { kBefore, kInCalendar, kAfter };
  struct Open {
    std::string name;
    int64_t line;
  };

  absl::Status Begin(const ContentLine& cl) {
    const std::string component = absl::AsciiStrToUpper(cl.value);
    if (!IsName(component)) {
      return LineError(cl.line, absl::StrCat("BEGIN:", Quote(cl.value), " is not a component"));
    }
    if (component == "VCALENDAR") return LineError(cl.line, "a VCALENDAR inside a VCALENDAR");
    if (component == "VEVENT" && open_.size() != 1) {
      return LineError(cl.line, absl::StrCat("a VEVENT inside ", open_.back().name));
    }
    if (open_.size() >= kMaxComponentDepth) {
      return LineError(cl.line, "components nested too deeply");
    }
    if (component == "VEVENT") {
      entry_ = CalendarEntry();
      seen_ = Seen();
    }
    open_.push_back({component, cl.line});
    return absl::OkStatus();
  }

  absl::Status End(const ContentLine& cl) {
    const std::string component = absl::AsciiStrToUpper(cl.value);
    if (component != open_.back().name) {
      return LineError(cl.line, absl::StrCat("END:", Quote(cl.value), " does not close BEGIN:",
                                             open_.back().name, " on line ", open_.back().line));
    }
    const int64_t begin = open_.back().line;
    open_.pop_back();
    if (component == "VEVENT") {
      if (!seen_.uid) {
        return LineError(cl.line, absl::StrCat("the VEVENT from line ", begin, " has no UID"));
      }
      if (!seen_.start) {
        return LineError(cl.line, absl::StrCat("the VEVENT from line ", begin, " has no DTSTART"));
      }
      entries_.push_back(std::move(entry_));
    }
    if (open_.empty()) state_ = State::kAfter;
    return absl::OkStatus();
  }

  absl::Status Once(const ContentLine& cl, bool* seen) {
    if (*seen) {
      return LineError(cl.line, absl::StrCat("a second ", cl.name, " in the VEVENT from line ",
                                             open_.back().line));
    }
    *seen = true;
    return absl::OkStatus();
  }

  absl::Status EventProperty(const ContentLine& cl) {
    if (cl.name == "UID") {
      RETURN_IF_ERROR(Once(cl, &seen_.uid));
      ASSIGN_OR_RETURN(entry_.uid, UnescapeText(cl));
    } else if (cl.name == "DTSTART") {
      RETURN_IF_ERROR(Once(cl, &seen_.start));
      ASSIGN_OR_RETURN(entry_.day, ParseStartDay(cl));
    } else if (cl.name == "SUMMARY") {
      RETURN_IF_ERROR(Once(cl, &seen_.summary));
      ASSIGN_OR_RETURN(entry_.summary, UnescapeText(cl));
    } else if (cl.name == "DESCRIPTION") {
      RETURN_IF_ERROR(Once(cl, &seen_.description));
      ASSIGN_OR_RETURN(entry_.description, UnescapeText(cl));
    } else if (cl.name == "URL") {
      RETURN_IF_ERROR(Once(cl, &seen_.url));
      entry_.url = cl.value;
    }
    return absl::OkStatus();
  }

  struct Seen {
    bool uid = false;
    bool start = false;
    bool summary = false;
    bool description = false;
    bool url = false;
  };

  State state_ = State::kBefore;
  std::vector<Open> open_;  // the components begun and not yet ended, outermost first
  CalendarEntry entry_;     // the VEVENT being read
  Seen seen_;
  std::vector<CalendarEntry> entries_;
};

}  // namespace

std::string RenderICalendar(const std::string& name, const std::vector<CalendarEntry>& entries,
                            absl::Time stamp) {
  std::string out;
  const std::string calendar_name = EscapeText(name);
  AppendFolded("BEGIN:VCALENDAR", &out);
  AppendFolded("VERSION:2.0", &out);
  AppendFolded("PRODID:-//SCC workflow server//EN", &out);
  AppendFolded("CALSCALE:GREGORIAN", &out);
  AppendFolded("METHOD:PUBLISH", &out);
  AppendFolded(absl::StrCat("X-WR-CALNAME:", calendar_name), &out);
  AppendFolded(absl::StrCat("NAME:", calendar_name), &out);
  AppendFolded("REFRESH-INTERVAL;VALUE=DURATION:PT1H", &out);
  AppendFolded("X-PUBLISHED-TTL:PT1H", &out);
  const std::string dtstamp =
      absl::StrCat("DTSTAMP:", absl::FormatTime("%Y%m%dT%H%M%SZ", stamp, absl::UTCTimeZone()));
  for (const CalendarEntry& entry : entries) {
    AppendFolded("BEGIN:VEVENT", &out);
    AppendFolded(absl::StrCat("UID:", EscapeText(entry.uid)), &out);
    AppendFolded(dtstamp, &out);
    AppendFolded(absl::StrCat("DTSTART;VALUE=DATE:", FormatDate(entry.day)), &out);
    AppendFolded(absl::StrCat("DTEND;VALUE=DATE:", FormatDate(entry.day + 1)), &out);
    AppendFolded(absl::StrCat("SUMMARY:", EscapeText(entry.summary)), &out);
    if (!entry.description.empty()) {
      AppendFolded(absl::StrCat("DESCRIPTION:", EscapeText(entry.description)), &out);
    }
    if (!entry.url.empty()) AppendFolded(absl::StrCat("URL:", EncodeUri(entry.url)), &out);
    AppendFolded("TRANSP:TRANSPARENT", &out);
    AppendFolded("END:VEVENT", &out);
  }
  AppendFolded("END:VCALENDAR", &out);
  return out;
}

absl::StatusOr<std::vector<CalendarEntry>> ParseICalendar(std::string_view text) {
  Parser parser;
  std::string logical;  // the content line being unfolded
  int64_t logical_line = 0;
  bool have_logical = false;
  int64_t physical = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t newline = text.find('\n', pos);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view raw = text.substr(pos, end - pos);
    pos = newline == std::string_view::npos ? text.size() : newline + 1;
    ++physical;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t')) {
      if (!have_logical) return LineError(physical, "a continuation line with no line before it");
      logical.append(raw.substr(1));
      continue;
    }
    if (have_logical) RETURN_IF_ERROR(parser.Line(logical_line, logical));
    have_logical = !raw.empty();  // blank lines are skipped
    logical.assign(raw);
    logical_line = physical;
  }
  if (have_logical) RETURN_IF_ERROR(parser.Line(logical_line, logical));
  return parser.Finish(physical);
}

}  // namespace scc::reports
