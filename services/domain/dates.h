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
inline absl::CivilDay FromDayNumber(int32_t days) { return absl::CivilDay(1970, 1, 1) + days; }

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_DATES_H_
