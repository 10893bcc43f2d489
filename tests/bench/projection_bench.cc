// Projection benchmark: rebuild throughput (events/s) on generated SCC event logs, and query
// latency (p50/p99: Get, List with filters, as-of Get) in process, at two institution counts.
// Prints a Markdown table and writes JSON and Markdown into --out.
//
// Usage: projection_bench [--out DIR] [--events N] [--institutions 10000,100000] [--queries N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/projections/as_of.h"
#include "services/projections/institution_projection.h"
#include "services/projections/status.h"
#include "storage/test_util.h"

namespace scc::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Config {
  std::string out = "bench-results";
  uint64_t events = 1000000;
  std::vector<int> institutions = {10000, 100000};
  int queries = 2000;
  std::string calendar = "deploy/term-calendar.txt";
};

void Die(const std::string& what) {
  std::fprintf(stderr, "projection_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) Die(v.status().ToString());
  return *std::move(v);
}

storage::EventData Encode(const v1::EventPayload& payload, const std::string& date,
                          const std::string& id) {
  v1::EventMetadata m;
  m.set_event_id(id);
  m.set_actor("bench");
  m.set_role(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT);
  m.set_effective_date(date);
  m.set_reason("generated");
  return {codec::EventType(payload), payload.SerializeAsString(), m.SerializeAsString()};
}

// One institution's stream: registration, then (for a third of them) an SCC cycle, then visits,
// reviews and SRG reviews until it has `count` events. Dates advance a few days per event.
std::vector<storage::EventData> Stream(int index, uint64_t count) {
  std::vector<storage::EventData> events;
  absl::CivilDay day(2024, 9, 2);
  auto add = [&](const v1::EventPayload& p) {
    events.push_back(Encode(p, domain::FormatDate(day), absl::StrCat(index, "-", events.size())));
    day += 3;
  };
  v1::EventPayload p;
  auto* details = p.mutable_institution_registered()->mutable_details();
  details->set_name(absl::StrCat("School ", index));
  details->set_kind(v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
  details->set_phase(v1::PHASE_PRIMARY);
  add(p);
  const bool scc = index % 3 == 0;
  if (scc && count > 6) {
    v1::Trigger t;
    t.set_trigger(v1::CONCERN_TRIGGER_LA_JUDGES_RI_OR_WORSE);
    t.set_evidence("generated");
    p.Clear();
    *p.mutable_concern_raised()->add_triggers() = t;
    add(p);
    p.Clear();
    *p.mutable_srg_designated()->add_triggers() = t;
    p.mutable_srg_designated()->set_letter_sent_on(domain::FormatDate(day));
    add(p);
    p.Clear();
    p.mutable_lead_officer_assigned()->set_lead_officer_id(absl::StrCat("lo-", index % 40));
    p.mutable_lead_officer_assigned()->set_lead_officer_name("Officer");
    add(p);
    p.Clear();
    p.mutable_action_plan_agreed()->set_version(1);
    p.mutable_action_plan_agreed()->mutable_plan()->add_key_issues("Reading");
    add(p);
  }
  uint32_t version = 1;
  while (events.size() < count) {
    p.Clear();
    switch (events.size() % 4) {
      case 0:
        if (scc) {
          p.mutable_action_plan_review_held()->set_reviewed_version(version);
          p.mutable_action_plan_review_held()->set_new_version(++version);
          break;
        }
        [[fallthrough]];
      case 1:
        p.mutable_visit_recorded()->set_kind(v1::VISIT_KIND_SCHOOL_EFFECTIVENESS);
        p.mutable_visit_recorded()->set_visitor("lni");
        break;
      case 2:
        p.mutable_ofsted_outcome_recorded()->set_inspection_date(domain::FormatDate(day - 5));
        p.mutable_ofsted_outcome_recorded()->mutable_legacy()->set_overall(
            index % 5 == 0 ? v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT : v1::OFSTED_GRADE_GOOD);
        break;
      default:
        if (scc) {
          p.mutable_srg_review_outcome_recorded()->set_outcome(v1::SRG_OUTCOME_CONTINUE);
        } else {
          p.mutable_rag_rating_recorded()->set_rating(v1::RAG_RATING_GREEN);
          p.mutable_rag_rating_recorded()->set_capacity(v1::CAPACITY_TO_IMPROVE_SECURE);
        }
        break;
    }
    add(p);
  }
  return events;
}

void Generate(storage::EventLog& log, int institutions, uint64_t total) {
  const uint64_t per = std::max<uint64_t>(1, total / institutions);
  for (int i = 0; i < institutions; ++i) {
    std::vector<storage::EventData> stream = Stream(i, per);
    for (size_t from = 0; from < stream.size(); from += 500) {
      std::vector<storage::EventData> chunk(stream.begin() + from,
                                            stream.begin() + std::min(stream.size(), from + 500));
      Must(log.Append(codec::StreamName(absl::StrCat(100000 + i)), storage::ExpectedVersion::Any(),
                      std::move(chunk), ""));
    }
    if (i % (institutions / 10 + 1) == 0) {
      std::fprintf(stderr, "\r[bench] generating %d institutions: %d%%", institutions,
                   i * 100 / institutions);
    }
  }
  std::fprintf(stderr, "\r[bench] generated %llu events for %d institutions\n",
               static_cast<unsigned long long>(log.NextPosition()), institutions);
}

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
};

template <typename Fn>
Latency Time(int n, Fn fn) {
  std::vector<double> us;
  us.reserve(n);
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    fn(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

struct Row {
  int institutions = 0;
  uint64_t events = 0;
  double rebuild_events_per_sec = 0;
  double open_ms = 0;
  Latency get, list, as_of_get;
};

Row Run(const Config& config, int institutions, const projections::TermCalendar& calendar) {
  storage::testing::TempDir dir;
  Row row;
  row.institutions = institutions;
  auto log = Must(storage::EventLog::Open(dir.Sub("events")));
  Generate(*log, institutions, config.events);
  row.events = log->NextPosition();

  auto store = Must(storage::KvStore::Open(dir.Sub("projections")));
  std::fprintf(stderr, "[bench] rebuilding projections from %llu events...\n",
               static_cast<unsigned long long>(row.events));
  const auto start = Clock::now();
  absl::Status s = projections::InstitutionProjection::RebuildOffline(log.get(), store.get(), {},
                                                                      nullptr);
  if (!s.ok()) Die(s.ToString());
  row.rebuild_events_per_sec =
      row.events / std::chrono::duration<double>(Clock::now() - start).count();

  const auto opening = Clock::now();
  auto projection = Must(projections::InstitutionProjection::Open(log.get(), store.get(), {}));
  row.open_ms = std::chrono::duration<double, std::milli>(Clock::now() - opening).count();

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, institutions - 1);
  const absl::CivilDay today(2026, 11, 23);
  const projections::ObligationRules rules;
  row.get = Time(config.queries, [&](int) {
    auto state = projection->Get(absl::StrCat(100000 + pick(rng)));
    if (state == nullptr) Die("institution missing");
    v1::InstitutionStatus status = projections::BuildStatus(*state, today, calendar, rules);
    if (status.urn().empty()) Die("empty status");
  });
  // List: institutions causing concern with a given Lead Officer, first page of 50, as
  // ProjectionService does it.
  row.list = Time(std::max(20, config.queries / 50), [&](int i) {
    const std::string lo = absl::StrCat("lo-", i % 40);
    std::vector<projections::InstitutionProjection::StatePtr> page =
        projection->Select([&lo](const domain::InstitutionState& s) {
          return domain::IsCausingConcern(s.state()) && s.lead_officer().lead_officer_id() == lo;
        });
    for (size_t k = 0; k < page.size() && k < 50; ++k) {
      projections::BuildStatus(*page[k], today, calendar, rules);
    }
  });
  projections::TimeFilter filter;
  filter.as_of = "2025-06-30";
  row.as_of_get = Time(config.queries / 4, [&](int) {
    auto state = Must(projections::FoldAsOf(*log, absl::StrCat(100000 + pick(rng)), filter));
    projections::BuildStatus(state, today, calendar, rules);
  });
  projection.reset();
  return row;
}

Config ParseFlags(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: projection_bench [--out DIR] [--events N] [--institutions A,B] "
                  "[--queries N] [--calendar FILE]\n");
      std::exit(0);
    }
    if (i + 1 >= argc) Die(absl::StrCat(flag, " needs a value"));
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--out") {
      c.out = value;
    } else if (flag == "--calendar") {
      c.calendar = value;
    } else if (flag == "--events") {
      ok = absl::SimpleAtoi(value, &c.events) && c.events > 0;
    } else if (flag == "--queries") {
      ok = absl::SimpleAtoi(value, &c.queries) && c.queries > 0;
    } else if (flag == "--institutions") {
      c.institutions.clear();
      for (absl::string_view v : absl::StrSplit(value, ',')) {
        int n = 0;
        ok = ok && absl::SimpleAtoi(v, &n) && n > 0;
        c.institutions.push_back(n);
      }
    } else {
      Die(absl::StrCat("unknown flag ", flag));
    }
    if (!ok) Die(absl::StrCat("bad value for ", flag, ": ", value));
  }
  return c;
}

}  // namespace
}  // namespace scc::bench

int main(int argc, char** argv) {
  using namespace scc::bench;  // NOLINT
  const Config config = ParseFlags(argc, argv);
  const auto calendar = Must(scc::projections::TermCalendar::Load(config.calendar));
  std::vector<Row> rows;
  for (int n : config.institutions) rows.push_back(Run(config, n, calendar));

  std::string md = absl::StrFormat(
      "# Projection benchmark\n\n%d cores; %llu generated events per run.\n\n"
      "| institutions | events | rebuild events/s | open ms | Get p50/p99 µs | List p50/p99 µs "
      "| as-of Get p50/p99 µs |\n|---:|---:|---:|---:|---:|---:|---:|\n",
      std::thread::hardware_concurrency(), static_cast<unsigned long long>(config.events));
  std::string json = "{\n  \"runs\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    absl::StrAppendFormat(&md, "| %d | %d | %.0f | %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |\n",
                          r.institutions, r.events, r.rebuild_events_per_sec, r.open_ms,
                          r.get.p50_us, r.get.p99_us, r.list.p50_us, r.list.p99_us,
                          r.as_of_get.p50_us, r.as_of_get.p99_us);
    absl::StrAppendFormat(
        &json,
        "    {\"institutions\": %d, \"events\": %d, \"rebuild_events_per_sec\": %.0f, "
        "\"open_ms\": %.1f, \"get_p50_us\": %.1f, \"get_p99_us\": %.1f, \"list_p50_us\": %.1f, "
        "\"list_p99_us\": %.1f, \"as_of_get_p50_us\": %.1f, \"as_of_get_p99_us\": %.1f}%s\n",
        r.institutions, r.events, r.rebuild_events_per_sec, r.open_ms, r.get.p50_us, r.get.p99_us,
        r.list.p50_us, r.list.p99_us, r.as_of_get.p50_us, r.as_of_get.p99_us,
        i + 1 < rows.size() ? "," : "");
  }
  json += "  ]\n}\n";
  md += "\nGoals: rebuild >= 200k events/s; Get p99 <= 1 ms in process; as-of Get <= 2 ms.\n";
  std::printf("%s", md.c_str());
  std::error_code ec;
  std::filesystem::create_directories(config.out, ec);
  std::ofstream(std::filesystem::path(config.out) / "projections.md") << md;
  std::ofstream(std::filesystem::path(config.out) / "projections.json") << json;
  return 0;
}
