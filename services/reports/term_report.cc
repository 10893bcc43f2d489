#include "services/reports/term_report.h"

#include <map>
#include <optional>
#include <thread>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/arena.h"
#include "services/codec/event_codec.h"
#include "services/domain/authorization.h"
#include "services/domain/confidentiality.h"
#include "services/domain/dates.h"
#include "services/domain/decide.h"
#include "services/domain/errors.h"
#include "services/domain/evolve.h"
#include "services/domain/ofsted.h"
#include "storage/status_macros.h"

namespace scc::reports {
namespace {

using domain::FormatDate;
using domain::InstitutionState;
using domain::StoredEvent;

std::string EnumName(const std::string& full, absl::string_view prefix) {
  std::string name = absl::StartsWith(full, prefix) ? full.substr(prefix.size()) : full;
  std::string out;
  for (char& c : name) out.push_back(c == '_' ? ' ' : absl::ascii_tolower(c));
  return out;
}

std::string PhaseName(v1::Phase p) { return EnumName(v1::Phase_Name(p), "PHASE_"); }
// "action plan active": a flowchart state in words, as the report's readers read it.
std::string StateWords(v1::FlowchartState s) {
  return EnumName(v1::FlowchartState_Name(s), "FLOWCHART_STATE_");
}
std::string KindName(v1::InstitutionKind k) {
  return EnumName(v1::InstitutionKind_Name(k), "INSTITUTION_KIND_");
}
std::string TriggerName(v1::ConcernTrigger t) {
  return EnumName(v1::ConcernTrigger_Name(t), "CONCERN_TRIGGER_");
}
std::string SettingTriggerName(v1::SettingConcernTrigger t) {
  return EnumName(v1::SettingConcernTrigger_Name(t), "SETTING_CONCERN_TRIGGER_");
}
std::string ObligationName(v1::ObligationType t) {
  return EnumName(v1::ObligationType_Name(t), "OBLIGATION_TYPE_");
}

std::vector<std::string> Triggers(const InstitutionState& s) {
  std::vector<std::string> out;
  for (const v1::Trigger& t : s.episode().triggers()) out.push_back(TriggerName(t.trigger()));
  for (const v1::SettingTrigger& t : s.episode().setting_triggers()) {
    out.push_back(SettingTriggerName(t.trigger()));
  }
  return out;
}

void AddCounts(const std::map<std::string, int>& counts, google::protobuf::RepeatedPtrField<v1::Count>* out) {
  for (const auto& [key, count] : counts) {
    v1::Count* c = out->Add();
    c->set_key(key);
    c->set_count(count);
  }
}

// One institution's events, folded along the way. Its state is the snapshot's until an event of
// the term changes it, then a copy on the report's arena (the walks of a report are many, and
// freed together), which must outlive the walk.
struct Walk {
  explicit Walk(google::protobuf::Arena* arena, projections::TermSnapshots::StatePtr start = nullptr)
      : arena(arena), shared(std::move(start)) {}
  // As of the last day.
  const InstitutionState& end() const { return own != nullptr ? *own : *shared; }
  InstitutionState& Mutable() {
    if (own == nullptr) {
      own = google::protobuf::Arena::CreateMessage<InstitutionState>(arena);
      if (shared != nullptr) own->CopyFrom(*shared);
      shared.reset();
    }
    return *own;
  }
  google::protobuf::Arena* arena;
  InstitutionState* own = nullptr;
  projections::TermSnapshots::StatePtr shared;
  std::vector<std::pair<std::string, bool>> concern;  // (date, causing concern) changes
  std::vector<std::string> designations;      // dates in the term
  std::vector<std::string> removals;          // dates in the term
  std::vector<std::string> closures;          // episodes ended by closure or conversion, in the term
  std::vector<std::pair<v1::TimelineEntry, bool>> notes;  // meeting notes in the term (date,
                                                          // "type: text"), and if confidential
  std::vector<v1::TimelineEntry> support;     // a setting's support actions in the term
  int warning_notices = 0;                    // escalations in the term
  int interventions = 0;
  int academy_escalations = 0;
  bool needs_refold = false;                  // a correction replaces an earlier event
};

bool InTerm(const std::string& date, const projections::Period& term) {
  const auto day = domain::ParseDate(date);
  return day && term.Contains(*day);
}

// Applies one event (the replacement, where a correction replaced it) to the walk.
void Step(Walk& walk, const StoredEvent& e, const projections::Period& term) {
  const std::string& on = e.metadata.effective_date();
  InstitutionState& end = walk.Mutable();
  const bool before = domain::IsCausingConcern(end.state());
  domain::Evolve(end, e);
  const bool after = domain::IsCausingConcern(end.state());
  const bool in_term = InTerm(on, term);
  if (before != after) {
    walk.concern.emplace_back(on, after);
    if (in_term) {
      const bool closed = end.state() == v1::FLOWCHART_STATE_CLOSED;
      (after ? walk.designations : closed ? walk.closures : walk.removals).push_back(on);
    }
  }
  if (!in_term) return;
  walk.warning_notices += e.payload.has_warning_notice_issued();
  walk.interventions += e.payload.has_intervention_applied();
  walk.academy_escalations += e.payload.has_academy_concern_escalated();
  if (e.payload.has_setting_support_action_recorded()) {
    v1::TimelineEntry action;
    action.set_on(on);
    action.set_state(EnumName(
        v1::SettingSupportActionKind_Name(e.payload.setting_support_action_recorded().kind()),
        "SETTING_SUPPORT_ACTION_KIND_"));
    walk.support.push_back(action);
  }
  const bool meeting = e.payload.has_action_plan_review_held() ||
                       e.payload.has_monitoring_and_challenge_meeting_held() ||
                       e.payload.has_school_progress_review_team_meeting_held();
  if (meeting && !e.metadata.notes().text().empty()) {
    v1::TimelineEntry note;
    note.set_on(on);
    note.set_state(absl::StrCat(absl::StrReplaceAll(codec::EventType(e.payload), {{"_", " "}}), ": ",
                                e.metadata.notes().text()));
    walk.notes.emplace_back(std::move(note), e.metadata.notes().confidential() ||
                                                 domain::NotesAlwaysConfidential(e.payload));
  }
}

// The whole walk of one institution's known events, corrections applied in place: a
// withdrawn event is left out, a re-dated one counts by its new date, up to `last_day`.
Walk WalkInstitution(const std::string& urn, const std::vector<StoredEvent>& events,
                     const projections::Period& term, const std::string& last_day,
                     google::protobuf::Arena* arena) {
  Walk walk(arena);
  walk.Mutable().set_urn(urn);
  domain::ForEachCounting(events, last_day, [&](const StoredEvent* counted, const StoredEvent&) {
    if (counted != nullptr) Step(walk, *counted, term);
  });
  return walk;
}

bool ConcernOn(const Walk& walk, const std::string& date) {
  bool in = false;
  for (const auto& [on, value] : walk.concern) {
    if (on > date) break;
    in = value;
  }
  return in;
}

// The days (days since 1970-01-01, as states keep them) that fall in `term`, as YYYY-MM-DD.
std::vector<std::string> DatesInTerm(const google::protobuf::RepeatedField<int32_t>& days,
                                     const projections::Period& term) {
  std::vector<std::string> out;
  for (int32_t d : days) {
    if (term.Contains(domain::FromDayNumber(d))) {
      out.push_back(domain::FormatDate(domain::FromDayNumber(d)));
    }
  }
  return out;
}

// How the episode ended when the school closed or converted, in words; empty otherwise.
std::string EpisodeEnded(const InstitutionState& s) {
  switch (s.episode().ended_by()) {
    case v1::EPISODE_END_CLOSED:
      return absl::StrCat("ended by the school's closure on ", s.closed_on(),
                          s.closure().successor_urn().empty()
                              ? ""
                              : absl::StrCat(" (successor URN ", s.closure().successor_urn(), ")"));
    case v1::EPISODE_END_CONVERTED_TO_ACADEMY:
      return absl::StrCat("ended by conversion to an academy on ", s.closed_on(), " (URN ",
                          s.conversion().successor_urn(), ", ", s.conversion().trust_name(), ")");
    default:
      return "";
  }
}

// The walk of one institution from its own stream, as known at `known_at`.
absl::StatusOr<Walk> WalkStream(const storage::EventLog& log, const std::string& urn,
                                absl::Time known_at, const projections::Period& term,
                                const std::string& last_day, google::protobuf::Arena* arena) {
  std::vector<StoredEvent> visible;
  std::optional<uint64_t> next = 0;
  while (next) {
    ASSIGN_OR_RETURN(storage::StreamPage page,
                     log.ReadStream(codec::StreamName(urn), *next,
                                    storage::ReadDirection::kForwards, 1000));
    for (const storage::RecordedEvent& recorded : page.events) {
      ASSIGN_OR_RETURN(StoredEvent event, codec::Decode(recorded));
      if (recorded.recorded_at <= known_at) visible.push_back(std::move(event));
    }
    next = page.next_version;
  }
  return WalkInstitution(urn, visible, term, last_day, arena);
}

// Every institution's walk from one scan of the log up to `end_position`.
absl::StatusOr<absl::btree_map<std::string, Walk>> ScanLog(const storage::EventLog& log,
                                                           const projections::Period& term,
                                                           absl::Time known_at,
                                                           const std::string& last_day,
                                                           uint64_t end_position,
                                                           absl::Time deadline,
                                                           google::protobuf::Arena* arena) {
  // Two threads scan the log, each folding the institutions that hash to it as the events go
  // by (nothing per event is kept). An institution with a correction that replaces an earlier
  // event is folded again from its own stream afterwards.
  constexpr int kThreads = 2;
  std::vector<absl::flat_hash_map<std::string, Walk>> partitions(kThreads);
  std::vector<absl::Status> failures(kThreads);
  std::vector<std::thread> scanners;
  for (int t = 0; t < kThreads; ++t) {
    scanners.emplace_back([&, t] {
      auto& walks = partitions[t];
      walks.reserve(1 << 16);
      StoredEvent event;  // reused: parsing into it keeps its memory
      uint64_t seen = 0;
      // Both threads see every record in place; each decodes only its own institutions.
      failures[t] = log.Scan(0, end_position, [&](const storage::RecordView& recorded) {
        constexpr uint64_t kClockEvery = 1 << 16;  // records between looks at the clock
        if (++seen % kClockEvery == 0 && absl::Now() > deadline) {
          return absl::DeadlineExceededError(absl::StrCat(
              "the report was not ready within the time allowed (", seen, " of ", end_position,
              " events read); ask for a longer deadline or a narrower known_at"));
        }
        if (recorded.recorded_at > known_at) return absl::OkStatus();
        const absl::string_view urn = codec::UrnView(recorded.stream);
        if (urn.empty() || static_cast<int>(absl::Hash<absl::string_view>{}(urn) % kThreads) != t) {
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(codec::DecodeInto(recorded, &event));
        if (event.metadata.effective_date() > last_day && !event.payload.has_event_corrected()) {
          return absl::OkStatus();
        }
        auto [it, fresh] = walks.try_emplace(urn, arena);
        if (fresh) it->second.Mutable().set_urn(std::string(urn));
        if (domain::NeedsRefold(event)) {
          it->second.needs_refold = true;
        } else if (!it->second.needs_refold) {
          Step(it->second, event, term);
        }
        return absl::OkStatus();
      });
    });
  }
  for (std::thread& t : scanners) t.join();
  for (const absl::Status& f : failures) RETURN_IF_ERROR(f);
  absl::btree_map<std::string, Walk> walks;
  for (auto& partition : partitions) {
    for (auto& [urn, walk] : partition) walks.emplace(urn, std::move(walk));
  }
  for (auto& [urn, walk] : walks) {
    if (walk.needs_refold) {
      ASSIGN_OR_RETURN(walk, WalkStream(log, urn, known_at, term, last_day, arena));
    }
  }
  return walks;
}

// Every institution's walk from the term snapshots: its state the day before the term, then
// its events of the term; one the snapshots cannot say is walked from its own stream.
absl::StatusOr<absl::btree_map<std::string, Walk>> WalkFromSnapshots(
    const storage::EventLog& log,
    const std::vector<projections::TermSnapshots::PeriodEntry>& entries,
    const projections::Period& term, absl::Time known_at, const std::string& day_before,
    const std::string& last_day, google::protobuf::Arena* arena) {
  absl::btree_map<std::string, Walk> walks;
  for (const projections::TermSnapshots::PeriodEntry& entry : entries) {
    if (entry.from_stream) {
      ASSIGN_OR_RETURN(Walk walk, WalkStream(log, entry.urn, known_at, term, last_day, arena));
      walks.emplace_hint(walks.end(), entry.urn, std::move(walk));
      continue;
    }
    Walk walk(arena, entry.start);
    walk.concern.emplace_back(day_before, domain::IsCausingConcern(entry.start->state()));
    for (const auto& event : entry.events) Step(walk, *event, term);
    walks.emplace_hint(walks.end(), entry.urn, std::move(walk));
  }
  return walks;
}

std::string Title(v1::ReportAudience audience) {
  switch (audience) {
    case v1::REPORT_AUDIENCE_SRG_SETTINGS_UPDATE:
      return "Settings causing concern: update for the School Review Group";
    case v1::REPORT_AUDIENCE_SSSPB_SETTINGS_UPDATE:
      return "Settings causing concern: update for the School and Settings Standards "
             "Partnership Board";
    default:
      return "Schools and settings causing concern";
  }
}

}  // namespace

absl::StatusOr<const projections::Period*> FindPeriod(const projections::TermCalendar& calendar,
                                                      const std::string& name,
                                                      v1::ReportAudience audience) {
  const std::vector<std::string> parts = absl::StrSplit(name, '-');
  int year = 0;
  int half = 0;
  const bool season = parts.size() >= 2 && (parts[1] == "autumn" || parts[1] == "spring" ||
                                            parts[1] == "summer");
  if (!season || parts.size() > 3 || !absl::SimpleAtoi(parts[0], &year) ||
      (parts.size() == 3 && (!absl::SimpleAtoi(parts[2], &half) || half < 1 || half > 2))) {
    return domain::InvalidField(
        "term", absl::StrCat("'", name, "' is not <year>-<autumn|spring|summer>, or "
                             "<year>-<autumn|spring|summer>-<1|2> for a half term"));
  }
  // Which periods each audience is given.
  switch (audience) {
    case v1::REPORT_AUDIENCE_SRG_SETTINGS_UPDATE:
      if (half == 0) {
        return domain::InvalidField(
            "term", absl::StrCat("the SRG's settings update is half-termly: name a half term, "
                                 "such as ", name, "-1"));
      }
      break;
    case v1::REPORT_AUDIENCE_SSSPB_SETTINGS_UPDATE:
      if ((half == 0) != (parts[1] != "summer")) {
        return domain::InvalidField(
            "term", "the SSSPB's settings update is four times a year: the autumn term, the "
                    "spring term and each half of the summer term (e.g. 2025-summer-1)");
      }
      break;
    default:
      if (half != 0) {
        return domain::InvalidField(
            "term", "the termly progress report is for a whole term: name the term, such as " +
                        absl::StrCat(parts[0], "-", parts[1]));
      }
      break;
  }
  const projections::Period* term = nullptr;
  for (const projections::Period& p : calendar.terms()) {
    if (p.start.year() == year && absl::StrContains(p.label, absl::StrCat(" ", parts[1], " "))) {
      term = &p;
    }
  }
  if (term == nullptr) {
    return absl::NotFoundError(absl::StrCat("the term calendar has no ", parts[0], "-", parts[1],
                                            " term"));
  }
  if (half == 0) return term;
  for (const projections::Period& h : calendar.half_terms()) {
    if (term->Contains(h.start) && absl::EndsWith(h.label, absl::StrCat(" half term ", half))) {
      return &h;
    }
  }
  return absl::NotFoundError(absl::StrCat("the term calendar has no ", name, " half term"));
}

absl::StatusOr<v1::TermReport> BuildTermReport(const storage::EventLog& log,
                                               const projections::TermCalendar& calendar,
                                               const projections::Period& term,
                                               absl::Time known_at, const ReportReader& reader,
                                               const projections::ObligationRules& rules,
                                               const ReportTargets& targets,
                                               v1::ReportAudience audience,
                                               absl::Time deadline,
                                               projections::TermSnapshots* snapshots,
                                               bool build_snapshots) {
  const std::string last_day = FormatDate(term.end);
  const std::string day_before = FormatDate(term.start - 1);
  const uint64_t end_position = log.NextPosition();
  std::optional<std::vector<projections::TermSnapshots::PeriodEntry>> entries;
  if (snapshots != nullptr) {
    // Held snapshots only: while one is built, a full scan is quicker than waiting for it.
    ASSIGN_OR_RETURN(entries, snapshots->OverPeriod(term, known_at, end_position, build_snapshots,
                                                    absl::Now()));
  }
  google::protobuf::Arena arena;  // the walks' states; outlives `walks`
  absl::btree_map<std::string, Walk> walks;
  if (entries) {
    ASSIGN_OR_RETURN(walks, WalkFromSnapshots(log, *entries, term, known_at, day_before, last_day,
                                              &arena));
  } else {
    ASSIGN_OR_RETURN(walks, ScanLog(log, term, known_at, last_day, end_position, deadline, &arena));
  }

  v1::TermReport report;
  report.set_term(term.label);
  report.set_first_day(FormatDate(term.start));
  report.set_last_day(last_day);
  report.set_known_at(absl::FormatTime(absl::RFC3339_full, known_at, absl::UTCTimeZone()));
  v1::ReportSummary& summary = *report.mutable_summary();
  summary.set_schools_target(targets.schools);
  summary.set_settings_target(targets.settings);
  summary.set_national_benchmark(targets.national_benchmark);
  report.set_authority(targets.authority);
  report.set_protective_marking(targets.protective_marking);
  report.set_audience(audience);
  report.set_title(Title(audience));
  const bool settings_only = audience != v1::REPORT_AUDIENCE_UNSPECIFIED;
  std::map<std::string, v1::PhaseKpi> by_phase;

  // Weeks of the term (Mondays), and its half terms.
  std::vector<absl::CivilDay> week_ends;
  for (absl::CivilDay d = term.start; d <= term.end; d += 7) week_ends.push_back(std::min(d + 6, term.end));
  std::vector<std::string> week_end_dates;  // formatted once, not per institution
  for (absl::CivilDay d : week_ends) week_end_dates.push_back(FormatDate(d));
  std::vector<const projections::Period*> halves;
  for (const projections::Period& h : calendar.half_terms()) {
    if (term.Contains(h.start)) halves.push_back(&h);
  }
  std::vector<int> per_week(week_ends.size(), 0);
  std::map<std::string, int> designated_by_phase, designated_by_trigger, removed_by_phase,
      overdue_by_type, designated_per_half, removed_per_half, time_bands;
  for (const projections::Period* h : halves) {
    designated_per_half[h->label] = 0;
    removed_per_half[h->label] = 0;
  }
  const char* kBands[] = {"1 under 6 months", "2 6 to 12 months", "3 12 to 24 months",
                          "4 over 24 months"};
  for (const char* band : kBands) time_bands[band] = 0;

  // Obligations are judged on the term's last day: what was due by then and not done is
  // overdue in this term's report. R-12's meetings are per Lead Officer, over all their schools.
  projections::ObligationRules judged = rules;
  judged.judged_period_from = term.start;
  projections::QualityAssuranceDays qa;
  for (const auto& [urn, walk] : walks) projections::AddQualityAssurance(walk.end(), &qa);
  for (const auto& [urn, walk] : walks) {
    const InstitutionState& s = walk.end();
    const bool setting = s.details().kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING;
    if (!s.registered() || (settings_only && !setting)) continue;
    const bool at_start = ConcernOn(walk, day_before);
    const bool at_end = domain::IsCausingConcern(s.state());
    summary.set_causing_concern_at_start(summary.causing_concern_at_start() + at_start);
    summary.set_causing_concern_at_end(summary.causing_concern_at_end() + at_end);
    for (size_t w = 0; w < week_ends.size(); ++w) per_week[w] += ConcernOn(walk, week_end_dates[w]);
    for (const std::string& on : walk.designations) {
      ++designated_by_phase[PhaseName(s.details().phase())];
      const std::vector<std::string> triggers = Triggers(s);
      ++designated_by_trigger[triggers.empty() ? "unrecorded" : triggers.front()];
      if (const projections::Period* h = calendar.HalfTermAt(*domain::ParseDate(on))) {
        ++designated_per_half[h->label];
      }
    }
    for (const std::string& on : walk.removals) {
      ++removed_by_phase[PhaseName(s.details().phase())];
      if (const projections::Period* h = calendar.HalfTermAt(*domain::ParseDate(on))) {
        ++removed_per_half[h->label];
      }
    }
    summary.set_designated_in_term(summary.designated_in_term() + walk.designations.size());
    summary.set_removed_in_term(summary.removed_in_term() + walk.removals.size());
    summary.set_closed_in_term(summary.closed_in_term() + walk.closures.size());
    summary.set_warning_notices(summary.warning_notices() + walk.warning_notices);
    summary.set_interventions(summary.interventions() + walk.interventions);
    summary.set_academy_escalations(summary.academy_escalations() + walk.academy_escalations);
    // Good or better: schools (maintained and academies) and settings with an outcome.
    if (s.has_latest_ofsted()) {
      const bool good = domain::Classify(s.latest_ofsted()).good_or_better;
      if (s.details().kind() == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING) {
        summary.set_settings_inspected(summary.settings_inspected() + 1);
        summary.set_settings_good_or_better(summary.settings_good_or_better() + good);
      } else {
        summary.set_schools_inspected(summary.schools_inspected() + 1);
        summary.set_schools_good_or_better(summary.schools_good_or_better() + good);
        const int pupils = s.details().number_of_pupils();
        summary.set_pupils_in_inspected_schools(summary.pupils_in_inspected_schools() + pupils);
        summary.set_pupils_in_good_or_better_schools(summary.pupils_in_good_or_better_schools() +
                                                     (good ? pupils : 0));
        v1::PhaseKpi& kpi = by_phase[PhaseName(s.details().phase())];
        kpi.set_inspected(kpi.inspected() + 1);
        kpi.set_good_or_better(kpi.good_or_better() + good);
        kpi.set_pupils(kpi.pupils() + pupils);
        kpi.set_pupils_in_good_or_better(kpi.pupils_in_good_or_better() + (good ? pupils : 0));
      }
    }
    // an action plan and a termly progress report for each school causing concern.
    if (at_end && s.details().kind() == v1::INSTITUTION_KIND_MAINTAINED_SCHOOL) {
      summary.set_schools_causing_concern(summary.schools_causing_concern() + 1);
      summary.set_schools_causing_concern_with_plan(summary.schools_causing_concern_with_plan() +
                                                    (s.episode().action_plan_version() > 0));
      summary.set_schools_with_progress_report(
          summary.schools_with_progress_report() +
          !DatesInTerm(s.episode().progress_report_days(), term).empty());
    }
    // "an action plan for each school and setting".
    if (at_end && setting) {
      summary.set_settings_causing_concern(summary.settings_causing_concern() + 1);
      summary.set_settings_causing_concern_with_plan(
          summary.settings_causing_concern_with_plan() + (s.episode().action_plan_version() > 0));
    }
    if (!at_end && !at_start && walk.designations.empty()) continue;

    // A progress page for every institution causing concern at some point in the term.
    const std::vector<v1::Obligation> obligations =
        projections::ComputeObligations(s, term.end, calendar, judged, &qa);
    std::vector<std::string> overdue;
    for (const v1::Obligation& o : obligations) {
      if (o.type() == v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE && at_end) {
        summary.set_warning_notice_candidates(summary.warning_notice_candidates() + 1);
      }
      if (!o.overdue() || !at_end) continue;
      ++overdue_by_type[ObligationName(o.type())];
      overdue.push_back(absl::StrCat(o.rule(), " ", o.description()));
    }
    v1::ProgressPage& page = *report.add_pages();
    page.set_urn(urn);
    page.set_name(s.details().name());
    page.set_kind(KindName(s.details().kind()));
    page.set_phase(PhaseName(s.details().phase()));
    page.set_lead_officer(s.episode().lead_officer().lead_officer_name());
    page.set_causing_concern_at_end(at_end);
    // Days in SCC: to the term's end for an open episode, to its end for one finished in the term.
    if (auto since = domain::ParseDate(s.episode().designated_on())) {
      const auto ended = domain::ParseDate(s.episode().removed_on());
      if (at_end || ended) {
        const int days = static_cast<int>((at_end || !ended ? term.end : *ended) - *since);
        page.set_days_in_scc(days);
        if (at_end) {
          ++time_bands[days < 183 ? kBands[0] : days < 365 ? kBands[1] : days < 730 ? kBands[2] : kBands[3]];
        }
      }
    }
    for (const std::string& t : Triggers(s)) page.add_triggers(t);
    page.set_state(StateWords(s.state()));
    for (const domain::StateChange& c : domain::StateChanges(s)) {
      const std::string on = FormatDate(domain::FromDayNumber(c.day));
      if (on < s.episode().designated_on()) continue;
      v1::TimelineEntry* step = page.add_path();
      step->set_on(on);
      step->set_state(StateWords(c.state));
    }
    page.set_action_plan_version(s.episode().action_plan_version());
    for (const std::string& d : DatesInTerm(s.episode().review_days(), term))
      page.add_reviews_in_term(d);
    for (const std::string& d : DatesInTerm(s.episode().mcm_days(), term)) page.add_mcms_in_term(d);
    for (const std::string& d : DatesInTerm(s.episode().setting_meeting_days(), term)) {
      page.add_settings_meetings_in_term(d);
    }
    for (const v1::TimelineEntry& a : walk.support) *page.add_support_actions_in_term() = a;
    if (s.episode().srg_review_days_size() > 0 &&
        term.Contains(domain::FromDayNumber(
            s.episode().srg_review_days(s.episode().srg_review_days_size() - 1)))) {
      for (const std::string& d : DatesInTerm(s.episode().srg_review_days(), term)) {
        v1::TimelineEntry* e = page.add_srg_outcomes_in_term();
        e->set_on(d);
      }
      page.mutable_srg_outcomes_in_term()->rbegin()->set_state(
          EnumName(v1::SrgOutcome_Name(s.episode().last_srg_outcome()), "SRG_OUTCOME_"));
    }
    const projections::VisitCount visits = projections::CountVisits(s, term.end, calendar);
    page.set_visits_done(visits.done);
    page.set_visits_required(visits.required);
    if (s.has_latest_ofsted()) {
      page.set_latest_ofsted(absl::StrCat(domain::Classify(s.latest_ofsted()).label, " (",
                                          s.latest_ofsted().inspection_date(), ")"));
    }
    page.set_episode_ended(EpisodeEnded(s));
    for (std::string& o : overdue) page.add_overdue(std::move(o));
    const domain::Reader notes_reader{reader.role,
                                      domain::WorksWith(reader.user, reader.role, {}, s)};
    for (const auto& [note, confidential] : walk.notes) {
      if (!confidential || domain::MayRead(notes_reader, v1::CONFIDENTIALITY_LA_RECORD)) {
        *page.add_meeting_notes() = note;
      }
    }
  }

  for (auto& [phase, kpi] : by_phase) {
    kpi.set_phase(phase);
    *summary.add_schools_by_phase() = std::move(kpi);
  }
  AddCounts(designated_by_phase, summary.mutable_designated_by_phase());
  AddCounts(designated_by_trigger, summary.mutable_designated_by_trigger());
  AddCounts(removed_by_phase, summary.mutable_removed_by_phase());
  AddCounts(overdue_by_type, summary.mutable_overdue_by_type());
  for (size_t w = 0; w < week_ends.size(); ++w) {
    v1::Count* c = report.add_causing_concern_per_week();
    c->set_key(FormatDate(term.start + static_cast<int>(7 * w)));
    c->set_count(per_week[w]);
  }
  for (const projections::Period* h : halves) {
    v1::Count* d = report.add_designated_per_half_term();
    d->set_key(h->label);
    d->set_count(designated_per_half[h->label]);
    v1::Count* r = report.add_removed_per_half_term();
    r->set_key(h->label);
    r->set_count(removed_per_half[h->label]);
  }
  for (const auto& [band, count] : time_bands) {
    v1::Count* c = report.add_time_in_scc();
    c->set_key(band.substr(2));
    c->set_count(count);
  }
  return report;
}

std::vector<std::string> Changes(const v1::TermReport& before, const v1::TermReport& after) {
  std::vector<std::string> changes;
  auto figure = [&](const char* what, int was, int now) {
    if (was != now) changes.push_back(absl::StrCat(what, ": ", was, " -> ", now));
  };
  figure("causing concern at start of term", before.summary().causing_concern_at_start(),
         after.summary().causing_concern_at_start());
  figure("causing concern at end of term", before.summary().causing_concern_at_end(),
         after.summary().causing_concern_at_end());
  figure("designated in term", before.summary().designated_in_term(), after.summary().designated_in_term());
  figure("removed in term", before.summary().removed_in_term(), after.summary().removed_in_term());
  figure("schools Good or better", before.summary().schools_good_or_better(),
         after.summary().schools_good_or_better());
  std::map<std::string, const v1::ProgressPage*> was;
  for (const v1::ProgressPage& p : before.pages()) was[p.urn()] = &p;
  for (const v1::ProgressPage& p : after.pages()) {
    auto it = was.find(p.urn());
    if (it == was.end()) {
      changes.push_back(absl::StrCat(p.urn(), " ", p.name(), ": now in the report"));
      continue;
    }
    const v1::ProgressPage& old = *it->second;
    auto field = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b) changes.push_back(absl::StrCat(p.urn(), " ", what, ": ", a.empty() ? "-" : a, " -> ", b.empty() ? "-" : b));
    };
    field("state", old.state(), p.state());
    field("lead officer", old.lead_officer(), p.lead_officer());
    field("latest Ofsted", old.latest_ofsted(), p.latest_ofsted());
    field("action plan version", absl::StrCat(old.action_plan_version()), absl::StrCat(p.action_plan_version()));
    field("overdue", absl::StrCat(old.overdue_size()), absl::StrCat(p.overdue_size()));
    was.erase(it);
  }
  for (const auto& [urn, page] : was) {
    changes.push_back(absl::StrCat(urn, " ", page->name(), ": no longer in the report"));
  }
  return changes;
}

}  // namespace scc::reports
