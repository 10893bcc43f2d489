// The institution projection against the log it is built from, on a real event log and
// KvStore in a temp dir, fed by the real command handler:
// - property: random valid command sequences across many institutions, corrections among the
//   later ones, fed through the commands' own states as in sccd; the live projection equals a
//   full rebuild and the as-of fold at the last date, and at every snapshot the known-at fold
//   (and, before the first correction, the as-of fold) equals what the projection showed then;
// - a restart mid-stream resumes without applying anything twice;
// - a code version bump rebuilds in the background and switches over.
#include <atomic>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/codec/event_codec.h"
#include "services/domain/dates.h"
#include "services/domain/domain_test_util.h"
#include "services/projections/as_of.h"
#include "services/projections/institution_projection.h"
#include "services/server/command_handler.h"
#include "services/server/institution_repository.h"
#include "storage/test_util.h"

namespace scc::projections {
namespace {

using domain::FormatDate;
using namespace domain::testing;  // NOLINT: builders
using google::protobuf::util::MessageDifferencer;

const absl::CivilDay kFixedToday(2027, 12, 31);
constexpr absl::Duration kWait = absl::Seconds(30);

// A log, a projection store and the real command path, in a temp dir.
class Harness {
 public:
  Harness() {
    log_ = *storage::EventLog::Open(dir_.Sub("events"));
    store_ = *storage::KvStore::Open(dir_.Sub("projections"));
    repository_ = std::make_unique<server::InstitutionRepository>(log_.get());
    handler_ = std::make_unique<server::CommandHandler>(log_.get(), repository_.get(),
                                                         [] { return kFixedToday; });
  }

  absl::Status Run(const std::string& urn, const v1::EventPayload& payload, absl::CivilDay day) {
    domain::Command command;
    command.context.set_urn(urn);
    command.context.set_request_id(absl::StrCat("r", ++requests_));
    command.context.set_effective_date(FormatDate(day));
    command.context.set_reason("recorded by the test");
    command.payload = payload;
    absl::Status status;
    absl::Notification done;
    handler_->Execute({"tester", v1::ROLE_HEAD_OF_SCHOOL_IMPROVEMENT}, command,
                      [&](absl::StatusOr<v1::CommandResult> r) {
                        status = r.status();
                        if (r.ok()) {
                          std::vector<std::string>& ids = event_ids_[urn];
                          ids.insert(ids.end(), r->event_ids().begin(), r->event_ids().end());
                        }
                        done.Notify();
                      });
    done.WaitForNotification();
    return status;
  }

  // The ids of the events recorded for `urn` through Run, in order.
  const std::vector<std::string>& EventIds(const std::string& urn) { return event_ids_[urn]; }

  std::unique_ptr<InstitutionProjection> OpenProjection(uint32_t version =
                                                            InstitutionProjection::kCodeVersion) {
    InstitutionProjection::Options options;
    options.version = version;
    options.batch_events = 97;  // small batches: many checkpoints
    // As in sccd: the states the commands left, taken instead of folding their events again.
    options.committed_state = [this](const std::string& urn, const storage::RecordedEvent& last) {
      return repository_->Committed(urn, last);
    };
    auto p = InstitutionProjection::Open(log_.get(), store_.get(), options);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }

  storage::EventLog& log() { return *log_; }
  storage::KvStore& store() { return *store_; }

 private:
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::EventLog> log_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<server::InstitutionRepository> repository_;
  std::unique_ptr<server::CommandHandler> handler_;
  int requests_ = 0;
  absl::flat_hash_map<std::string, std::vector<std::string>> event_ids_;
};

using States = absl::btree_map<std::string, domain::InstitutionState>;

States Snapshot(const InstitutionProjection& p) {
  States out;
  for (const auto& s : p.All()) out.emplace(s->urn(), *s);
  return out;
}

void ExpectSame(const States& actual, const States& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (const auto& [urn, state] : expected) {
    auto it = actual.find(urn);
    ASSERT_NE(it, actual.end()) << what << ": " << urn << " missing";
    EXPECT_TRUE(MessageDifferencer::Equals(it->second, state))
        << what << ": " << urn << "\nactual: " << it->second.ShortDebugString()
        << "\nexpected: " << state.ShortDebugString();
  }
}

// A random command that may or may not fit the institution's state; dates follow `day`.
v1::EventPayload RandomCommand(std::mt19937& rng, v1::InstitutionKind kind, absl::CivilDay day) {
  const std::string d = FormatDate(day);
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  v1::EventPayload p;
  if (pick(5) == 0) {  // facts, any kind
    switch (pick(3)) {
      case 0:
        return Visit();
      case 1:
        return Rag();
      default: {
        static constexpr v1::OfstedGrade kGrades[] = {
            v1::OFSTED_GRADE_OUTSTANDING, v1::OFSTED_GRADE_GOOD,
            v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT, v1::OFSTED_GRADE_INADEQUATE};
        const v1::OfstedGrade grade = kGrades[pick(4)];
        return Ofsted(grade, FormatDate(day - pick(20)),
                      grade == v1::OFSTED_GRADE_INADEQUATE && pick(2) == 0
                          ? v1::OFSTED_CATEGORY_SPECIAL_MEASURES
                          : v1::OFSTED_CATEGORY_NONE);
      }
    }
  }
  if (kind == v1::INSTITUTION_KIND_ACADEMY) {
    switch (pick(5)) {
      case 0: return AcademyConcern();
      case 1: return InformTrust();
      case 2: return TrustPlan();
      case 3:
        p = Escalate();
        p.mutable_academy_concern_escalated()->set_trust_informed_of_escalation_on(d);
        return p;
      default: return ResolveAcademy();
    }
  }
  if (kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING) {
    switch (pick(4)) {
      case 0: return SettingConcern();
      case 1: return SettingSupport();
      case 2: return SettingMeeting();
      default: return SettingRemoved(v1::SETTING_REMOVAL_BASIS_PRACTICE_IMPROVED);
    }
  }
  switch (pick(16)) {
    case 0: case 1:
      p = RaiseConcern();
      p.mutable_concern_raised()->set_discussed_with_headteacher_on(d);
      return p;
    case 2: case 3:
      p = Designate();
      p.mutable_srg_designated()->set_letter_sent_on(d);
      p.mutable_srg_designated()->set_discussed_with_headteacher_on(d);
      return p;
    case 4: return NotDesignate();
    case 5: return AssignLeadOfficer(absl::StrCat("lo-", pick(3)));
    case 6: return AgreePlan();
    case 7: return Review();
    case 8: return Mcm();
    case 9: return SrgReview(pick(2) == 0 ? v1::SRG_OUTCOME_CONTINUE : v1::SRG_OUTCOME_REMOVE);
    case 10: return WarningNotice(FormatDate(day + 20));
    case 11: return pick(2) == 0 ? WarningComplied() : WarningNotComplied();
    case 12: return NoticeOfIntention();
    case 13: return Intervention(v1::INTERVENTION_POWER_S64_ADDITIONAL_GOVERNORS);
    case 14: return StatementOfAction();
    default:
      p = Removal(true);
      p.mutable_scc_removed()->set_review_date(d);
      p.mutable_scc_removed()->set_headteacher_agreed_on(d);
      p.mutable_scc_removed()->set_srg_confirmed_on(d);
      return p;
  }
}

TEST(ProjectionPropertyTest, LiveEqualsRebuildAndAsOfAtEveryDate) {
  Harness h;
  std::unique_ptr<InstitutionProjection> projection = h.OpenProjection();
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 rng(seed);

  std::vector<std::pair<std::string, v1::InstitutionKind>> institutions;
  absl::CivilDay day(2024, 9, 2);
  for (int i = 0; i < 24; ++i) {
    const v1::InstitutionKind kind = i < 16   ? v1::INSTITUTION_KIND_MAINTAINED_SCHOOL
                                     : i < 20 ? v1::INSTITUTION_KIND_ACADEMY
                                              : v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;
    const std::string urn = absl::StrCat(200000 + i);
    ASSERT_TRUE(h.Run(urn, Register(kind), day).ok());
    institutions.emplace_back(urn, kind);
  }

  struct Observed {
    absl::CivilDay day;
    absl::Time known_at;
    States states;
  };
  std::vector<Observed> observed;
  int accepted = 0, corrections = 0;
  const v1::EventPayload visit = Visit();
  // Corrections come only in the last steps: one counts in the as-of views of every date from
  // when it was recorded, so the as-of views of the snapshots before it are read up to the log
  // position where corrections began.
  constexpr int kCorrectionsFrom = 1000;
  size_t observed_before_corrections = 0;
  uint64_t corrections_from_position = 0;
  for (int step = 0; step < 1500; ++step) {
    if (step == kCorrectionsFrom) {
      observed_before_corrections = observed.size();
      corrections_from_position = h.log().NextPosition();
    }
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
      // A new day. Now and then, first look at the projection as it stands at the day's end.
      if (step % 10 == 0) {
        ASSERT_TRUE(projection->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
        observed.push_back({day, absl::Now(), Snapshot(*projection)});
      }
      day += 1 + std::uniform_int_distribution<int>(0, 2)(rng);
    }
    const auto& [urn, kind] = institutions[std::uniform_int_distribution<size_t>(
        0, institutions.size() - 1)(rng)];
    // Now and then a correction: an earlier event withdrawn, or re-recorded as a fact.
    const std::vector<std::string>& ids = h.EventIds(urn);
    const v1::EventPayload command =
        step >= kCorrectionsFrom && ids.size() > 1 &&
                std::uniform_int_distribution<int>(0, 9)(rng) == 0
            ? Correct(ids[std::uniform_int_distribution<size_t>(1, ids.size() - 1)(rng)],
                      std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? nullptr : &visit)
            : RandomCommand(rng, kind, day);
    absl::Status s = h.Run(urn, command, day);
    ASSERT_TRUE(s.ok() || absl::IsFailedPrecondition(s) || absl::IsInvalidArgument(s)) << s;
    if (s.ok()) ++accepted;
    if (s.ok() && command.has_event_corrected()) ++corrections;
  }
  ASSERT_GT(accepted, 300);
  ASSERT_GT(corrections, 5);
  ASSERT_TRUE(projection->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  const States live = Snapshot(*projection);

  // A full rebuild: each stream folded from scratch.
  States rebuilt;
  for (const auto& [urn, kind] : institutions) {
    auto events = codec::ReadInstitution(h.log(), urn);
    ASSERT_TRUE(events.ok());
    rebuilt.emplace(urn, domain::Fold(urn, *events));
  }
  ExpectSame(live, rebuilt, "live vs rebuild");
  EXPECT_GT(projection->Status().states_from_commands(), 0u);
  for (const auto& [urn, state] : live) EXPECT_EQ(state.events_applied(), state.version() + 1);

  // The as-of fold at the last date.
  TimeFilter last;
  last.as_of = FormatDate(day);
  auto as_of = FoldAllAsOf(h.log(), last, h.log().NextPosition());
  ASSERT_TRUE(as_of.ok());
  ExpectSame(*as_of, live, "as-of last date vs live");

  // Every snapshot, three ways: what had happened by that date (before the corrections), what
  // was known then, and what was known then about that date.
  ASSERT_GT(observed_before_corrections, 5u);
  ASSERT_GT(observed.size(), observed_before_corrections);
  for (size_t i = 0; i < observed.size(); ++i) {
    const Observed& o = observed[i];
    const std::string when = absl::StrCat(FormatDate(o.day), " / ", absl::FormatTime(o.known_at));
    if (i < observed_before_corrections) {
      TimeFilter by_date;
      by_date.as_of = FormatDate(o.day);
      auto dated = FoldAllAsOf(h.log(), by_date, corrections_from_position);
      ASSERT_TRUE(dated.ok());
      ExpectSame(*dated, o.states, absl::StrCat("as of ", when));
    }
    TimeFilter by_knowledge;
    by_knowledge.known_at = o.known_at;
    auto known = FoldAllAsOf(h.log(), by_knowledge, h.log().NextPosition());
    ASSERT_TRUE(known.ok());
    ExpectSame(*known, o.states, absl::StrCat("known at ", when));
    TimeFilter both = by_knowledge;
    both.as_of = FormatDate(o.day);
    auto known_then = FoldAllAsOf(h.log(), both, h.log().NextPosition());
    ASSERT_TRUE(known_then.ok());
    ExpectSame(*known_then, o.states, absl::StrCat("known at, as of ", when));
  }

  // One institution, as GetInstitution computes it, of a date after the corrections began.
  const Observed& late = observed.back();
  TimeFilter by_date;
  by_date.as_of = FormatDate(late.day);
  by_date.known_at = late.known_at;
  auto one = FoldAsOf(h.log(), institutions[0].first, by_date);
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*one, late.states.at(institutions[0].first)));
}

TEST(ProjectionTest, RestartResumesWithoutApplyingTwice) {
  Harness h;
  const absl::CivilDay day(2024, 9, 2);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(h.Run(absl::StrCat(300000 + i), Register(), day).ok());
  }
  std::unique_ptr<InstitutionProjection> projection = h.OpenProjection();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      for (int v = 0; v < 20; ++v) ASSERT_TRUE(h.Run(absl::StrCat(300000 + i), Visit(), day).ok());
    }
    // Stop it wherever it is (possibly mid-batch), then reopen from its checkpoint.
    projection.reset();
    projection = h.OpenProjection();
  }
  ASSERT_TRUE(projection->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  for (const auto& state : projection->All()) {
    EXPECT_EQ(state->visit_days_size(), 60) << state->urn();
    EXPECT_EQ(state->events_applied(), 61u) << state->urn();
    EXPECT_EQ(state->version(), 60u);
  }
  EXPECT_EQ(projection->applied_position(), h.log().NextPosition());
}

// Far behind the log (first start on a big log), states are saved every catch_up_save_events
// events rather than every batch; a stop in between saves what was applied, and the restart
// applies the rest: nothing twice, nothing missing. (After a crash the restart applies the
// unsaved events again: tests/crash/sccd_crash_test.cc.)
TEST(ProjectionTest, FarBehindItSavesLessOftenAndARestartAppliesTheRestAgain) {
  Harness h;
  constexpr int kInstitutions = 40, kVisits = 300;
  auto append = [&](const std::string& urn, const v1::EventPayload& payload, int n) {
    v1::EventMetadata m;
    m.set_event_id(absl::StrCat(urn, "-", n));
    m.set_effective_date("2024-09-02");
    ASSERT_TRUE(h.log()
                    .Append(codec::StreamName(urn), storage::ExpectedVersion::Any(),
                            {codec::Encode(payload, m)}, "")
                    .ok());
  };
  for (int n = 0; n <= kVisits; ++n) {  // round robin: each batch touches every institution
    for (int i = 0; i < kInstitutions; ++i) {
      append(absl::StrCat(300000 + i), n == 0 ? Register() : Visit(), n);
    }
  }
  InstitutionProjection::Options options;
  options.batch_events = 97;
  options.catch_up_save_events = 3000;
  const uint64_t end = h.log().NextPosition();
  {
    auto first = InstitutionProjection::Open(&h.log(), &h.store(), options);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*first)->WaitFor(end / 2, absl::Now() + kWait).ok());
  }  // stopped wherever it is, most likely with unsaved work, which it saves
  auto second = InstitutionProjection::Open(&h.log(), &h.store(), options);
  ASSERT_TRUE(second.ok());
  EXPECT_LT((*second)->applied_position(), end);
  ASSERT_TRUE((*second)->WaitFor(end, absl::Now() + kWait).ok());
  ASSERT_EQ((*second)->All().size(), static_cast<size_t>(kInstitutions));
  for (const auto& state : (*second)->All()) {
    EXPECT_EQ(state->visit_days_size(), kVisits) << state->urn();
    EXPECT_EQ(state->events_applied(), kVisits + 1u) << state->urn();
  }
  second->reset();
  auto third = InstitutionProjection::Open(&h.log(), &h.store(), options);  // caught up: saved
  ASSERT_TRUE(third.ok());
  EXPECT_EQ((*third)->applied_position(), end);
}

TEST(ProjectionTest, VersionBumpRebuildsInTheBackgroundAndSwitches) {
  Harness h;
  const absl::CivilDay day(2024, 9, 2);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(h.Run(absl::StrCat(400000 + i), Register(), day).ok());
    ASSERT_TRUE(h.Run(absl::StrCat(400000 + i), RaiseConcern(), day + 20).ok());
  }
  std::unique_ptr<InstitutionProjection> old = h.OpenProjection(1);
  ASSERT_TRUE(old->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  const States before = Snapshot(*old);
  EXPECT_EQ(old->Status().generation(), 1u);
  old.reset();

  std::unique_ptr<InstitutionProjection> bumped = h.OpenProjection(2);
  // The old generation serves at once, while the new one is built.
  EXPECT_EQ(bumped->All().size(), 20u);
  ASSERT_TRUE(h.Run("400000", Visit(), day + 21).ok());  // the log moves on meanwhile
  ASSERT_TRUE(bumped->WaitUntilRebuilt(absl::Now() + kWait).ok());
  ASSERT_TRUE(bumped->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  const v1::ProjectionStatus status = bumped->Status();
  EXPECT_EQ(status.generation(), 2u);
  EXPECT_EQ(status.version(), 2u);
  EXPECT_FALSE(status.rebuilding());
  States after = Snapshot(*bumped);
  EXPECT_EQ(after.at("400000").visit_days_size(), 1);
  after.erase("400000");
  States unchanged = before;
  unchanged.erase("400000");
  ExpectSame(after, unchanged, "after the rebuild");
  auto marker = h.store().Get("active");
  ASSERT_TRUE(marker.ok() && marker->has_value());
  EXPECT_EQ(**marker, "2 2");

  // Reopened with the same version, it serves generation 2 without rebuilding.
  bumped.reset();
  std::unique_ptr<InstitutionProjection> again = h.OpenProjection(2);
  EXPECT_FALSE(again->Status().rebuilding());
  EXPECT_EQ(again->Status().generation(), 2u);
}

// A batch that cannot be applied (here the store refuses, as a failing disk would) leaves
// readers with what was applied, is tried again with back-off, shows in the status, and
// applies once the fault clears; the same for a step of a rebuild.
TEST(ProjectionTest, AFailingBatchIsRetriedAndReportedUntilItApplies) {
  Harness h;
  const absl::CivilDay day(2024, 9, 2);
  std::atomic<bool> failing{false};          // every batch
  std::atomic<bool> rebuild_failing{false};  // a rebuild's batches only
  absl::Mutex mu;
  int failures_logged = 0;
  int recoveries_logged = 0;
  InstitutionProjection::Options options;
  options.retry_initial = absl::Milliseconds(5);
  options.retry_max = absl::Milliseconds(40);
  options.inject_fault = [&](bool rebuilding) {
    return failing.load() || (rebuilding && rebuild_failing.load())
               ? absl::UnavailableError("writing projections: the disk is failing")
               : absl::OkStatus();
  };
  options.progress = [&](const std::string& line) {
    absl::MutexLock lock(&mu);
    if (line.find("trying again in") != std::string::npos) ++failures_logged;
    if (line.find("applying again after") != std::string::npos) ++recoveries_logged;
  };
  auto failures_reach = [&](int n) {
    absl::MutexLock lock(&mu);
    const auto reached = [&failures_logged, n] { return failures_logged >= n; };
    return mu.AwaitWithTimeout(absl::Condition(&reached), kWait);
  };
  // The status clears right after the batch that worked is published.
  auto recoveries_reach = [&](int n) {
    absl::MutexLock lock(&mu);
    const auto reached = [&recoveries_logged, n] { return recoveries_logged >= n; };
    return mu.AwaitWithTimeout(absl::Condition(&reached), kWait);
  };
  auto opened = InstitutionProjection::Open(&h.log(), &h.store(), options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  InstitutionProjection& p = **opened;
  ASSERT_TRUE(h.Run("600001", Register(), day).ok());
  ASSERT_TRUE(p.WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  const uint64_t applied = p.applied_position();

  failing = true;
  ASSERT_TRUE(h.Run("600001", RaiseConcern(), day + 20).ok());
  ASSERT_TRUE(failures_reach(3));
  v1::ProjectionStatus status = p.Status();
  EXPECT_THAT(status.error(), ::testing::HasSubstr("the disk is failing"));
  EXPECT_GE(status.failed_attempts(), 3u);
  EXPECT_FALSE(status.failing_since().empty());
  EXPECT_EQ(status.applied_position(), applied);  // readers keep what was applied
  EXPECT_EQ(p.Get("600001")->state(), v1::FLOWCHART_STATE_MONITORED);
  const absl::Status waited = p.WaitFor(h.log().NextPosition(), absl::Now());
  EXPECT_EQ(waited.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(waited.message()), ::testing::HasSubstr("the disk is failing"));

  failing = false;
  ASSERT_TRUE(p.WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  ASSERT_TRUE(recoveries_reach(1));
  status = p.Status();
  EXPECT_TRUE(status.error().empty()) << status.error();
  EXPECT_EQ(status.failed_attempts(), 0u);
  EXPECT_GE(status.failures_total(), 3u);
  EXPECT_EQ(p.Get("600001")->state(), v1::FLOWCHART_STATE_AT_RISK);

  // A rebuild that fails is tried again while the serving generation goes on following the
  // log, and switches over once the fault clears.
  const int failures_before = static_cast<int>(status.failures_total());
  rebuild_failing = true;
  p.RequestRebuild();
  ASSERT_TRUE(h.Run("600001", Visit(), day + 21).ok());  // wakes the projection's thread
  ASSERT_TRUE(failures_reach(failures_before + 2));
  status = p.Status();
  EXPECT_TRUE(status.rebuilding());
  EXPECT_THAT(status.error(), ::testing::HasSubstr("projection rebuild"));
  ASSERT_TRUE(p.WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  EXPECT_EQ(p.Get("600001")->visit_days_size(), 1);
  rebuild_failing = false;
  ASSERT_TRUE(p.WaitUntilRebuilt(absl::Now() + kWait).ok());
  ASSERT_TRUE(recoveries_reach(2));
  status = p.Status();
  EXPECT_EQ(status.generation(), 2u);
  EXPECT_TRUE(status.error().empty()) << status.error();
  EXPECT_EQ(p.Get("600001")->visit_days_size(), 1);
}

// States are saved only every live_save_events at the head, but a batch with a redaction at
// once: the stored read model must not keep the erased name until the next save.
TEST(ProjectionTest, ARedactionIsSavedAtOnce) {
  Harness h;
  const std::string urn = "310001";
  const absl::CivilDay day(2024, 9, 2);
  InstitutionProjection::Options options;
  options.live_save_events = 1'000'000;
  v1::EventPayload concern = RaiseConcern();
  concern.mutable_concern_raised()->set_discussed_with_headteacher_on(FormatDate(day));
  v1::EventPayload designate = Designate();
  designate.mutable_srg_designated()->set_letter_sent_on(FormatDate(day));
  designate.mutable_srg_designated()->set_discussed_with_headteacher_on(FormatDate(day));
  for (const v1::EventPayload& p : {Register(), concern, designate, AssignLeadOfficer("lo-x")}) {
    ASSERT_TRUE(h.Run(urn, p, day).ok());
  }
  const std::string name = "Officer lo-x";
  auto stored_with_name = [&] {
    int found = 0;
    EXPECT_TRUE(h.store()
                    .Scan("g", [&](absl::string_view, absl::string_view value) {
                      if (absl::StrContains(value, name)) ++found;
                      return absl::OkStatus();
                    })
                    .ok());
    return found;
  };
  {
    auto first = InstitutionProjection::Open(&h.log(), &h.store(), options);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE((*first)->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  }  // stopping saves the state with the name
  ASSERT_EQ(stored_with_name(), 1);

  auto projection = InstitutionProjection::Open(&h.log(), &h.store(), options);
  ASSERT_TRUE(projection.ok()) << projection.status();
  v1::EventPayload redaction;
  redaction.mutable_event_redacted()->set_redacted_event_id(h.EventIds(urn).back());
  redaction.mutable_event_redacted()->add_fields("lead_officer_assigned.lead_officer_name");
  ASSERT_TRUE(h.Run(urn, redaction, day + 1).ok());
  ASSERT_TRUE((*projection)->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
  EXPECT_EQ(stored_with_name(), 0);
  EXPECT_FALSE(absl::StrContains((*projection)->Get(urn)->ShortDebugString(), name));
}

TEST(ProjectionTest, OfflineRebuildEqualsLive) {
  Harness h;
  const absl::CivilDay day(2024, 9, 2);
  for (int i = 0; i < 5; ++i) {
    const std::string urn = absl::StrCat(500000 + i);
    ASSERT_TRUE(h.Run(urn, Register(), day).ok());
    ASSERT_TRUE(h.Run(urn, RaiseConcern(), day + 18).ok());
    ASSERT_TRUE(h.Run(urn, Visit(), day + 19).ok());
  }
  States live;
  {
    std::unique_ptr<InstitutionProjection> p = h.OpenProjection();
    ASSERT_TRUE(p->WaitFor(h.log().NextPosition(), absl::Now() + kWait).ok());
    live = Snapshot(*p);
  }
  uint64_t last_progress = 0;
  ASSERT_TRUE(InstitutionProjection::RebuildOffline(&h.log(), &h.store(), {},
                                                    [&](uint64_t done, uint64_t total) {
                                                      EXPECT_LE(done, total);
                                                      last_progress = done;
                                                    })
                  .ok());
  EXPECT_EQ(last_progress, h.log().NextPosition());
  std::unique_ptr<InstitutionProjection> p = h.OpenProjection();
  EXPECT_EQ(p->applied_position(), h.log().NextPosition());
  ExpectSame(Snapshot(*p), live, "offline rebuild vs live");
}

}  // namespace
}  // namespace scc::projections
