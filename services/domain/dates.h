// Civil dates as the API carries them: "YYYY-MM-DD". Pure functions, thread-safe.
#ifndef SCC_SERVICES_DOMAIN_DATES_H_
#define SCC_SERVICES_DOMAIN_DATES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace scc::domain {

// Parses a strict YYYY-MM-DD date that exists in the calendar; nullopt otherwise.
std::optional<absl::CivilDay> ParseDate(absl::string_view text);
std::string FormatDate(absl::CivilDay day);

// The same day `months` later (R-16's twelve months, R-19's two): the month's last day when it
// has no such day (31 January + 1 month = 28 or 29 February).
absl::CivilDay AddMonths(absl::CivilDay day, int months);

// Days since 1970-01-01: how folded states keep lists of dates (a packed array, cheap to copy).
inline int32_t DayNumber(absl::CivilDay day) {
  return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1));
}
// The day `days` after 1970-01-01, by arithmetic on 400-year cycles of the Gregorian calendar
// (146,097 days each, years counted from 1 March so the leap day falls last): adding `days` to a
// CivilDay normalises through the years one by one, which listing obligations for a whole
// country did for every visit of every school.
inline absl::CivilDay FromDayNumber(int32_t days) {
  const int64_t from_0000_03_01 = int64_t{days} + 719468;
  const int64_t cycle = (from_0000_03_01 >= 0 ? from_0000_03_01 : from_0000_03_01 - 146096) / 146097;
  const int64_t day_of_cycle = from_0000_03_01 - cycle * 146097;  // [0, 146096]
  const int64_t year_of_cycle =
      (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 - day_of_cycle / 146096) / 365;
  const int64_t day_of_year =
      day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);  // from 1 March
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // [0, 11]
  const int64_t day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  const int64_t month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  return absl::CivilDay(year_of_cycle + cycle * 400 + (month <= 2), static_cast<int>(month),
                        static_cast<int>(day));
}

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_DATES_H_
