#include "services/server/report_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/codec/event_codec.h"
#include "services/domain/errors.h"
#include "services/server/gateway.h"
#include "storage/status_macros.h"

namespace scc::server {

bool ReportServiceImpl::BuildsSnapshotsFor(const projections::Period& term) const {
  if (today_ == nullptr) return true;
  const projections::Period* current = calendar_->TermAt(today_());
  if (current == nullptr) return true;  // outside the calendar: no recent snapshot to keep
  const projections::Period* last = calendar_->Previous(current);
  return term.start >= (last != nullptr ? last->start : current->start);
}

absl::Status ReportServiceImpl::GenerateTermReport(const UnaryCall& call,
                                                   const v1::GenerateTermReportRequest& request,
                                                   v1::ReportFile* response) {
  if (!v1::ReportAudience_IsValid(request.audience())) {
    return domain::InvalidField("audience", "unknown audience");
  }
  ASSIGN_OR_RETURN(const projections::Period* term,
                   reports::FindPeriod(*calendar_, request.term(), request.audience()));
  if (!v1::ReportFormat_IsValid(request.format())) {
    return domain::InvalidField("format", "unknown report format");
  }
  // Microseconds: the precision the log records, so the instant reproduces the same bytes.
  absl::Time known_at = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  if (request.has_known_at()) {
    ASSIGN_OR_RETURN(known_at, codec::FromTimestamp(request.known_at(), "known_at"));
  }
  const absl::Time deadline = call.long_deadline();
  const reports::ReportReader reader{call.caller().role, call.caller().user};
  const bool build_snapshots = BuildsSnapshotsFor(*term);
  ASSIGN_OR_RETURN(v1::TermReport report,
                   reports::BuildTermReport(*log_, *calendar_, *term, known_at, reader,
                                            rules_, targets_, request.audience(), deadline,
                                            snapshots_, build_snapshots));
  if (request.has_compare_known_at()) {
    ASSIGN_OR_RETURN(absl::Time earlier,
                     codec::FromTimestamp(request.compare_known_at(), "compare_known_at"));
    ASSIGN_OR_RETURN(v1::TermReport before,
                     reports::BuildTermReport(*log_, *calendar_, *term, earlier, reader,
                                              rules_, targets_, request.audience(), deadline,
                                              snapshots_, build_snapshots));
    for (std::string& c : reports::Changes(before, report)) report.add_changes(std::move(c));
    report.set_compared_with(before.known_at());
  }
  const std::string base = absl::StrCat(
      request.audience() == v1::REPORT_AUDIENCE_SRG_SETTINGS_UPDATE     ? "scc-settings-srg-"
      : request.audience() == v1::REPORT_AUDIENCE_SSSPB_SETTINGS_UPDATE ? "scc-settings-ssspb-"
                                                                        : "scc-report-",
      request.term());
  switch (request.format()) {
    case v1::REPORT_FORMAT_CSV:
      response->set_filename(base + ".csv");
      response->set_content_type("text/csv; charset=utf-8");
      response->set_content(reports::RenderCsv(report));
      break;
    case v1::REPORT_FORMAT_MARKDOWN:
      response->set_filename(base + ".md");
      response->set_content_type("text/markdown; charset=utf-8");
      response->set_content(reports::RenderMarkdown(report));
      break;
    case v1::REPORT_FORMAT_HTML:
      response->set_filename(base + ".html");
      response->set_content_type("text/html; charset=utf-8");
      response->set_content(reports::RenderHtml(report));
      break;
    default:
      response->set_filename(base + ".json");
      response->set_content_type("application/json");
      response->set_content(reports::RenderJson(report));
      break;
  }
  codec::SetTimestamp(known_at, response->mutable_known_at());
  if (read_audit_ != nullptr) {
    const std::string peer = CallerAddress(call.context());
    for (const v1::ProgressPage& page : report.pages()) {
      v1::FileRead read;
      read.set_user(call.caller().user);
      read.set_role(call.caller().role);
      read.set_rpc("GenerateTermReport");
      read.set_urn(page.urn());
      read.set_peer(peer);
      read_audit_->Record(std::move(read));
    }
  }
  return absl::OkStatus();
}

}  // namespace scc::server
