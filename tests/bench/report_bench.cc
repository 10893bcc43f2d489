// Report benchmark: time to build and render the termly report (HTML and JSON) from generated
// logs with a year of events per institution, at several institution counts: by a scan of the
// whole log, and from the term's half-term snapshots once they are held (as sccd builds the
// report when it holds them). Prints a Markdown table and writes JSON and Markdown into --out.
//
// Usage: report_bench [--out DIR] [--institutions 10000,100000] [--events-per-institution N]
#include <chrono>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/projections/term_calendar.h"
#include "services/projections/term_snapshots.h"
#include "services/reports/term_report.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"

int main(int argc, char** argv) {
  using namespace scc;  // NOLINT
  using Clock = std::chrono::steady_clock;
  std::string out = "bench-results", calendar_path = "deploy/term-calendar.txt";
  std::vector<int> sizes = {10000, 100000};
  int per_institution = 20;  // one every 18 days: about a year
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--out") {
      out = value;
    } else if (flag == "--calendar") {
      calendar_path = value;
    } else if (flag == "--events-per-institution") {
      if (!absl::SimpleAtoi(value, &per_institution)) bench::Die("bad --events-per-institution");
    } else if (flag == "--institutions") {
      sizes.clear();
      for (absl::string_view v : absl::StrSplit(value, ',')) {
        int n = 0;
        if (!absl::SimpleAtoi(v, &n)) bench::Die("bad --institutions");
        sizes.push_back(n);
      }
    } else {
      bench::Die("usage: report_bench [--out DIR] [--institutions A,B] [--events-per-institution N]");
    }
  }
  const auto calendar = bench::Must(projections::TermCalendar::Load(calendar_path));
  const projections::Period* term = bench::Must(reports::FindPeriod(calendar, "2024-autumn", v1::REPORT_AUDIENCE_UNSPECIFIED));
  std::string md = absl::StrFormat(
      "# Report benchmark\n\n%d events per institution, 18 days apart from 2024-09-02; report for "
      "the 2024/25 autumn term. Scan: the whole log read for each report. Snapshots: the term's "
      "two half-term snapshots built once (sccd builds them in the background), then each report "
      "from them.\n\n| institutions | events | scan ms (first) | scan ms (best of 3) | snapshots "
      "built ms | from snapshots ms (best of 3) | HTML ms | JSON ms | HTML bytes |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      per_institution);
  std::string json = "{\n  \"runs\": [\n";
  for (size_t k = 0; k < sizes.size(); ++k) {
    storage::testing::TempDir dir;
    auto log = bench::Must(storage::EventLog::Open(dir.Sub("events")));
    bench::Generate(*log, sizes[k], static_cast<uint64_t>(sizes[k]) * per_institution, 18);
    // Three builds: the first also pays for a cold cache and the compactions the generation
    // left behind; the table shows the first and the best of three.
    std::fprintf(stderr, "[bench] building the report for %d institutions (3 times)...\n", sizes[k]);
    v1::TermReport report;
    double first_ms = 0, best_ms = 1e18;
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    auto build = [&](projections::TermSnapshots* snapshots) {
      double best = 1e18;
      for (int run = 0; run < 3; ++run) {
        const auto t0 = Clock::now();
        report = bench::Must(reports::BuildTermReport(
            *log, calendar, *term, absl::Now(), {v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, ""}, {}, {},
            v1::REPORT_AUDIENCE_UNSPECIFIED, absl::InfiniteFuture(), snapshots));
        const double took = ms(t0, Clock::now());
        if (run == 0) first_ms = took;
        best = std::min(best, took);
      }
      return best;
    };
    best_ms = build(nullptr);
    const double scan_first_ms = first_ms;
    std::fprintf(stderr, "[bench] building the term's snapshots, then the report from them...\n");
    projections::TermSnapshots snapshots(log.get(), &calendar, {});
    const auto s0 = Clock::now();
    if (!bench::Must(snapshots.OverPeriod(*term, absl::Now(), log->NextPosition(),
                                         /*build_missing=*/true, absl::InfiniteFuture()))) {
      bench::Die("the term's snapshots could not be used");
    }
    const double snapshots_ms = ms(s0, Clock::now());
    const double from_snapshots_ms = build(&snapshots);
    if (snapshots.stats().periods_read < 3) bench::Die("the reports did not use the snapshots");
    const auto t1 = Clock::now();
    const std::string html = reports::RenderHtml(report);
    const auto t2 = Clock::now();
    const std::string as_json = reports::RenderJson(report);
    const auto t3 = Clock::now();
    absl::StrAppendFormat(&md, "| %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %d |\n",
                          sizes[k], log->NextPosition(), scan_first_ms, best_ms, snapshots_ms,
                          from_snapshots_ms, ms(t1, t2), ms(t2, t3), html.size());
    absl::StrAppendFormat(&json,
                          "    {\"institutions\": %d, \"events\": %d, \"build_ms_first\": %.1f, "
                          "\"build_ms_best\": %.1f, \"snapshots_built_ms\": %.1f, "
                          "\"from_snapshots_ms_best\": %.1f, \"html_ms\": %.1f, "
                          "\"json_ms\": %.1f, \"html_bytes\": %d}%s\n",
                          sizes[k], log->NextPosition(), scan_first_ms, best_ms, snapshots_ms,
                          from_snapshots_ms, ms(t1, t2), ms(t2, t3), html.size(),
                          k + 1 < sizes.size() ? "," : "");
  }
  json += "  ]\n}\n";
  md += "\nGoal (issue 25): <= 1 s for 100k institutions, from the snapshots.\n";
  std::printf("%s", md.c_str());
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  std::ofstream(std::filesystem::path(out) / "report.md") << md;
  std::ofstream(std::filesystem::path(out) / "report.json") << json;
  return 0;
}
