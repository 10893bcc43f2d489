// An iCalendar (RFC 5545) feed of all-day entries, for a subscription URL in Outlook, Google
// Calendar or Apple Calendar, and the reverse for tests and clients. Pure functions: the same
// arguments give the same bytes; thread-safe. ParseICalendar never crashes, whatever the input.
#ifndef SCC_SERVICES_REPORTS_ICALENDAR_H_
#define SCC_SERVICES_REPORTS_ICALENDAR_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace scc::reports {

// One all-day VEVENT.
struct CalendarEntry {
  std::string uid;          // stable across renders, e.g. "obligation-<id>@scc"; made globally
                            // unique by the caller
  absl::CivilDay day;       // all-day: DTSTART;VALUE=DATE, and DTEND;VALUE=DATE the day after;
                            // years 0000 to 9999
  std::string summary;      // one line
  std::string description;  // may contain newlines
  std::string url;          // optional (empty: no URL property)

  friend bool operator==(const CalendarEntry& a, const CalendarEntry& b) {
    return a.uid == b.uid && a.day == b.day && a.summary == b.summary &&
           a.description == b.description && a.url == b.url;
  }
};

// The feed: CRLF line endings, content lines folded at 75 octets without splitting a UTF-8
// character. `name` is the calendar's X-WR-CALNAME and NAME; `stamp` is the DTSTAMP of every
// VEVENT (in UTC). Text values are escaped as RFC 5545 TEXT; a line break (LF, CRLF or CR)
// becomes "\n", other control characters but tab are dropped and invalid UTF-8 becomes U+FFFD.
// In a URL, control characters, spaces and non-ASCII bytes are percent-encoded. Entries keep
// their order.
std::string RenderICalendar(const std::string& name, const std::vector<CalendarEntry>& entries,
                            absl::Time stamp);

// The VEVENTs of one VCALENDAR, in order: UID, the date of DTSTART (a DATE, or the date part of
// a DATE-TIME), and SUMMARY, DESCRIPTION and URL (empty when absent), TEXT unescaped. Lines may
// end in CRLF or LF and are unfolded first; property names are case-insensitive; properties and
// components it does not read (VALARM, VTIMEZONE, ...) are skipped. INVALID_ARGUMENT names the
// (physical, 1-based) line of what is malformed: a line without ':', a bad name or parameter,
// BEGIN/END that do not match, a VEVENT without UID or DTSTART or with one of the properties it
// reads twice, a bad date, a bad TEXT escape, or anything outside the VCALENDAR.
absl::StatusOr<std::vector<CalendarEntry>> ParseICalendar(std::string_view text);

}  // namespace scc::reports

#endif  // SCC_SERVICES_REPORTS_ICALENDAR_H_
