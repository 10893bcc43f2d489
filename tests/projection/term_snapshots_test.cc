// Term snapshots against the full fold they stand in for, on a real event log: random streams
// with events recorded out of date order across half-term boundaries, corrections that withdraw,
// re-date or replace earlier events, and annotations; after every round, reads as of random
// dates and known at random instants from the snapshots equal FoldAllAsOf and FoldAsOf, while
// snapshots are refreshed and evicted under them; and the termly report from the snapshots
// equals the report from a scan of the whole log.
#include <random>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/domain/domain_test_util.h"
#include "services/projections/as_of.h"
#include "services/projections/term_snapshots.h"
#include "services/reports/term_report.h"
#include "storage/test_util.h"

namespace scc::projections {
namespace {

using domain::FormatDate;
using namespace domain::testing;  // NOLINT: builders
using google::protobuf::util::MessageDifferencer;

constexpr char kCalendar[] =
    "2024/25 autumn 1 2024-09-02 2024-10-25\n"
    "2024/25 autumn 2 2024-11-04 2024-12-20\n"
    "2024/25 spring 1 2025-01-06 2025-02-14\n"
    "2024/25 spring 2 2025-02-24 2025-04-04\n"
    "2024/25 summer 1 2025-04-22 2025-05-23\n"
    "2024/25 summer 2 2025-06-02 2025-07-22\n";

storage::EventData Encode(const v1::EventPayload& payload, absl::CivilDay day,
                          const std::string& id) {
  v1::EventMetadata m;
  m.set_event_id(id);
  m.set_actor("tester");
  m.set_role(v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT);
  m.set_effective_date(FormatDate(day));
  m.set_reason("recorded by the test");
  return {codec::EventType(payload), payload.SerializeAsString(), m.SerializeAsString()};
}

// A fact or a step; the fold does not judge whether it was allowed.
v1::EventPayload RandomFact(std::mt19937& rng) {
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  switch (pick(10)) {
    case 0: return Visit();
    case 1: return Rag();
    case 2: return Ofsted(pick(2) ? v1::OFSTED_GRADE_GOOD : v1::OFSTED_GRADE_INADEQUATE, "2024-09-10");
    case 3: return RaiseConcern();
    case 4: return Designate();
    case 5: return AssignLeadOfficer(absl::StrCat("lo-", pick(3)));
    case 6: return AgreePlan();
    case 7: return Review();
    case 8: return SrgReview(pick(2) ? v1::SRG_OUTCOME_CONTINUE : v1::SRG_OUTCOME_REMOVE);
    default: return Removal(true);
  }
}

void ExpectSame(const std::vector<TermSnapshots::StatePtr>& actual,
                const absl::btree_map<std::string, domain::InstitutionState>& expected,
                const std::string& what) {
  std::vector<const domain::InstitutionState*> registered;
  for (const auto& [urn, state] : expected) {
    if (state.registered()) registered.push_back(&state);
  }
  ASSERT_EQ(actual.size(), registered.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(*actual[i], *registered[i]))
        << what << ": " << registered[i]->urn() << "\nsnapshot: " << actual[i]->ShortDebugString()
        << "\nfull fold: " << registered[i]->ShortDebugString();
  }
}

TEST(TermSnapshotsPropertyTest, ReadsFromSnapshotsEqualTheFullFold) {
  storage::testing::TempDir dir;
  auto log = *storage::EventLog::Open(dir.Sub("events"));
  const TermCalendar calendar = *TermCalendar::Parse(kCalendar, "test calendar");
  TermSnapshots::Options options;
  options.keep = 2;            // evicted as reads move between half terms
  options.refresh_after = 40;  // refreshed under the reads
  options.keep_dates = 3;      // views of dates dropped and derived again
  TermSnapshots snapshots(log.get(), &calendar, options);
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 rng(seed);
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };

  constexpr int kInstitutions = 18;
  std::vector<std::vector<std::string>> ids(kInstitutions);  // event ids of each stream
  absl::CivilDay day(2024, 9, 2);
  const absl::CivilDay last(2025, 7, 22);
  const absl::Time deadline = absl::Now() + absl::Minutes(2);
  int reads = 0;
  size_t walked = 0;       // events of a period the reports took from the snapshots
  size_t from_stream = 0;  // institutions they left to be walked from their streams
  while (day < last) {
    // A round of events: mostly today's, some recorded weeks late, some corrections.
    for (int n = 0; n < 25; ++n) {
      const int i = pick(kInstitutions);
      const std::string urn = absl::StrCat(300000 + i);
      const std::string id = absl::StrCat(urn, "-", ids[i].size());
      v1::EventPayload payload;
      absl::CivilDay on = day;
      // A third of the institutions are recorded in date order and corrected only by
      // annotations: the snapshots fold those without going back to their streams.
      const bool in_order = i % 3 == 0;
      int kind = pick(20);
      if (in_order && kind < 2) kind = 2;
      if (ids[i].empty()) {
        payload = Register(i % 4 == 3 ? v1::INSTITUTION_KIND_EARLY_YEARS_SETTING
                                      : v1::INSTITUTION_KIND_MAINTAINED_SCHOOL);
        on = day - pick(3) * 30;
      } else if (kind < 3) {
        const std::string& target = ids[i][pick(static_cast<int>(ids[i].size()))];
        if (kind == 0) {
          payload = Correct(target, nullptr);
          payload.mutable_event_corrected()->set_withdraw(pick(2) == 0);
          if (!payload.event_corrected().withdraw() && pick(2) == 0) {
            payload.mutable_event_corrected()->set_new_effective_date(
                FormatDate(day - pick(90)));
          }
        } else if (kind == 1) {
          const v1::EventPayload replacement = Visit();
          payload = Correct(target, &replacement);
        } else {
          payload = Correct(target, nullptr);  // annotates only
        }
      } else {
        payload = RandomFact(rng);
        if (kind < 6 && !in_order) on = day - pick(60);  // recorded late, maybe across a boundary
      }
      ASSERT_TRUE(log->Append(codec::StreamName(urn), storage::ExpectedVersion::Any(),
                              {Encode(payload, on, id)}, "")
                      .ok());
      ids[i].push_back(id);
    }
    // Reads, as of dates around now and back, known now or at an earlier recording.
    const uint64_t end = log->NextPosition();
    for (int q = 0; q < 4; ++q, ++reads) {
      TimeFilter filter;
      filter.as_of = FormatDate(std::max(absl::CivilDay(2024, 9, 1), day - pick(120)));
      if (pick(3) == 0) {
        auto page = log->ReadAll(pick(static_cast<int>(end)), 1);
        ASSERT_TRUE(page.ok() && !page->events.empty());
        filter.known_at = page->events[0].recorded_at;
      }
      const std::string what = absl::StrCat("as of ", *filter.as_of, filter.known_at ? " known at " : "",
                                            filter.known_at ? absl::FormatTime(*filter.known_at) : "");
      auto from_snapshot = snapshots.FoldAll(filter, end, deadline);
      ASSERT_TRUE(from_snapshot.ok()) << from_snapshot.status();
      auto full = FoldAllAsOf(*log, filter, end);
      ASSERT_TRUE(full.ok());
      ExpectSame(*from_snapshot, *full, what);
      const std::string urn = absl::StrCat(300000 + pick(kInstitutions));
      auto one = snapshots.Fold(urn, filter);
      auto one_full = FoldAsOf(*log, urn, filter);
      ASSERT_TRUE(one.ok() && one_full.ok());
      EXPECT_TRUE(MessageDifferencer::Equals(*one, *one_full))
          << what << ": " << urn << "\nsnapshot: " << one->ShortDebugString()
          << "\nfull fold: " << one_full->ShortDebugString();
      if (HasFailure()) return;
    }
    // The termly report (or a half term's settings update) from the snapshots equals the one
    // from a scan of the whole log, known now or at an earlier recording.
    const bool half = pick(2) == 0;
    std::vector<const Period*> started;
    for (const Period& p : half ? calendar.half_terms() : calendar.terms()) {
      if (p.start <= day) started.push_back(&p);
    }
    if (!started.empty()) {
      const Period& period = *started[pick(static_cast<int>(started.size()))];
      const v1::ReportAudience audience =
          half ? v1::REPORT_AUDIENCE_SRG_SETTINGS_UPDATE : v1::REPORT_AUDIENCE_UNSPECIFIED;
      absl::Time known_at = absl::Now();
      if (pick(4) == 0) {
        auto page = log->ReadAll(pick(static_cast<int>(end)), 1);
        ASSERT_TRUE(page.ok() && !page->events.empty());
        known_at = page->events[0].recorded_at;
      }
      // Waits for the period's snapshots, which the report itself only uses when held.
      auto over = snapshots.OverPeriod(period, known_at, end, /*build_missing=*/true, deadline);
      ASSERT_TRUE(over.ok());
      if (over->has_value()) {
        for (const TermSnapshots::PeriodEntry& entry : **over) {
          walked += entry.events.size();
          from_stream += entry.from_stream;
        }
      }
      auto from_snapshots = reports::BuildTermReport(*log, calendar, period, known_at, {}, {}, {},
                                                     audience, deadline, &snapshots);
      auto scanned = reports::BuildTermReport(*log, calendar, period, known_at, {}, {}, {},
                                              audience, deadline);
      ASSERT_TRUE(from_snapshots.ok() && scanned.ok());
      std::string diff;
      MessageDifferencer differ;
      differ.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differ.Compare(*from_snapshots, *scanned))
          << period.label << " known at " << absl::FormatTime(known_at) << ":\n" << diff;
      if (HasFailure()) return;
    }
    day += 3 + pick(5);
  }
  const TermSnapshots::Stats stats = snapshots.stats();
  EXPECT_GT(reads, 200);
  EXPECT_GT(stats.reads_from_snapshot, static_cast<uint64_t>(reads / 2));
  EXPECT_GT(stats.reads_folded_in_full, 0u);   // the earlier known_at reads
  EXPECT_GT(stats.institutions_refolded, 0u);  // the corrections and late events
  EXPECT_GT(stats.built, 6u);                  // every half term, and refreshes
  EXPECT_GT(stats.periods_read, 10u);          // reports from the snapshots
  // The reports walked events the snapshots hold (100 to 700 over 30 seeds: how many depends on
  // which periods and recordings the seed picks, so the bound only says that they did).
  EXPECT_GT(walked, 20u);
  EXPECT_GT(from_stream, 20u);
  EXPECT_LE(stats.held.size(), options.keep);
  EXPECT_LE(stats.dates.size(), options.keep_dates);
}

// A snapshot dropped while a read holds it stays valid for that read, and a read waits for the
// build it needs rather than folding in full.
TEST(TermSnapshotsTest, TheFirstReadOfAHalfTermWaitsForItsSnapshot) {
  storage::testing::TempDir dir;
  auto log = *storage::EventLog::Open(dir.Sub("events"));
  const TermCalendar calendar = *TermCalendar::Parse(kCalendar, "test calendar");
  ASSERT_TRUE(log->Append(codec::StreamName("300001"), storage::ExpectedVersion::Any(),
                          {Encode(Register(), absl::CivilDay(2024, 9, 5), "a"),
                           Encode(RaiseConcern(), absl::CivilDay(2024, 11, 6), "b")},
                          "")
                  .ok());
  TermSnapshots snapshots(log.get(), &calendar, {});
  EXPECT_EQ(snapshots.BoundaryFor(absl::CivilDay(2024, 11, 6)), absl::CivilDay(2024, 11, 3));
  EXPECT_EQ(snapshots.BoundaryFor(absl::CivilDay(2024, 10, 30)), absl::CivilDay(2024, 9, 1));
  EXPECT_EQ(snapshots.BoundaryFor(absl::CivilDay(2024, 8, 1)), std::nullopt);
  TimeFilter filter;
  filter.as_of = "2024-11-05";
  auto before = snapshots.FoldAll(filter, log->NextPosition(), absl::InfiniteFuture());
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0]->state(), v1::FLOWCHART_STATE_MONITORED);
  filter.as_of = "2024-11-06";
  auto after = snapshots.FoldAll(filter, log->NextPosition(), absl::InfiniteFuture());
  ASSERT_TRUE(after.ok());
  EXPECT_NE((*after)[0]->state(), v1::FLOWCHART_STATE_MONITORED);
  EXPECT_EQ(snapshots.stats().reads_from_snapshot, 2u);
  EXPECT_EQ(snapshots.stats().built, 1u);
}

}  // namespace
}  // namespace scc::projections
