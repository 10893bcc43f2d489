// National-scale benchmark: a generated log the size of England's (by default 25,000 schools and
// 65,000 early-years providers, ten years of history recorded in date order), served by the
// real sccd and used as the console and sccctl use it: the dashboard's lists, search by name,
// lists as of past dates (from term snapshots, beside the full fold of the log they replace),
// the termly report, and sccctl's import of a national GIAS file (one authority selected) and of
// an Ofsted MI file. Prints a Markdown table with each goal met or not and writes JSON and
// Markdown into --out.
//
// Usage: national_bench [--out DIR] [--schools N] [--settings N] [--years N] [--queries N]
//                       [--sccctl PATH] [--keep-data DIR] [--report-only true]
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "scc/v1/projections.grpc.pb.h"
#include "scc/v1/reports.grpc.pb.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/projections/term_calendar.h"
#include "services/projections/term_snapshots.h"
#include "services/reports/term_report.h"
#include "storage/test_util.h"
#include "tests/bench/generated_log.h"
#include "tests/bench/machine.h"
#include "tests/integration/sccd_process.h"

namespace scc::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Options {
  std::string out = "bench-results";
  int schools = 25'000;
  int settings = 65'000;
  int years = 10;
  int queries = 200;
  std::string sccctl = "build/clients/sccctl";
  std::string keep_data;  // generate here (or reuse what is here) instead of a temp dir
  bool report_only = false;  // the termly report's figures only (to profile it)
};

constexpr const char* kFirst[] = {"Oak", "Ash", "Elm", "Beech", "Willow", "Meadow", "Brook",
                                  "Hill", "Park", "Green", "Church", "Manor", "Castle", "Mill",
                                  "Orchard", "River", "Forest", "Heath", "Valley", "Bridge"};
constexpr const char* kSecond[] = {"field", "wood", "side", "lands", "bank", "gate", "view",
                                   "dale", "croft", "mead"};

std::string Name(int i, bool setting) {
  const std::string place = absl::StrCat(kFirst[i % 20], kSecond[(i / 20) % 10]);
  if (setting) return absl::StrCat(place, i % 3 == 0 ? " Day Nursery" : " Pre-School ", i / 200);
  return absl::StrCat(place, i % 4 == 0 ? " Infant School " : " Primary School ", i / 200);
}

std::string Urn(int i, int schools) {
  return i < schools ? absl::StrCat(100000 + i) : absl::StrFormat("EY%06d", i - schools);
}

// A term calendar over the years of history and the next one (the snapshots' boundaries).
std::string Calendar(int first_year, int last_year) {
  std::string text;
  for (int y = first_year; y <= last_year; ++y) {
    const std::string ay = absl::StrFormat("%d/%02d", y, (y + 1) % 100);
    absl::StrAppendFormat(&text,
                          "%s autumn 1 %d-09-03 %d-10-24\n%s autumn 2 %d-11-03 %d-12-19\n"
                          "%s spring 1 %d-01-05 %d-02-13\n%s spring 2 %d-02-23 %d-04-02\n"
                          "%s summer 1 %d-04-20 %d-05-22\n%s summer 2 %d-06-01 %d-07-21\n",
                          ay, y, y, ay, y, y, ay, y + 1, y + 1, ay, y + 1, y + 1, ay, y + 1,
                          y + 1, ay, y + 1, y + 1);
  }
  return text;
}

// The k-th event (k >= 1) of institution i: visits, RAG ratings, Ofsted outcomes, and for one
// school in twelve an SCC episode of reviews every few years.
v1::EventPayload Event(int i, bool setting, int k, absl::CivilDay day) {
  v1::EventPayload p;
  const bool scc = !setting && i % 12 == 0;
  const int step = (k + i / 12) % 40;  // staggered: some are in SCC on any date
  if (scc && step < 5) {
    switch (step) {
      case 1: {
        v1::Trigger* t = p.mutable_concern_raised()->add_triggers();
        t->set_trigger(v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE);
        t->set_evidence("generated");
        return p;
      }
      case 2: {
        v1::Trigger* t = p.mutable_srg_designated()->add_triggers();
        t->set_trigger(v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE);
        t->set_evidence("generated");
        p.mutable_srg_designated()->set_letter_sent_on(domain::FormatDate(day));
        return p;
      }
      case 3:
        p.mutable_lead_officer_assigned()->set_lead_officer_id(absl::StrCat("lo-", i % 40));
        p.mutable_lead_officer_assigned()->set_lead_officer_name("Officer");
        return p;
      case 4:
        p.mutable_action_plan_agreed()->set_version(1);
        p.mutable_action_plan_agreed()->mutable_plan()->add_key_issues("Reading");
        return p;
      default:
        break;
    }
  }
  if (scc && step == 30) {
    p.mutable_scc_removed()->set_srg_confirmed_on(domain::FormatDate(day));
    p.mutable_scc_removed()->set_headteacher_agreed_on(domain::FormatDate(day));
    p.mutable_scc_removed()->set_review_date(domain::FormatDate(day));
    return p;
  }
  switch (k % 4) {
    case 0:
      if (k % 12 == 0) {
        p.mutable_ofsted_outcome_recorded()->set_inspection_date(domain::FormatDate(day - 5));
        p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_overall(
            i % 5 == 0 ? v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT : v1::OFSTED_GRADE_GOOD);
        return p;
      }
      [[fallthrough]];
    case 1:
      p.mutable_visit_recorded()->set_kind(v1::VISIT_KIND_SCHOOL_EFFECTIVENESS);
      p.mutable_visit_recorded()->set_visitor("lni");
      return p;
    case 2:
      if (scc && step > 5 && step < 30) {
        p.mutable_srg_review_outcome_recorded()->set_outcome(v1::SRG_OUTCOME_CONTINUE);
        return p;
      }
      [[fallthrough]];
    default:
      p.mutable_rag_rating_recorded()->set_rating(i % 7 == 0 ? v1::RAG_RATING_AMBER
                                                             : v1::RAG_RATING_GREEN);
      p.mutable_rag_rating_recorded()->set_capacity(v1::CAPACITY_TO_IMPROVE_SECURE);
      return p;
  }
}

struct Generated {
  uint64_t events = 0;
  double seconds = 0;
};

// Registers every institution on the first day, then records each one's events every
// `spacing` days (staggered), day by day, as a live service would have recorded them.
Generated GenerateNational(const std::string& dir, const Options& o, absl::CivilDay first,
                           absl::CivilDay last) {
  const auto start = Clock::now();
  auto log = Must(storage::EventLog::Open(dir + "/events"));
  const int total = o.schools + o.settings;
  constexpr int kSpacing = 33;  // days between an institution's events: about 11 a year
  std::vector<int> next_k(total, 1);
  for (absl::CivilDay day = first; day <= last; ++day) {
    std::vector<storage::EventLog::AppendRequest> batch;
    const int offset = static_cast<int>(day - first);
    for (int i = 0; i < total; ++i) {
      const bool setting = i >= o.schools;
      v1::EventPayload p;
      if (offset == 0) {
        auto* d = p.mutable_institution_registered()->mutable_details();
        d->set_name(Name(i, setting));
        d->set_kind(setting ? v1::INSTITUTION_KIND_EARLY_YEARS_SETTING
                            : v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
        d->set_phase(setting ? v1::PHASE_NURSERY : v1::PHASE_PRIMARY);
        d->set_la_code(absl::StrCat(303 + i % 150));
      } else if ((offset + i) % kSpacing == 0) {
        p = Event(i, setting, next_k[i]++, day);
      } else {
        continue;
      }
      storage::EventLog::AppendRequest r;
      r.stream = codec::StreamName(Urn(i, o.schools));
      r.events.push_back(Encode(p, domain::FormatDate(day), absl::StrCat(i, "-", next_k[i])));
      batch.push_back(std::move(r));
    }
    for (size_t from = 0; from < batch.size(); from += 5000) {
      const size_t to = std::min(batch.size(), from + 5000);
      absl::BlockingCounter done(static_cast<int>(to - from));
      std::vector<storage::EventLog::AppendRequest> chunk;
      for (size_t k = from; k < to; ++k) {
        batch[k].done = [&done](absl::StatusOr<storage::AppendResult> r) {
          if (!r.ok()) Die(r.status().ToString());
          done.DecrementCount();
        };
        chunk.push_back(std::move(batch[k]));
      }
      log->AppendAllAsync(std::move(chunk));
      done.Wait();
    }
    if (offset % 365 == 0) {
      std::fprintf(stderr, "\r[bench] generating: %s, %llu events", domain::FormatDate(day).c_str(),
                   static_cast<unsigned long long>(log->NextPosition()));
    }
  }
  Generated g{log->NextPosition(), MsSince(start) / 1000};
  std::fprintf(stderr, "\n[bench] generated %llu events in %.0f s\n",
               static_cast<unsigned long long>(g.events), g.seconds);
  return g;
}

struct Latency {
  int n = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

template <typename Fn>
Latency Time(int n, Fn fn) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    fn(i);
    ms.push_back(MsSince(start));
  }
  std::sort(ms.begin(), ms.end());
  return {n, ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], ms.back()};
}

void Check(const grpc::Status& s, const std::string& what) {
  if (!s.ok()) Die(absl::StrCat(what, ": ", s.error_message()));
}

// A national GIAS export (edubasealldata layout, the sample's columns) of `rows` establishments,
// `local` of them in authority 302; and an Ofsted MI file of graded inspections for schools.
void WriteImportFiles(const std::string& gias, const std::string& ofsted, int rows, int local) {
  std::ifstream sample("clients/samples/edubasealldata_sample.csv");
  std::string header, row;
  std::getline(sample, header);
  std::getline(sample, row);  // a primary school of authority 302: the template row
  std::vector<std::string> cells;
  for (size_t at = 0; at < row.size();) {  // quoted cells, no commas inside the ones changed
    const size_t end = row.find("\",\"", at);
    cells.push_back(row.substr(at, end == std::string::npos ? std::string::npos : end + 1 - at));
    if (end == std::string::npos) break;
    at = end + 2;
  }
  std::ofstream out(gias);
  out << header << "\n";
  for (int i = 0; i < rows; ++i) {
    std::vector<std::string> c = cells;
    const int la = i < local ? 302 : 303 + i % 150;
    c[0] = absl::StrCat("\"", 400000 + i, "\"");
    c[1] = absl::StrCat("\"", la, "\"");
    c[2] = absl::StrCat("\"Authority ", la, "\"");
    c[3] = absl::StrCat("\"", 2000 + i % 7000, "\"");
    c[4] = absl::StrCat("\"", Name(i, false), "\"");
    out << absl::StrJoin(c, ",") << "\n";
  }
  std::ifstream mi_sample("clients/samples/ofsted_graded_2024.csv");
  std::string mi_header, mi_row;
  std::getline(mi_sample, mi_header);
  std::getline(mi_sample, mi_row);
  const std::string rest = mi_row.substr(mi_row.find(',') + 1);
  std::ofstream mi(ofsted);
  mi << mi_header << "\n";
  for (int i = 0; i < rows / 2; ++i) mi << (400000 + i) << "," << rest << "\n";
}

double RunSccctl(const Options& o, const testing::SccdProcess& sccd,
                 const std::vector<std::string>& args) {
  std::string command = absl::StrCat(o.sccctl, " --server ", sccd.address(), " --token ",
                                     testing::kServiceToken);
  for (const std::string& a : args) absl::StrAppend(&command, " ", a);
  absl::StrAppend(&command, " > /tmp/national_bench_sccctl.log 2>&1");
  const auto start = Clock::now();
  const int rc = std::system(command.c_str());
  const double ms = MsSince(start);
  if (rc != 0) Die(absl::StrCat("sccctl failed (", command, "); see /tmp/national_bench_sccctl.log"));
  return ms;
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    bool ok = true;
    if (flag == "--out") o.out = value;
    else if (flag == "--schools") ok = absl::SimpleAtoi(value, &o.schools);
    else if (flag == "--settings") ok = absl::SimpleAtoi(value, &o.settings);
    else if (flag == "--years") ok = absl::SimpleAtoi(value, &o.years) && o.years > 0;
    else if (flag == "--queries") ok = absl::SimpleAtoi(value, &o.queries) && o.queries > 0;
    else if (flag == "--sccctl") o.sccctl = value;
    else if (flag == "--keep-data") o.keep_data = value;
    else if (flag == "--report-only") ok = absl::SimpleAtob(value, &o.report_only);
    else ok = false;
    if (!ok) {
      Die("usage: national_bench [--out DIR] [--schools N] [--settings N] [--years N] "
          "[--queries N] [--sccctl PATH] [--keep-data DIR] [--report-only true]");
    }
  }
  const absl::CivilDay last(2026, 11, 30);
  const absl::CivilDay first(last.year() - o.years, 9, 1);
  storage::testing::TempDir temp;
  const std::string data = o.keep_data.empty() ? temp.Sub("data") : o.keep_data;
  std::filesystem::create_directories(data);
  const std::string calendar_path = data + "/../national-term-calendar.txt";
  std::ofstream(calendar_path) << Calendar(first.year(), last.year() + 1);
  const auto calendar = Must(projections::TermCalendar::Load(calendar_path));

  Generated generated;
  if (std::filesystem::exists(data + "/events")) {
    generated.events = Must(storage::EventLog::Open(data + "/events"))->NextPosition();
  } else {
    generated = GenerateNational(data, o, first, last);
  }
  const int institutions = o.schools + o.settings;

  // The termly report, in process on the same log, as ReportService builds it: by a scan of the
  // whole log (while the term's snapshots are not held), then from the snapshots, best of 3.
  double report_scan_ms = 0, report_snapshots_built_ms = 0, report_best_ms = 1e18;
  size_t report_pages = 0;
  {
    auto log = Must(storage::EventLog::Open(data + "/events"));
    const projections::Period* term =
        Must(reports::FindPeriod(calendar, absl::StrCat(last.year() - 1, "-summer"),
                                 v1::REPORT_AUDIENCE_UNSPECIFIED));
    projections::TermSnapshots snapshots(log.get(), &calendar, {});
    auto build = [&](projections::TermSnapshots* from) {
      const auto start = Clock::now();
      v1::TermReport report = Must(reports::BuildTermReport(
          *log, calendar, *term, absl::Now(), {v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT, "bench"}, {},
          {}, v1::REPORT_AUDIENCE_UNSPECIFIED, absl::InfiniteFuture(), from));
      report_pages = report.pages_size();
      return MsSince(start);
    };
    std::fprintf(stderr, "[bench] the termly report by a scan of the log\n");
    report_scan_ms = build(nullptr);
    std::fprintf(stderr, "[bench] building the term's snapshots, then the report from them\n");
    const auto start = Clock::now();
    if (!Must(snapshots.OverPeriod(*term, absl::Now(), log->NextPosition(),
                                   /*build_missing=*/true, absl::InfiniteFuture()))) {
      Die("the term's snapshots could not be used");
    }
    report_snapshots_built_ms = MsSince(start);
    for (int run = 0; run < 3; ++run) report_best_ms = std::min(report_best_ms, build(&snapshots));
    if (snapshots.stats().periods_read < 3) Die("the reports did not use the snapshots");
  }
  if (o.report_only) {
    std::printf("termly report (%zu pages): scanning the log %.0f ms; snapshots built %.0f ms; "
                "from the snapshots, best of 3: %.0f ms\n",
                report_pages, report_scan_ms, report_snapshots_built_ms, report_best_ms);
    return 0;
  }

  std::fprintf(stderr, "[bench] starting sccd on %llu events\n",
               static_cast<unsigned long long>(generated.events));
  const auto start = Clock::now();
  testing::SccdProcess::Options sccd_options;
  sccd_options.term_calendar = calendar_path;
  sccd_options.extra_args = {"--today", domain::FormatDate(last)};
  auto sccd = Must(testing::SccdProcess::Start(data, sccd_options));
  auto projections = v1::ProjectionService::NewStub(sccd->channel());
  {  // the read model caught up
    v1::GetInstitutionRequest get;
    get.set_urn(Urn(institutions - 1, o.schools));
    get.mutable_options()->set_min_position(generated.events - 1);
    v1::InstitutionStatus status;
    auto ctx = testing::Authorized(testing::kHosiToken);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    Check(projections->GetInstitution(ctx.get(), get, &status), "waiting for the read model");
  }
  const double start_s = MsSince(start) / 1000;
  const double rss_started_mb = testing::ProcessStatusKb(sccd->pid(), "VmRSS") / 1024.0;
  std::mt19937 rng(7);
  auto list = [&](v1::ListInstitutionsRequest request, const std::string& what) {
    v1::ListInstitutionsResponse response;
    auto ctx = testing::Authorized(testing::kHosiToken);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    Check(projections->ListInstitutions(ctx.get(), request, &response), what);
    return response.total();
  };
  // The dashboard: causing concern, longest first; one Lead Officer's; search by name.
  v1::ListInstitutionsRequest concern;
  concern.set_causing_concern(true);
  concern.set_sort(v1::INSTITUTION_SORT_DAYS_IN_SCC);
  uint32_t concern_total = 0;
  const Latency dashboard = Time(o.queries, [&](int) { concern_total = list(concern, "dashboard"); });
  const Latency by_officer = Time(o.queries, [&](int i) {
    v1::ListInstitutionsRequest r;
    r.set_lead_officer_id(absl::StrCat("lo-", i % 40));
    list(r, "by Lead Officer");
  });
  const Latency obligations = Time(std::max(10, o.queries / 10), [&](int) {
    v1::ListObligationsRequest r;
    r.set_overdue_only(true);
    v1::ListObligationsResponse response;
    auto ctx = testing::Authorized(testing::kHosiToken);
    Check(projections->ListObligations(ctx.get(), r, &response), "overdue obligations");
  });
  const Latency search = Time(o.queries, [&](int i) {
    v1::ListInstitutionsRequest r;
    r.set_query(absl::StrCat(kFirst[i % 20], kSecond[(i / 20) % 10], " Primary School ", i % 100));
    list(r, "search");
  });
  // As of dates in the last two half terms, whose snapshots sccd holds by default (a third
  // would drop one and build it again when read). The first read of a half term waits for its
  // snapshot; the first read of a date derives that date's view from it; further reads of the
  // date (pages, filters) read the view.
  const projections::Period* current_half = calendar.HalfTermAt(last);
  if (current_half == nullptr) Die("the generated term calendar does not cover the last day");
  const projections::Period* previous_half = calendar.Previous(current_half);
  const int span = static_cast<int>(last - (previous_half != nullptr ? previous_half->start
                                                                     : current_half->start));
  std::vector<absl::CivilDay> dates;
  for (int i = 0; i < std::max(4, o.queries / 16); ++i) {
    dates.push_back(last - std::uniform_int_distribution<int>(0, span)(rng));
  }
  auto as_of = [&](absl::CivilDay day, std::optional<absl::Time> known_at, int page) {
    v1::ListInstitutionsRequest r;
    r.mutable_options()->set_as_of(domain::FormatDate(day));
    if (known_at) codec::SetTimestamp(*known_at, r.mutable_options()->mutable_known_at());
    r.set_causing_concern(true);
    r.set_sort(v1::INSTITUTION_SORT_DAYS_IN_SCC);
    if (page > 0) r.set_page_token(absl::StrCat(page * 50));
    list(r, "as of");
  };
  std::vector<double> builds_ms;
  std::set<absl::CivilDay> seen_boundaries;
  for (absl::CivilDay day : dates) {  // first reads, one per half term, on its first day
    const projections::Period* half = calendar.HalfTermAt(day);
    if (half == nullptr || !seen_boundaries.insert(half->start).second) continue;
    const auto t = Clock::now();
    as_of(half->start, std::nullopt, 0);
    builds_ms.push_back(MsSince(t));
  }
  const Latency as_of_first = Time(static_cast<int>(dates.size()),
                                   [&](int i) { as_of(dates[i], std::nullopt, 0); });
  const int pages = 10;
  const Latency as_of_again = Time(static_cast<int>(dates.size()) * pages, [&](int i) {
    as_of(dates[i / pages], std::nullopt, 1 + i % pages);
  });
  const double rss_snapshots_mb = testing::ProcessStatusKb(sccd->pid(), "VmRSS") / 1024.0;
  // The same reads known at an instant before the log was generated: no snapshot knows so
  // little, so they fold the whole log, as every as-of read did before.
  const absl::Time before_last = absl::Now() - absl::Hours(1000);
  const Latency as_of_full = Time(3, [&](int i) { as_of(dates[i], before_last, 0); });

  // Imports: a national GIAS file with one authority selected, then again (nothing new); an
  // Ofsted MI file for those schools.
  const std::string gias = data + "/../national_gias.csv", mi = data + "/../national_ofsted.csv";
  constexpr int kGiasRows = 50'000, kLocal = 600;
  WriteImportFiles(gias, mi, kGiasRows, kLocal);
  const double gias_first_ms = RunSccctl(o, *sccd, {"import", "institutions", gias, "--la", "302"});
  const double gias_again_ms = RunSccctl(o, *sccd, {"import", "institutions", gias, "--la", "302"});
  const double ofsted_ms = RunSccctl(o, *sccd, {"import", "ofsted", mi});

  const double build_ms_max = builds_ms.empty() ? 0 : *std::max_element(builds_ms.begin(), builds_ms.end());
  struct Goal {
    std::string what;
    double value;
    std::string unit;
    double goal;
  };
  const std::vector<Goal> goals = {
      {"dashboard list p99 (causing concern, longest first)", dashboard.p99_ms, "ms", 50},
      {"one Lead Officer's list p99", by_officer.p99_ms, "ms", 50},
      {"search by name p99", search.p99_ms, "ms", 50},
      {"as-of list p50, first read of a date (snapshot held)", as_of_first.p50_ms, "ms", 100},
      {"as-of list p50, further reads of the date", as_of_again.p50_ms, "ms", 100},
      {"termly report from the term's snapshots, best of 3", report_best_ms, "ms", 1000},
      {"national GIAS import, one authority", gias_first_ms, "ms", 5000},
  };
  std::string md = absl::StrFormat(
      "# National-scale benchmark\n\n%s\n\n%d schools and %d early-years providers (%d "
      "institutions), %d years of history from %s recorded in date order: %llu events%s. "
      "sccd started and its read model caught up in %.1f s. %d queries each, one at a time "
      "over gRPC with the HoSI's token.\n\n"
      "| query | n | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n",
      Machine(), o.schools, o.settings, institutions, o.years, domain::FormatDate(first),
      static_cast<unsigned long long>(generated.events),
      generated.seconds > 0 ? absl::StrFormat(" (generated in %.0f s)", generated.seconds) : "",
      start_s, o.queries);
  auto row = [&](const std::string& what, const Latency& l) {
    absl::StrAppendFormat(&md, "| %s | %d | %.1f | %.1f | %.1f |\n", what, l.n, l.p50_ms, l.p99_ms,
                          l.max_ms);
  };
  row(absl::StrCat("dashboard: causing concern, longest first (", concern_total, ")"), dashboard);
  row("one Lead Officer's institutions", by_officer);
  row("overdue obligations", obligations);
  row("search by name", search);
  row("as of a date in the last two half terms: first read of the date", as_of_first);
  row("as of: further pages of the same date", as_of_again);
  row("as of, known at an earlier instant: full fold (the old path)", as_of_full);
  absl::StrAppendFormat(
      &md,
      "\nFirst as-of read of a half term (waits for its snapshot): %s ms. sccd's resident memory: "
      "%.0f MB once caught up, %.0f MB holding the snapshots.\n\n"
      "| other | ms |\n|---|---:|\n| termly report (%zu institution pages), scanning the whole "
      "log | %.0f |\n| the term's two half-term snapshots built (sccd: in the background) | %.0f |\n"
      "| termly report from the snapshots, best of 3 | %.0f |\n| GIAS import (%d rows, %d of authority 302), first "
      "| %.0f |\n| the same file again (nothing new) | %.0f |\n| Ofsted MI import (%d rows) | "
      "%.0f |\n\n## Goals\n\n| goal | measured | goal | met |\n|---|---:|---:|---|\n",
      absl::StrJoin(builds_ms, ", ", [](std::string* s, double v) { absl::StrAppendFormat(s, "%.0f", v); }),
      rss_started_mb, rss_snapshots_mb,
      report_pages, report_scan_ms, report_snapshots_built_ms, report_best_ms, kGiasRows, kLocal, gias_first_ms,
      gias_again_ms, kGiasRows / 2, ofsted_ms);
  std::string json = absl::StrFormat(
      "{\n  \"machine\": \"%s\",\n  \"institutions\": %d,\n  \"events\": %llu,\n  \"start_s\": %.2f,\n"
      "  \"snapshot_build_ms_max\": %.1f,\n  \"rss_mb\": {\"caught_up\": %.0f, \"with_snapshots\": %.0f},\n"
      "  \"goals\": [\n",
      Machine(), institutions, static_cast<unsigned long long>(generated.events), start_s,
      build_ms_max, rss_started_mb, rss_snapshots_mb);
  for (size_t k = 0; k < goals.size(); ++k) {
    const Goal& g = goals[k];
    const bool met = g.value <= g.goal;
    absl::StrAppendFormat(&md, "| %s | %.1f %s | <= %.0f %s | %s |\n", g.what, g.value, g.unit,
                          g.goal, g.unit, met ? "yes" : "no");
    absl::StrAppendFormat(&json, "    {\"goal\": \"%s\", \"value\": %.2f, \"limit\": %.0f, \"met\": %s}%s\n",
                          g.what, g.value, g.goal, met ? "true" : "false",
                          k + 1 < goals.size() ? "," : "");
  }
  absl::StrAppendFormat(&json,
                        "  ],\n  \"latency_ms\": {\"obligations_p99\": %.2f, \"as_of_full_p50\": "
                        "%.2f, \"report_scan\": %.1f, \"report_snapshots_built\": %.1f, "
                        "\"gias_again\": %.1f, \"ofsted\": %.1f}\n}\n",
                        obligations.p99_ms, as_of_full.p50_ms, report_scan_ms,
                        report_snapshots_built_ms, gias_again_ms,
                        ofsted_ms);
  std::printf("%s", md.c_str());
  std::filesystem::create_directories(o.out);
  std::ofstream(o.out + "/national.md") << md;
  std::ofstream(o.out + "/national.json") << json;
  return 0;
}

}  // namespace
}  // namespace scc::bench

int main(int argc, char** argv) { return scc::bench::Main(argc, argv); }
