#include "services/projections/term_calendar.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/domain/dates.h"

namespace scc::projections {

absl::StatusOr<TermCalendar> TermCalendar::Parse(const std::string& text,
                                                 const std::string& origin) {
  TermCalendar calendar;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ":", line_number, ": ", why));
    };
    if (f.size() != 5) return bad("want '<year> <term> <half> <first day> <last day>'");
    if (f[1] != "autumn" && f[1] != "spring" && f[1] != "summer") {
      return bad(absl::StrCat("term '", f[1], "' is not autumn, spring or summer"));
    }
    if (f[2] != "1" && f[2] != "2") return bad("half must be 1 or 2");
    const auto start = domain::ParseDate(f[3]);
    const auto end = domain::ParseDate(f[4]);
    if (!start || !end || *end < *start) return bad("dates must be YYYY-MM-DD, first <= last");
    calendar.half_terms_.push_back(
        {absl::StrCat(f[0], " ", f[1], " half term ", f[2]), *start, *end});
    const std::string term = absl::StrCat(f[0], " ", f[1], " term");
    auto t = std::find_if(calendar.terms_.begin(), calendar.terms_.end(),
                          [&](const Period& p) { return p.label == term; });
    if (t == calendar.terms_.end()) {
      calendar.terms_.push_back({term, *start, *end});
    } else {
      t->start = std::min(t->start, *start);
      t->end = std::max(t->end, *end);
    }
    auto y = std::find_if(calendar.years_.begin(), calendar.years_.end(),
                          [&](const Period& p) { return p.label == f[0]; });
    if (y == calendar.years_.end()) {
      calendar.years_.push_back({f[0], *start, *end});
    } else {
      y->start = std::min(y->start, *start);
      y->end = std::max(y->end, *end);
    }
  }
  for (std::vector<Period>* periods : {&calendar.half_terms_, &calendar.terms_, &calendar.years_}) {
    std::sort(periods->begin(), periods->end(),
              [](const Period& a, const Period& b) { return a.start < b.start; });
    for (size_t i = 1; i < periods->size(); ++i) {
      if ((*periods)[i].start <= (*periods)[i - 1].end) {
        return absl::InvalidArgumentError(absl::StrCat(origin, ": ", (*periods)[i].label,
                                                       " overlaps ", (*periods)[i - 1].label));
      }
    }
  }
  if (calendar.half_terms_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": no half terms"));
  }
  return calendar;
}

absl::StatusOr<TermCalendar> TermCalendar::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read term calendar ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

const Period* TermCalendar::At(const std::vector<Period>& periods, absl::CivilDay day) {
  const Period* found = nullptr;
  for (const Period& p : periods) {
    if (p.start > day) break;
    found = &p;
  }
  // After the last period has ended (plus a holiday's grace of 8 weeks) the calendar has nothing.
  if (found != nullptr && found == &periods.back() && day > found->end + 56) return nullptr;
  return found;
}

const Period* TermCalendar::HalfTermAt(absl::CivilDay day) const { return At(half_terms_, day); }
const Period* TermCalendar::TermAt(absl::CivilDay day) const { return At(terms_, day); }
const Period* TermCalendar::YearAt(absl::CivilDay day) const { return At(years_, day); }

const Period* TermCalendar::Previous(const Period* period) const {
  for (const std::vector<Period>* periods : {&half_terms_, &terms_, &years_}) {
    if (!periods->empty() && period >= &periods->front() && period <= &periods->back()) {
      return period == &periods->front() ? nullptr : period - 1;
    }
  }
  return nullptr;
}

absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) {
  // Any seven days in a row hold five working days: whole weeks first, the last one to five
  // working days one by one (so that the result is never a weekend).
  if (n > 5) {
    day += 7 * ((n - 1) / 5);
    n -= 5 * ((n - 1) / 5);
  }
  while (n > 0) {
    day += 1;
    const absl::Weekday w = absl::GetWeekday(day);
    if (w != absl::Weekday::saturday && w != absl::Weekday::sunday) --n;
  }
  return day;
}

}  // namespace scc::projections
