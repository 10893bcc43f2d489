// The termly progress report (docs/rules.md section 6): built from the event log as of a term's
// last day and as known at an instant, then rendered as JSON, CSV, Markdown or HTML. Given the
// same log, term and known_at, every output is the same bytes. Thread-safe; reads the log.
#ifndef SCC_SERVICES_REPORTS_TERM_REPORT_H_
#define SCC_SERVICES_REPORTS_TERM_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scc/v1/reports.pb.h"
#include "services/projections/status.h"
#include "services/projections/term_calendar.h"
#include "services/projections/term_snapshots.h"
#include "storage/event_log.h"

namespace scc::reports {

// What the authority configures for its report (docs/report.md).
struct ReportTargets {
  double schools = 0.9;   // share of schools Good or better the strategy aims for
  double settings = 0.9;  // settings: 90% (docs/rules.md section 6)
  // The share of schools Good or better nationally that "top 10% nationally" is read against;
  // 0 when not configured.
  double national_benchmark = 0;
  std::string authority = "the local authority";
  std::string protective_marking = "OFFICIAL-SENSITIVE";
};

// `name` is "<year>-<autumn|spring|summer>" (the calendar year in which the term starts) or
// "<year>-<term>-<1|2>" for a half term. The termly report is for a term, the SRG's settings
// update for a half term, the SSSPB's for the autumn or spring term or a half of the summer term
// INVALID_ARGUMENT names what the audience is given.
absl::StatusOr<const projections::Period*> FindPeriod(const projections::TermCalendar& calendar,
                                                      const std::string& name,
                                                      v1::ReportAudience audience);

// Who reads a report: a page's confidential meeting notes are shown to roles that read the
// LA's record of a meeting, and to a Lead Officer or the Early Years team only on the pages of
// institutions they work with (R-25; domain::WorksWith).
struct ReportReader {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string user;
};

// Builds the report over `term` (a term, or a half term for a settings update). A settings
// update (any audience but UNSPECIFIED) covers early-years settings only. Confidential meeting
// notes are included only where `reader` may see them. DEADLINE_EXCEEDED when the log
// could not be read by `deadline`.
//
// With `snapshots`, and the snapshots of the term's half-term boundaries held there, each
// institution starts from its state the day before the term and walks only the term's events
// (the same report, byte for byte); otherwise, or while they are built (this call asks for
// them when `build_snapshots`), the whole log is scanned.
absl::StatusOr<v1::TermReport> BuildTermReport(const storage::EventLog& log,
                                               const projections::TermCalendar& calendar,
                                               const projections::Period& term,
                                               absl::Time known_at, const ReportReader& reader,
                                               const projections::ObligationRules& rules,
                                               const ReportTargets& targets,
                                               v1::ReportAudience audience =
                                                   v1::REPORT_AUDIENCE_UNSPECIFIED,
                                               absl::Time deadline = absl::InfiniteFuture(),
                                               projections::TermSnapshots* snapshots = nullptr,
                                               bool build_snapshots = true);

// What differs between the same term's report as known earlier and later.
std::vector<std::string> Changes(const v1::TermReport& before, const v1::TermReport& after);

std::string RenderJson(const v1::TermReport& report);
std::string RenderCsv(const v1::TermReport& report);
std::string RenderMarkdown(const v1::TermReport& report);
std::string RenderHtml(const v1::TermReport& report);

}  // namespace scc::reports

#endif  // SCC_SERVICES_REPORTS_TERM_REPORT_H_
