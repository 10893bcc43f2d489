#include "services/projections/status.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "services/domain/dates.h"
#include "services/domain/decide.h"
#include "services/domain/ofsted.h"

namespace scc::projections {
namespace {

using domain::FormatDate;
using domain::InstitutionState;
using domain::ParseDate;
using google::protobuf::RepeatedField;

std::optional<absl::CivilDay> Day(const std::string& text) {
  return text.empty() ? std::nullopt : ParseDate(text);
}

bool HeldIn(const RepeatedField<int32_t>& days, const Period& period, absl::CivilDay as_of) {
  return std::any_of(days.begin(), days.end(), [&](int32_t d) {
    const absl::CivilDay day = domain::FromDayNumber(d);
    return period.Contains(day) && day <= as_of;
  });
}

// The latest of `days` as YYYY-MM-DD; empty when there is none.
std::string Latest(const RepeatedField<int32_t>& days) {
  if (days.empty()) return "";
  return FormatDate(domain::FromDayNumber(*std::max_element(days.begin(), days.end())));
}

// The RPC that records what an obligation asks for: the form that clears it.
const char* ClearsWith(v1::ObligationType type) {
  switch (type) {
    case v1::OBLIGATION_TYPE_LEAD_OFFICER_MISSING: return "AssignLeadOfficer";
    case v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING: return "AgreeActionPlan";
    case v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING: return "IssueStatementOfAction";
    case v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW: return "HoldActionPlanReview";
    case v1::OBLIGATION_TYPE_MONITORING_AND_CHALLENGE_MEETING:
      return "HoldMonitoringAndChallengeMeeting";
    case v1::OBLIGATION_TYPE_SRG_REVIEW: return "RecordSrgReviewOutcome";
    case v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING: return "HoldQualityAssuranceMeeting";
    case v1::OBLIGATION_TYPE_PROGRESS_REVIEW_TEAM_MEETING:
      return "HoldSchoolProgressReviewTeamMeeting";
    case v1::OBLIGATION_TYPE_VISITS: return "RecordVisit";
    case v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE:
    case v1::OBLIGATION_TYPE_WARNING_NOTICE_PROMPT: return "DecideNotToIssueWarningNotice";
    case v1::OBLIGATION_TYPE_REMOVAL_BLOCKED: return "RecordOfstedOutcome";
    case v1::OBLIGATION_TYPE_COMPLIANCE_PERIOD_ENDED: return "RecordWarningNoticeNotComplied";
    case v1::OBLIGATION_TYPE_SETTINGS_MEETING: return "HoldSettingsCausingConcernMeeting";
    case v1::OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING: return "AgreeSettingActionPlan";
    case v1::OBLIGATION_TYPE_INTERVENTION_DECISION: return "IssueNoticeOfIntentionToIntervene";
    case v1::OBLIGATION_TYPE_PROGRESS_REPORT: return "RecordProgressReport";
    case v1::OBLIGATION_TYPE_SRG_DECISION: return "DesignateSchool";
    case v1::OBLIGATION_TYPE_NOTE_OF_VISIT: return "RecordNoteOfVisitResponse";
    default: return "";
  }
}

class Collector {
 public:
  Collector(const InstitutionState& s, absl::CivilDay as_of,
            std::optional<absl::CivilDay> judged_from, std::vector<v1::Obligation>* out)
      : s_(s), as_of_(as_of), judged_from_(judged_from), out_(out) {}

  // Whether `due` has passed on as_of: at a period's end (the termly report), a duty due that
  // day and not done is overdue in that period's report.
  bool Passed(absl::CivilDay due) const { return judged_from_ ? due <= as_of_ : due < as_of_; }

  v1::Obligation& Add(v1::ObligationType type, const char* rule, std::string description,
                      absl::CivilDay due, bool overdue) {
    v1::Obligation& o = out_->emplace_back();
    o.set_clears_with(ClearsWith(type));
    o.set_urn(s_.urn());
    o.set_institution_name(s_.details().name());
    o.set_type(type);
    o.set_rule(rule);
    o.set_description(std::move(description));
    o.set_due_on(FormatDate(due));
    o.set_overdue(overdue);
    o.set_lead_officer_id(s_.episode().lead_officer().lead_officer_id());
    return o;
  }

  // Something that must happen once by `due` (from `since`).
  void Deadline(v1::ObligationType type, const char* rule, const std::string& what,
                std::optional<absl::CivilDay> since, int working_days) {
    if (!since) return;
    const absl::CivilDay due = AddWorkingDays(*since, working_days);
    Add(type, rule, what, due, Passed(due));
  }

  // A meeting that must happen in every period (half term or term) while the obligation is
  // active: overdue when a whole period passed without one; otherwise due by the end of the
  // current period unless already held in it. The period the activity starts in is satisfied by
  // the start itself.
  void EveryPeriod(v1::ObligationType type, const char* rule, const std::string& what,
                   const RepeatedField<int32_t>& dates, std::optional<absl::CivilDay> since,
                   const Period* current, const TermCalendar& calendar,
                   const char* missing = "not held") {
    if (!since || current == nullptr) return;
    // Live, a miss in the period before stays overdue; in the termly report only the periods
    // of its term are judged: the ones before had their own report.
    for (const Period* p : {calendar.Previous(current), current}) {
      if (p == nullptr || !(*since < p->start) || !Passed(p->end)) continue;
      if (judged_from_ && p->start < *judged_from_) continue;
      if (!HeldIn(dates, *p, as_of_)) {
        Add(type, rule, absl::StrCat(what, " ", missing, " in ", p->label), p->end, true)
            .set_period(p->label);
        return;
      }
    }
    if (!Passed(current->end) && *since < current->start && !HeldIn(dates, *current, as_of_)) {
      Add(type, rule, absl::StrCat(what, " due in ", current->label), current->end, false)
          .set_period(current->label);
    }
  }

 private:
  const InstitutionState& s_;
  const absl::CivilDay as_of_;
  const std::optional<absl::CivilDay> judged_from_;
  std::vector<v1::Obligation>* out_;
};

// In special measures or with serious weaknesses, also once powers are in use.
bool InCategory(const InstitutionState& s) {
  return !s.episode().category_entered_on().empty() && domain::IsCausingConcern(s.state());
}

}  // namespace

bool HasQualityAssurance(const InstitutionState& s) {
  return s.episode().has_lead_officer() && !s.episode().qa_meeting_days().empty();
}

void AddQualityAssurance(const InstitutionState& s, QualityAssuranceDays* days) {
  if (!HasQualityAssurance(s)) return;
  const v1::SccEpisode& e = s.episode();
  std::vector<int32_t>& into = (*days)[e.lead_officer().lead_officer_id()];
  into.insert(into.end(), e.qa_meeting_days().begin(), e.qa_meeting_days().end());
}

QualityAssuranceDays CollectQualityAssurance(
    const std::vector<std::shared_ptr<const InstitutionState>>& states) {
  QualityAssuranceDays days;
  for (const auto& s : states) AddQualityAssurance(*s, &days);
  return days;
}

VisitCount CountVisits(const InstitutionState& s, absl::CivilDay as_of,
                       const TermCalendar& calendar) {
  VisitCount count;
  const Period* year = calendar.YearAt(as_of);
  if (year == nullptr || !s.registered()) return count;
  if (!s.closed_on().empty()) return count;  // a closed school is visited no more
  const bool ri_or_worse = s.has_latest_ofsted() && domain::Classify(s.latest_ofsted()).ri_or_worse;
  const bool concern = domain::IsCausingConcern(s.state());
  switch (s.details().kind()) {
    case v1::INSTITUTION_KIND_MAINTAINED_SCHOOL: {
      // from the Ofsted grade combined with the LA's RAG rating and capacity judgement.
      const bool insecure = s.rag().capacity() == v1::CAPACITY_TO_IMPROVE_NOT_SECURE;
      if (InCategory(s) || (ri_or_worse && insecure)) {
        count.required = 19;  // about one a fortnight (SM/SW: as the Statement of Action says)
      } else if (concern || ri_or_worse || s.rag().good_but_vulnerable()) {
        count.required = 6;   // at least half-termly
      } else if (s.details().phase() == v1::PHASE_SECONDARY_WITH_SIXTH_FORM) {
        count.required = 3;
      } else {
        count.required = 2;   // Outstanding / securely Good; PRUs too
      }
      break;
    }
    case v1::INSTITUTION_KIND_EARLY_YEARS_SETTING:
      count.required = (ri_or_worse || concern) ? 3 : 1;  // 1-3 a year, more when RI/I
      break;
    default:
      return count;  // academies: the Trust's responsibility
  }
  // visits are spread from the day the requirement starts (a designation, a removal, the
  // registration), not from 1 September: a school designated in May owes May-July's share.
  count.from = year->start;
  const std::string& changed = concern               ? s.episode().designated_on()
                               : !s.episode().removed_on().empty() ? s.episode().removed_on()
                                                                   : s.registered_on();
  if (auto since = Day(changed); since && *since > year->start && *since <= year->end) {
    count.from = *since;
  }
  const double length = static_cast<double>(year->end - year->start) + 1;
  const double span = static_cast<double>(year->end - count.from) + 1;
  count.required = static_cast<int>(std::ceil(count.required * span / length));
  for (int32_t d : s.visit_days()) {
    const absl::CivilDay day = domain::FromDayNumber(d);
    if (year->Contains(day) && day <= as_of) ++count.done;
  }
  const double elapsed = std::clamp(static_cast<double>(as_of - count.from) + 1, 0.0, span);
  count.expected_by_now = static_cast<int>(std::floor(count.required * elapsed / span));
  return count;
}

namespace {

// the grounds for a formal warning notice the server can see, each a flag: more than 12
// months in SCC; engagement concerns recorded; a review Ofsted recommended not secured; an SRG
// review that said escalate. A recorded decision not to issue closes them until new grounds
// appear (a later engagement concern or SRG escalation) or the configured period passes.
void WarningNoticeFlags(const InstitutionState& s, absl::CivilDay as_of,
                        const ObligationRules& rules, Collector& c) {
  const v1::SccEpisode& e = s.episode();
  const auto decided = Day(e.warning_notice_not_issued_on());
  const bool decision_holds =
      decided && as_of <= domain::AddMonths(*decided, rules.warning_notice_decision_months);
  auto closed_by_decision = [&](std::optional<absl::CivilDay> grounds_on) {
    return decision_holds && (!grounds_on || *grounds_on <= *decided);
  };
  const auto start = Day(e.designated_on());
  if (start) {
    const absl::CivilDay twelve_months = domain::AddMonths(*start, 12);
    if (as_of > twelve_months && !closed_by_decision(twelve_months)) {
      c.Add(v1::OBLIGATION_TYPE_WARNING_NOTICE_CANDIDATE, "R-16",
            absl::StrCat("A school causing concern for ", as_of - *start,
                         " days: consider a formal warning notice if it seems unlikely to be "
                         "Good within 6 months, or record the decision not to issue one"),
            twelve_months, true);
    }
  }
  std::vector<std::string> grounds;
  std::optional<absl::CivilDay> latest;
  if (e.engagement_concerns() > 0 &&
      !(decision_holds && e.engagement_concerns() <= e.engagement_concerns_at_decision())) {
    grounds.push_back(absl::StrCat(e.engagement_concerns(), " engagement concern(s) recorded"));
  }
  if (!s.reviews_not_secured().empty()) {
    const auto recommended = Day(s.reviews_recommended_on());
    if (!closed_by_decision(recommended)) {
      grounds.push_back("a review Ofsted recommended (Pupil Premium or governance) not secured");
      latest = recommended;
    }
  }
  if (const auto escalate = Day(e.last_srg_escalated_on()); escalate && !closed_by_decision(escalate)) {
    grounds.push_back("the SRG's review said escalate");
    latest = std::max(latest.value_or(*escalate), *escalate);
  }
  if (!grounds.empty()) {
    std::string words;
    for (const std::string& g : grounds) absl::StrAppend(&words, words.empty() ? "" : "; ", g);
    c.Add(v1::OBLIGATION_TYPE_WARNING_NOTICE_PROMPT, "R-16",
          absl::StrCat("Grounds to consider a formal warning notice: ", words,
                       ". Issue one, or record the decision not to with its reason"),
          latest.value_or(as_of), false);
  }
}

}  // namespace

std::vector<v1::Obligation> ComputeObligations(const InstitutionState& s, absl::CivilDay as_of,
                                               const TermCalendar& calendar,
                                               const ObligationRules& rules,
                                               const QualityAssuranceDays* qa) {
  std::vector<v1::Obligation> out;
  if (!s.registered()) return out;
  Collector c(s, as_of, rules.judged_period_from, &out);
  const v1::InstitutionKind kind = s.details().kind();
  const bool concern = domain::IsCausingConcern(s.state());
  const Period* half_term = calendar.HalfTermAt(as_of);
  const Period* term = calendar.TermAt(as_of);
  const auto episode_start = Day(s.episode().designated_on());

  if (kind == v1::INSTITUTION_KIND_MAINTAINED_SCHOOL && concern) {
    // a designated school has a Lead Officer; one warned outside the list was not designated.
    if (!s.episode().has_lead_officer() &&
        !(s.episode().started_by_warning_notice() && !InCategory(s))) {
      c.Deadline(v1::OBLIGATION_TYPE_LEAD_OFFICER_MISSING, InCategory(s) ? "R-13" : "R-5",
                 "No Lead Officer assigned", episode_start, rules.lead_officer_working_days);
    }
    if (InCategory(s) && !s.episode().statement_of_action_issued()) {
      const v1::OfstedOutcomeRecorded& o = s.latest_ofsted();
      const std::string& report = !o.publication_date().empty() ? o.publication_date()
                                  : !o.inspection_date().empty()
                                      ? o.inspection_date()
                                      : s.episode().category_entered_on();
      if (auto shortened = Day(s.episode().statement_of_action_due_on())) {
        c.Add(v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING, "R-13",
              "Statement of Action not issued (period shortened for this school)", *shortened,
              as_of > *shortened);
      } else {
        c.Deadline(v1::OBLIGATION_TYPE_STATEMENT_OF_ACTION_MISSING, "R-13",
                   "Statement of Action not issued", Day(report),
                   rules.statement_of_action_working_days);
      }
    }
    if (!InCategory(s) && s.episode().has_lead_officer() &&
        s.episode().action_plan_version() == 0) {
      c.Deadline(v1::OBLIGATION_TYPE_ACTION_PLAN_MISSING, "R-9", "No SCC Action Plan agreed",
                 Day(s.episode().lead_officer_assigned_on()), rules.action_plan_working_days);
    }
    if (s.episode().action_plan_version() > 0) {
      c.EveryPeriod(v1::OBLIGATION_TYPE_ACTION_PLAN_REVIEW, "R-10", "Action-plan review",
                    s.episode().review_days(), Day(s.episode().action_plan_agreed_on()),
                    rules.review_each_term ? term : half_term, calendar);
    }
    // an MCM is optional for an ordinary SCC; termly and required in a category.
    if (InCategory(s)) {
      c.EveryPeriod(v1::OBLIGATION_TYPE_MONITORING_AND_CHALLENGE_MEETING, "R-13",
                    "Monitoring and Challenge Meeting", s.episode().mcm_days(),
                    Day(s.episode().category_entered_on()), term, calendar);
    }
    // the Lead Officer's progress report, with a judgement and next steps, every term.
    if (s.episode().has_lead_officer()) {
      c.EveryPeriod(v1::OBLIGATION_TYPE_PROGRESS_REPORT, "R-7",
                    "Lead Officer's progress report (judgement and next steps)",
                    s.episode().progress_report_days(),
                    Day(s.episode().lead_officer_assigned_on()), term, calendar, "not recorded");
    }
    if (InCategory(s)) {
      c.EveryPeriod(v1::OBLIGATION_TYPE_PROGRESS_REVIEW_TEAM_MEETING, "R-13",
                    "School Progress Review Team meeting", s.episode().sprt_meeting_days(),
                    Day(s.episode().category_entered_on()), term, calendar);
    }
    c.EveryPeriod(v1::OBLIGATION_TYPE_SRG_REVIEW, "R-6", "SRG review of the categorisation",
                  s.episode().srg_review_days(), episode_start, half_term, calendar);
    if (s.episode().has_lead_officer()) {
      // one meeting per Lead Officer about every school they lead clears it for all.
      const std::string& lo = s.episode().lead_officer().lead_officer_id();
      RepeatedField<int32_t> days = s.episode().qa_meeting_days();
      if (qa != nullptr) {
        if (auto it = qa->find(lo); it != qa->end()) days.Add(it->second.begin(), it->second.end());
      }
      c.EveryPeriod(v1::OBLIGATION_TYPE_QUALITY_ASSURANCE_MEETING, "R-12",
                    absl::StrCat("HoSI quality-assurance meeting with Lead Officer ",
                                 s.episode().lead_officer().lead_officer_name().empty()
                                     ? lo
                                     : s.episode().lead_officer().lead_officer_name(),
                                 " (one meeting covers every school they lead)"),
                    days, Day(s.episode().lead_officer_assigned_on()), half_term, calendar);
    }
    const bool escalated = s.state() == v1::FLOWCHART_STATE_WARNING_NOTICE ||
                           s.state() == v1::FLOWCHART_STATE_ELIGIBLE_FOR_INTERVENTION ||
                           s.state() == v1::FLOWCHART_STATE_INTERVENTION || InCategory(s);
    if (!escalated) WarningNoticeFlags(s, as_of, rules, c);
    if (s.has_latest_ofsted() && domain::Classify(s.latest_ofsted()).ri_or_worse) {
      c.Add(v1::OBLIGATION_TYPE_REMOVAL_BLOCKED, "R-15",
            absl::StrCat("Cannot be removed until a later inspection judges it Good or better "
                         "(latest: ",
                         domain::Classify(s.latest_ofsted()).label, ")"),
            as_of, false);
    }
    // after non-compliance the LA decides whether to use its powers.
    if (s.state() == v1::FLOWCHART_STATE_WARNING_NOTICE && s.episode().warning_notice_not_complied()) {
      c.Deadline(v1::OBLIGATION_TYPE_INTERVENTION_DECISION, "R-18",
                 "The school did not comply with the warning notice: decide whether to use "
                 "intervention powers (written notice of intention) or not",
                 Day(s.last_step_on()) > Day(s.episode().compliance_period_ended_on())
                     ? Day(s.last_step_on())
                     : Day(s.episode().compliance_period_ended_on()),
                 rules.intervention_decision_working_days);
    }
    if (s.state() == v1::FLOWCHART_STATE_WARNING_NOTICE && !s.episode().warning_notice_complied() &&
        !s.episode().warning_notice_not_complied()) {
      if (auto ends = Day(s.episode().warning_notice().compliance_period_ends_on());
          ends && as_of > *ends) {
        c.Add(v1::OBLIGATION_TYPE_COMPLIANCE_PERIOD_ENDED, "R-18",
              "The warning notice's compliance period has ended: record whether the school "
              "complied",
              *ends, true);
      }
    }
  }
  // a school at risk is discussed at the SRG, which decides whether to designate.
  if (s.state() == v1::FLOWCHART_STATE_AT_RISK) {
    c.Deadline(v1::OBLIGATION_TYPE_SRG_DECISION, "R-4",
               "Concern raised: the SRG decides whether to designate", Day(s.concern_raised_on()),
               rules.srg_decision_working_days);
  }
  // each note of visit is agreed with the headteacher (or disputed) after the visit.
  const std::vector<absl::string_view> unagreed = domain::UnagreedVisitIds(s);
  for (int i = 0; i < s.unagreed_visit_days_size() && i < static_cast<int>(unagreed.size()) &&
                  s.closed_on().empty();
       ++i) {
    const absl::CivilDay visited = domain::FromDayNumber(s.unagreed_visit_days(i));
    // Notes of visits more than a year old are history, not a duty still owed.
    if (visited > as_of || as_of - visited > 365) continue;
    const absl::CivilDay due = AddWorkingDays(visited, rules.note_of_visit_working_days);
    c.Add(v1::OBLIGATION_TYPE_NOTE_OF_VISIT, "R-1",
          absl::StrCat("Note of the visit on ", FormatDate(visited),
                       " not yet agreed or disputed by the headteacher (visit event ",
                       unagreed[i], ")"),
          due, as_of > due);
  }
  if (kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING && concern) {
    // a setting causing concern has an action plan too, from when it is listed.
    if (s.episode().action_plan_version() == 0) {
      c.Deadline(v1::OBLIGATION_TYPE_SETTING_ACTION_PLAN_MISSING, "R-21",
                 "No action plan agreed for the setting", episode_start,
                 rules.action_plan_working_days);
    }
    c.EveryPeriod(v1::OBLIGATION_TYPE_SETTINGS_MEETING, "R-22", "Settings-causing-concern meeting",
                  s.episode().setting_meeting_days(), episode_start, term, calendar);
  }
  const VisitCount visits = CountVisits(s, as_of, calendar);
  if (visits.required > 0 && visits.done < visits.required) {
    const Period* year = calendar.YearAt(as_of);
    const double spacing =
        (static_cast<double>(year->end - visits.from) + 1) / visits.required;
    const absl::CivilDay next_due =
        visits.from + static_cast<int>(std::ceil(spacing * (visits.done + 1))) - 1;
    v1::Obligation& o = c.Add(
        v1::OBLIGATION_TYPE_VISITS, kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING ? "R-2" : "R-1",
        absl::StrCat(visits.done, " of ", visits.required, " visits done in ", year->label),
        std::min(next_due, year->end), c.Passed(std::min(next_due, year->end)));
    o.set_done(visits.done);
    o.set_required(visits.required);
    o.set_period(year->label);
  }
  return out;
}

v1::OfstedStatus BuildOfstedStatus(const InstitutionState& s, const domain::OfstedMapping& mapping) {
  v1::OfstedStatus out;
  for (const v1::OfstedOutcomeRecorded& o : s.ofsted_history()) {
    const domain::OfstedSummary summary = domain::Classify(o, mapping);
    v1::OfstedInspection* i = out.add_inspections();
    *i->mutable_outcome() = o;
    i->set_framework(domain::FrameworkName(summary.framework));
    i->set_summary(summary.label);
    i->set_category(summary.category);
    i->set_category_published(summary.published_category != v1::OFSTED_CATEGORY_UNSPECIFIED);
    i->set_derived_category(summary.derived_category);
    i->set_ri_or_worse(summary.ri_or_worse);
    i->set_good_or_better(summary.good_or_better);
  }
  if (s.has_rise()) {
    *out.mutable_rise() = s.rise();
    out.set_rise_recorded_on(s.rise_recorded_on());
  }
  if (!s.has_latest_ofsted()) return out;
  const domain::OfstedSummary latest = domain::Classify(s.latest_ofsted(), mapping);
  out.set_published_category(latest.published_category);
  out.set_derived_category(latest.derived_category);
  out.set_category(latest.category);
  out.set_category_disagreement(latest.category_disagreement);
  out.set_ri_or_worse(latest.ri_or_worse);
  out.set_good_or_better(latest.good_or_better);
  const domain::OfstedHistoryFlags flags = domain::HistoryFlags(s.ofsted_history(), mapping);
  out.set_not_making_necessary_improvements(flags.not_making_necessary_improvements);
  out.set_stuck(flags.stuck);
  const bool in_category = latest.category == v1::OFSTED_CATEGORY_SPECIAL_MEASURES ||
                           latest.category == v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT;
  const v1::InstitutionKind kind = s.details().kind();
  // a setting graded RI or Inadequate is causing concern by definition.
  out.set_setting_causing_concern(kind == v1::INSTITUTION_KIND_EARLY_YEARS_SETTING &&
                                  latest.ri_or_worse);
  // an academy placed in an Ofsted category is a serious concern.
  out.set_academy_serious_concern(kind == v1::INSTITUTION_KIND_ACADEMY && in_category);
  if (out.category_disagreement()) {
    out.add_alerts(absl::StrCat("Ofsted published the category '",
                                domain::CategoryName(latest.published_category),
                                "' but the grades suggest '",
                                domain::CategoryName(latest.derived_category),
                                "': the published one is acted on (R-13); check the record"));
  }
  if (latest.published_category == v1::OFSTED_CATEGORY_UNSPECIFIED && in_category) {
    out.add_alerts(absl::StrCat("No published category of concern is recorded: '",
                                domain::CategoryName(latest.category),
                                "' is derived from the grades; record the published one"));
  }
  if (flags.not_making_necessary_improvements) {
    out.add_alerts("Below Good at its two most recent inspections: not making necessary "
                   "improvements (R-3(a), R-18)");
  }
  if (flags.stuck) {
    out.add_alerts("A 'stuck' school as the DfE defines it (latest Requires Improvement or "
                   "equivalent, the one before below Good): RISE targets these");
  }
  if (out.setting_causing_concern() && !domain::IsCausingConcern(s.state())) {
    out.add_alerts("Graded RI or Inadequate: a setting causing concern by definition (R-21); "
                   "record it as causing concern");
  }
  if (out.academy_serious_concern()) {
    out.add_alerts("An academy in an Ofsted category: a serious concern to raise with the Trust "
                   "and escalate if engagement is not effective (R-20)");
  }
  return out;
}

v1::InstitutionStatus BuildStatus(const InstitutionState& s, absl::CivilDay as_of,
                                  const TermCalendar& calendar, const ObligationRules& rules,
                                  const QualityAssuranceDays* qa) {
  v1::InstitutionStatus out;
  out.set_urn(s.urn());
  *out.mutable_details() = s.details();
  out.set_version(s.version());
  out.set_state(s.state());
  out.set_causing_concern(domain::IsCausingConcern(s.state()));
  out.set_lead_officer_id(s.episode().lead_officer().lead_officer_id());
  out.set_lead_officer_name(s.episode().lead_officer().lead_officer_name());
  *out.mutable_triggers() = s.episode().triggers();
  *out.mutable_setting_triggers() = s.episode().setting_triggers();
  out.set_designated_on(s.episode().designated_on());
  // Days in SCC: to today for an open episode, to its end (removal, closure) for a finished one.
  if (auto since = Day(s.episode().designated_on())) {
    const auto ended = Day(s.episode().removed_on());
    if (out.causing_concern() || ended) {
      out.set_days_in_scc(static_cast<int>((out.causing_concern() || !ended ? as_of : *ended) - *since));
    }
  }
  out.set_action_plan_version(s.episode().action_plan_version());
  out.set_last_review_on(s.episode().last_review_on());
  out.set_last_mcm_on(Latest(s.episode().mcm_days()));
  out.set_last_srg_review_on(Latest(s.episode().srg_review_days()));
  out.set_last_srg_outcome(s.episode().last_srg_outcome());
  if (s.has_latest_ofsted()) {
    *out.mutable_latest_ofsted() = s.latest_ofsted();
    const domain::OfstedSummary summary = domain::Classify(s.latest_ofsted());
    out.set_latest_ofsted_summary(summary.label);
    out.set_ofsted_good_or_better(summary.good_or_better);
  }
  *out.mutable_ofsted() = BuildOfstedStatus(s, domain::InstalledOfstedMapping());
  if (s.has_rag()) *out.mutable_rag() = s.rag();
  if (s.episode().has_warning_notice()) {
    out.set_warning_notice_issued_on(s.episode().warning_notice_issued_on());
    out.set_compliance_period_ends_on(s.episode().warning_notice().compliance_period_ends_on());
    out.set_warning_notice_outcome(
        s.episode().warning_notice_not_complied() ? v1::WARNING_NOTICE_OUTCOME_NOT_COMPLIED
        : s.episode().warning_notice_complied()   ? v1::WARNING_NOTICE_OUTCOME_COMPLIED
                                                  : v1::WARNING_NOTICE_OUTCOME_PENDING);
  }
  out.set_eligible_for_intervention_on(s.episode().eligible_for_intervention_on());
  *out.mutable_interventions() = s.episode().interventions();
  out.set_trust_informed(s.episode().trust_informed());
  *out.mutable_escalated_to() = s.episode().escalated_to();
  out.set_removed_on(s.episode().removed_on());
  out.set_statement_of_action_issued_on(s.episode().statement_of_action_issued_on());
  out.set_category_entered_on(s.episode().category_entered_on());
  out.set_closed_on(s.closed_on());
  if (s.has_closure()) *out.mutable_closure() = s.closure();
  if (s.has_conversion()) *out.mutable_conversion() = s.conversion();
  *out.mutable_predecessors() = s.predecessors();
  out.set_academy_order_made_on(s.academy_order_made_on());
  out.set_academy_order_revoked_on(s.academy_order_revoked_on());
  out.set_episode_ended_by(s.episode().ended_by());
  const VisitCount visits = CountVisits(s, as_of, calendar);
  out.set_visits_this_year(visits.done);
  out.set_visits_required(visits.required);
  out.set_warning_notice_section_60a(s.episode().warning_notice_section_60a());
  out.set_secretary_of_state_notice_until(s.secretary_of_state_notice_until());
  *out.mutable_consulted_for() = s.episode().consulted_for();
  if (s.episode().eligible_under_section_60_only() && !s.episode().warning_notice_section_60a()) {
    if (auto ended = Day(s.episode().compliance_period_ended_on())) {
      const absl::CivilDay until = domain::AddMonths(*ended, 2);
      out.set_section_63_available(as_of <= until);
      out.set_section_63_available_until(FormatDate(until));
    }
  } else if (InCategory(s)) {
    out.set_section_63_available(true);
  }
  out.set_statement_of_action_due_on(s.episode().statement_of_action_due_on());
  out.set_last_progress_report_on(Latest(s.episode().progress_report_days()));
  out.set_warning_notice_not_issued_on(s.episode().warning_notice_not_issued_on());
  out.set_legal_hold_since(s.legal_hold_since());
  out.set_legal_hold_matter(s.legal_hold_matter());
  *out.mutable_reviews_not_secured() = s.reviews_not_secured();
  for (v1::Obligation& o : ComputeObligations(s, as_of, calendar, rules, qa)) {
    *out.add_obligations() = std::move(o);
  }
  for (const std::string& step : domain::AllowedNextSteps(s)) out.add_allowed_next_steps(step);
  out.set_as_of(FormatDate(as_of));
  return out;
}

}  // namespace scc::projections
