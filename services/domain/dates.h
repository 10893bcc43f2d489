// Civil dates as the API carries them: "YYYY-MM-DD". Pure functions, thread-safe.
#ifndef SCC_SERVICES_DOMAIN_DATES_H_
#define SCC_SERVICES_DOMAIN_DATES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace scc::domain {

// Parses a strict YYYY-MM-DD date that exists in the calendar; nullopt otherwise.
std::optional<absl::CivilDay> ParseDate(absl::string_view text);
std::string FormatDate(absl::CivilDay day);

}  // namespace scc::domain

#endif  // SCC_SERVICES_DOMAIN_DATES_H_
