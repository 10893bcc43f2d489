// TermCalendar: the school year's terms and half terms, loaded from a calendar file (term dates
// are configuration, not code). Immutable after loading; thread-safe.
//
// File format, one half term per line ('#' starts a comment):
//   <academic year> <term> <half> <first day> <last day>
//   2025/26 autumn 1 2025-09-03 2025-10-24
// Terms are autumn, spring and summer; halves are 1 and 2. Half terms must not overlap.
#ifndef SCC_SERVICES_PROJECTIONS_TERM_CALENDAR_H_
#define SCC_SERVICES_PROJECTIONS_TERM_CALENDAR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace scc::projections {

struct Period {
  std::string label;        // "2025/26 autumn half term 1", "2025/26 autumn term", "2025/26"
  absl::CivilDay start;
  absl::CivilDay end;       // inclusive
  bool Contains(absl::CivilDay day) const { return start <= day && day <= end; }
};

class TermCalendar {
 public:
  static absl::StatusOr<TermCalendar> Load(const std::string& path);
  static absl::StatusOr<TermCalendar> Parse(const std::string& text, const std::string& origin);

  // The half term, term and academic year in effect on `day`: the last that started on or
  // before it (so a holiday belongs to the period before it). nullptr before the calendar
  // starts or after it ends.
  const Period* HalfTermAt(absl::CivilDay day) const;
  const Period* TermAt(absl::CivilDay day) const;
  const Period* YearAt(absl::CivilDay day) const;
  // The period before `period` in the same list; nullptr for the first.
  const Period* Previous(const Period* period) const;

  const std::vector<Period>& half_terms() const { return half_terms_; }
  const std::vector<Period>& terms() const { return terms_; }

 private:
  static const Period* At(const std::vector<Period>& periods, absl::CivilDay day);
  std::vector<Period> half_terms_;
  std::vector<Period> terms_;
  std::vector<Period> years_;
};

// `day` plus `n` working days (Monday to Friday; bank holidays are not known).
absl::CivilDay AddWorkingDays(absl::CivilDay day, int n);

}  // namespace scc::projections

#endif  // SCC_SERVICES_PROJECTIONS_TERM_CALENDAR_H_
