// Renderers of the termly report. Each is a pure function of the report: the same report gives
// the same bytes.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"
#include "services/reports/term_report.h"

namespace scc::reports {
namespace {

using google::protobuf::RepeatedPtrField;

std::string Percent(int part, int whole) {
  return whole == 0 ? "n/a" : absl::StrFormat("%.1f%%", 100.0 * part / whole);
}

std::string CountsText(const RepeatedPtrField<v1::Count>& counts) {
  std::vector<std::string> parts;
  for (const v1::Count& c : counts) parts.push_back(absl::StrCat(c.key(), " ", c.count()));
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

std::string Dates(const RepeatedPtrField<std::string>& dates) {
  return dates.empty() ? "none" : absl::StrJoin(dates, ", ");
}

std::string Path(const RepeatedPtrField<v1::TimelineEntry>& path) {
  std::vector<std::string> parts;
  for (const v1::TimelineEntry& e : path) parts.push_back(absl::StrCat(e.on(), " ", e.state()));
  return absl::StrJoin(parts, " → ");
}

std::string Srg(const RepeatedPtrField<v1::TimelineEntry>& srg) {
  std::vector<std::string> parts;
  for (const v1::TimelineEntry& e : srg) {
    parts.push_back(e.state().empty() ? e.on() : absl::StrCat(e.on(), " (", e.state(), ")"));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

// A CSV cell. One that a spreadsheet would read as a formula (it begins with =, +, -, @, a tab
// or a carriage return) gets a leading apostrophe and quotes, as OWASP's CSV injection guidance
// says, so it shows as the text it is.
std::string Csv(const std::string& field) {
  const bool formula = !field.empty() && absl::string_view("=+-@\t\r").find(field[0]) !=
                                             absl::string_view::npos;
  if (!formula && field.find_first_of(",\"\n\r") == std::string::npos) return field;
  return absl::StrCat("\"", formula ? "'" : "", absl::StrReplaceAll(field, {{"\"", "\"\""}}),
                      "\"");
}

// Text from the records inside a Markdown line: line breaks become spaces (no text can start a
// heading, list or table row of its own), HTML is shown, not run, and Markdown's inline syntax
// (links, images, code, emphasis, table cells) is escaped. An underscore inside a word is left
// alone: Markdown never reads it as emphasis.
std::string Md(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto word = [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\r':
        if (i + 1 >= text.size() || text[i + 1] != '\n') out += ' ';
        break;
      case '\n': out += ' '; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '_':
        if (i > 0 && i + 1 < text.size() && word(text[i - 1]) && word(text[i + 1])) {
          out += c;
        } else {
          out += "\\_";
        }
        break;
      case '\\': case '`': case '*': case '[': case ']': case '|': case '~': case '#':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string Html(const std::string& text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// A vertical bar chart with one or two series, as inline SVG.
std::string BarChart(const std::string& title, const std::vector<std::string>& labels,
                     const std::vector<std::vector<int>>& series,
                     const std::vector<std::string>& names) {
  constexpr int kWidth = 460, kHeight = 250, kLeft = 36, kBottom = 66, kTop = 28;
  const char* kColours[] = {"#1d70b8", "#d4351c"};
  int max = 1;
  for (const auto& s : series) {
    for (int v : s) max = std::max(max, v);
  }
  const int plot_w = kWidth - kLeft - 10, plot_h = kHeight - kBottom - kTop;
  const double slot = labels.empty() ? plot_w : static_cast<double>(plot_w) / labels.size();
  const double bar = slot * 0.8 / std::max<size_t>(1, series.size());
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%%\" "
      "data-width=\"%d\" data-height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
      "aria-label=\"%s\">"
      "<rect width=\"%d\" height=\"%d\" fill=\"#f3f2f1\"/>"
      "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>"
      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#0b0c0c\"/>"
      "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%d</text>",
      kWidth, kHeight, kWidth, kHeight, Html(title), kWidth, kHeight, kLeft, Html(title), kLeft,
      kTop + plot_h, kLeft + plot_w, kTop + plot_h, kLeft - 4, kTop + 8, max);
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t k = 0; k < series.size(); ++k) {
      const int v = i < series[k].size() ? series[k][i] : 0;
      const double h = static_cast<double>(plot_h) * v / max;
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"%s\"><title>%s: %d</title></rect>",
                            kLeft + slot * i + slot * 0.1 + bar * k, kTop + plot_h - h, bar, h,
                            kColours[k % 2], Html(labels[i]), v);
    }
    if (labels.size() <= 16) {
      absl::StrAppendFormat(&svg,
                            "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"end\" "
                            "transform=\"rotate(-35 %.1f %d)\">%s</text>",
                            kLeft + slot * (i + 0.5), kTop + plot_h + 12, kLeft + slot * (i + 0.5),
                            kTop + plot_h + 12, Html(labels[i]));
    }
  }
  for (size_t k = 0; k < names.size() && series.size() > 1; ++k) {
    absl::StrAppendFormat(&svg,
                          "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>",
                          kWidth - 110, 26 + 14 * static_cast<int>(k), kColours[k % 2], kWidth - 96,
                          35 + 14 * static_cast<int>(k), Html(names[k]));
  }
  svg += "</svg>";
  return svg;
}

// Chart labels: a half term without its academic year ("autumn half term 1").
std::pair<std::vector<std::string>, std::vector<int>> Split(const RepeatedPtrField<v1::Count>& counts) {
  std::vector<std::string> labels;
  std::vector<int> values;
  for (const v1::Count& c : counts) {
    const std::string& key = c.key();
    labels.push_back(key.size() > 8 && key[4] == '/' ? key.substr(8) : key);
    values.push_back(c.count());
  }
  return {labels, values};
}

// "term", or "half term" for a settings update over a half term: how the summary names it.
std::string PeriodWord(const v1::TermReport& r) {
  return absl::StrContains(r.term(), "half term") ? "half term" : "term";
}

// The local authority summary in words, as (measure, figure) rows: one list for every format.
// A settings update leaves out what concerns schools only.
std::vector<std::pair<std::string, std::string>> SummaryRows(const v1::TermReport& r) {
  const v1::ReportSummary& s = r.summary();
  const std::string period = PeriodWord(r);
  const bool schools = r.audience() == v1::REPORT_AUDIENCE_UNSPECIFIED;
  auto target = [](double share) { return Percent(static_cast<int>(share * 1000 + 0.5), 1000); };
  std::vector<std::pair<std::string, std::string>> rows = {
      {absl::StrCat("Causing concern at the start of ", period),
       absl::StrCat(s.causing_concern_at_start())},
      {absl::StrCat("Causing concern at the end of ", period),
       absl::StrCat(s.causing_concern_at_end())},
      {absl::StrCat(schools ? "Designated" : "Listed", " in the ", period),
       absl::StrCat(s.designated_in_term(), " (by phase: ", CountsText(s.designated_by_phase()),
                    "; by trigger: ", CountsText(s.designated_by_trigger()), ")")},
      {absl::StrCat("Removed in the ", period),
       absl::StrCat(s.removed_in_term(), " (by phase: ", CountsText(s.removed_by_phase()), ")")},
  };
  if (s.closed_in_term() > 0) {
    rows.push_back({absl::StrCat("Ended by closure or conversion in the ", period),
                    absl::StrCat(s.closed_in_term())});
  }
  if (schools) {
    rows.push_back({"Escalations", absl::StrCat("warning notices ", s.warning_notices(),
                                                ", interventions ", s.interventions(),
                                                ", academy escalations ", s.academy_escalations())});
  }
  rows.push_back({"Overdue obligations", CountsText(s.overdue_by_type())});
  if (schools) {
    rows.push_back({"12-month warning-notice candidates (R-16)",
                    absl::StrCat(s.warning_notice_candidates())});
    // R-7: "an action plan for each school causing concern and progress reports at least
    // termly".
    rows.push_back({"Schools causing concern with an action plan (R-7)",
                    absl::StrCat(s.schools_causing_concern_with_plan(), " of ",
                                 s.schools_causing_concern())});
  }
  rows.push_back({"Settings causing concern with an action plan (R-7, R-21)",
                  absl::StrCat(s.settings_causing_concern_with_plan(), " of ",
                               s.settings_causing_concern())});
  if (schools) {
    rows.push_back({"Schools causing concern with a progress report this term (R-7)",
                    absl::StrCat(s.schools_with_progress_report(), " of ",
                                 s.schools_causing_concern())});
    rows.push_back(
        {"Schools Good or better",
         absl::StrCat(Percent(s.schools_good_or_better(), s.schools_inspected()), " of ",
                      s.schools_inspected(), " inspected (target ", target(s.schools_target()),
                      s.national_benchmark() > 0
                          ? absl::StrCat("; nationally ", target(s.national_benchmark()))
                          : "; national figure not configured",
                      ")")});
    for (const v1::PhaseKpi& k : s.schools_by_phase()) {
      rows.push_back({absl::StrCat("Schools Good or better: ", k.phase()),
                      absl::StrCat(Percent(k.good_or_better(), k.inspected()), " of ",
                                   k.inspected(), " inspected; pupils in them ",
                                   Percent(k.pupils_in_good_or_better(), k.pupils()))});
    }
    rows.push_back({"Pupils in Good or better schools",
                    absl::StrCat(Percent(s.pupils_in_good_or_better_schools(),
                                         s.pupils_in_inspected_schools()),
                                 " of ", s.pupils_in_inspected_schools(),
                                 " pupils in inspected schools")});
  }
  rows.push_back({"Settings Good or better",
                  absl::StrCat(Percent(s.settings_good_or_better(), s.settings_inspected()), " of ",
                               s.settings_inspected(), " inspected (target ",
                               target(s.settings_target()), ")")});
  return rows;
}

// One institution's progress in words, as (item, words) rows: one list for Markdown and HTML.
// A setting's page shows its meetings and support actions, a school's its MCMs and SRG.
std::vector<std::pair<std::string, std::string>> PageRows(const v1::ProgressPage& p,
                                                          const std::string& period) {
  const bool setting = p.kind() == "early years setting";
  std::vector<std::pair<std::string, std::string>> rows = {
      {"Kind and phase", absl::StrCat(p.kind(), ", ", p.phase())},
      {"State", absl::StrCat(p.state(), p.causing_concern_at_end()
                                            ? absl::StrCat(", ", p.days_in_scc(), " days in SCC")
                                            : "")},
  };
  if (!setting) rows.push_back({"Lead Officer", p.lead_officer().empty() ? "none" : p.lead_officer()});
  rows.push_back({"Triggers", p.triggers().empty() ? "none" : absl::StrJoin(p.triggers(), ", ")});
  rows.push_back({"Path", Path(p.path())});
  rows.push_back({"Action plan", absl::StrCat("version ", p.action_plan_version(), "; reviews in ",
                                              period, ": ", Dates(p.reviews_in_term()))});
  if (setting) {
    rows.push_back({absl::StrCat("Settings-causing-concern meetings in ", period),
                    Dates(p.settings_meetings_in_term())});
    std::vector<std::string> actions;
    for (const v1::TimelineEntry& a : p.support_actions_in_term()) {
      actions.push_back(absl::StrCat(a.on(), " ", a.state()));
    }
    rows.push_back({absl::StrCat("Support actions in ", period),
                    actions.empty() ? "none" : absl::StrJoin(actions, "; ")});
  } else {
    rows.push_back({absl::StrCat("MCMs in ", period), Dates(p.mcms_in_term())});
    rows.push_back({absl::StrCat("SRG in ", period), Srg(p.srg_outcomes_in_term())});
  }
  rows.push_back({"Visits", absl::StrCat(p.visits_done(), " of ", p.visits_required())});
  rows.push_back({"Latest Ofsted", p.latest_ofsted().empty() ? "none recorded" : p.latest_ofsted()});
  rows.push_back({"Overdue", p.overdue().empty() ? "nothing" : absl::StrJoin(p.overdue(), "; ")});
  if (!p.episode_ended().empty()) rows.push_back({"Episode", p.episode_ended()});
  for (const v1::TimelineEntry& n : p.meeting_notes()) {
    rows.push_back({absl::StrCat("Notes ", n.on()), n.state()});
  }
  return rows;
}

}  // namespace

std::string RenderJson(const v1::TermReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(report, &out, options);
  return out;
}

std::string RenderCsv(const v1::TermReport& report) {
  std::string out =
      "urn,name,kind,phase,causing_concern_at_end,state,lead_officer,days_in_scc,triggers,"
      "action_plan_version,reviews_in_term,mcms_in_term,srg_outcomes_in_term,visits_done,"
      "visits_required,latest_ofsted,overdue,episode_ended\n";
  for (const v1::ProgressPage& p : report.pages()) {
    const std::vector<std::string> fields = {
        p.urn(), p.name(), p.kind(), p.phase(), p.causing_concern_at_end() ? "yes" : "no",
        p.state(), p.lead_officer(), absl::StrCat(p.days_in_scc()),
        absl::StrJoin(p.triggers(), "; "), absl::StrCat(p.action_plan_version()),
        absl::StrJoin(p.reviews_in_term(), "; "), absl::StrJoin(p.mcms_in_term(), "; "),
        Srg(p.srg_outcomes_in_term()), absl::StrCat(p.visits_done()),
        absl::StrCat(p.visits_required()), p.latest_ofsted(), absl::StrJoin(p.overdue(), "; "),
        p.episode_ended()};
    std::vector<std::string> quoted;
    for (const std::string& f : fields) quoted.push_back(Csv(f));
    absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\n");
  }
  return out;
}

std::string RenderMarkdown(const v1::TermReport& r) {
  std::string md = absl::StrCat(
      Md(r.protective_marking()), "\n\n# ", Md(r.title()), ": ", Md(r.term()), "\n\n",
      Md(r.authority()), ". ", Md(r.first_day()), " to ", Md(r.last_day()), ", as known at ",
      Md(r.known_at()), ".\n\n## Local authority summary\n\n", "| measure | figure |\n|---|---|\n");
  for (const auto& [k, v] : SummaryRows(r)) absl::StrAppend(&md, "| ", Md(k), " | ", Md(v), " |\n");
  if (!r.compared_with().empty()) {
    absl::StrAppend(&md, "\n## Changes since the report as known at ", Md(r.compared_with()),
                    "\n\n");
    if (r.changes().empty()) md += "None.\n";
    for (const std::string& c : r.changes()) absl::StrAppend(&md, "- ", Md(c), "\n");
  }
  absl::StrAppend(&md, "\n## Progress of each ",
                  r.audience() == v1::REPORT_AUDIENCE_UNSPECIFIED ? "school and setting"
                                                                  : "setting",
                  " causing concern\n");
  for (const v1::ProgressPage& p : r.pages()) {
    absl::StrAppend(&md, "\n### ", Md(p.urn()), " ", Md(p.name()), "\n\n");
    for (const auto& [k, v] : PageRows(p, PeriodWord(r))) {
      absl::StrAppend(&md, "- ", Md(k), ": ", Md(v), "\n");
    }
  }
  return md;
}

std::string RenderHtml(const v1::TermReport& r) {
  const v1::ReportSummary& s = r.summary();
  const auto [weeks, per_week] = Split(r.causing_concern_per_week());
  const auto [halves, designated] = Split(r.designated_per_half_term());
  const auto [halves2, removed] = Split(r.removed_per_half_term());
  const auto [bands, in_band] = Split(r.time_in_scc());
  const auto [types, overdue] = Split(s.overdue_by_type());
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>", Html(r.title()), ": ", Html(r.term()), "</title><style>\n"
      "@page { size: A4; margin: 15mm; }\n"
      "body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; margin: 0 auto; "
      "max-width: 190mm; font-size: 11pt; }\n"
      "h1 { font-size: 20pt; } h2 { font-size: 15pt; border-bottom: 2px solid #1d70b8; }\n"
      "table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #b1b4b6; "
      "padding: 3px 6px; text-align: left; vertical-align: top; }\n"
      ".charts { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }\n"
      ".page { break-before: page; page-break-before: always; }\n"
      "@media print { .charts { break-inside: avoid; } }\n"
      ".marking { text-align: center; font-weight: bold; }\n"
      "</style></head><body>\n<p class=\"marking\">", Html(r.protective_marking()),
      "</p>\n<h1>", Html(r.title()), ": ", Html(r.term()),
      "</h1>\n<p>", Html(r.authority()), ". ", r.first_day(), " to ", r.last_day(),
      ", as known at ", Html(r.known_at()), ".</p>\n<section class=\"charts\" id=\"charts\">\n",
      BarChart("Causing concern per week", weeks, {per_week}, {}), "\n",
      BarChart("Designations and removals per half term", halves, {designated, removed},
               {"designated", "removed"}),
      "\n", BarChart("Time in SCC at the end of term", bands, {in_band}, {}), "\n",
      BarChart("Overdue obligations by type", types, {overdue}, {}),
      "\n</section>\n<h2>Local authority summary</h2>\n<table>\n");
  for (const auto& [k, v] : SummaryRows(r)) {
    absl::StrAppend(&html, "<tr><th>", Html(k), "</th><td>", Html(v), "</td></tr>\n");
  }
  html += "</table>\n";
  if (!r.compared_with().empty()) {
    absl::StrAppend(&html, "<h2>Changes since the report as known at ", Html(r.compared_with()),
                    "</h2>\n<ul>\n");
    if (r.changes().empty()) html += "<li>None.</li>\n";
    for (const std::string& c : r.changes()) absl::StrAppend(&html, "<li>", Html(c), "</li>\n");
    html += "</ul>\n";
  }
  for (const v1::ProgressPage& p : r.pages()) {
    absl::StrAppend(&html, "<section class=\"page\"><h2>", Html(p.urn()), " ", Html(p.name()),
                    "</h2>\n<table>\n");
    for (const auto& [k, v] : PageRows(p, PeriodWord(r))) {
      absl::StrAppend(&html, "<tr><th>", Html(k), "</th><td>", Html(v), "</td></tr>\n");
    }
    html += "</table></section>\n";
  }
  html += "</body></html>\n";
  return html;
}

}  // namespace scc::reports
