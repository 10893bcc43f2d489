#include "services/domain/ofsted.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace scc::domain {
namespace {

using Outcome = v1::OfstedOutcomeRecorded;

OfstedMapping& Installed() {
  static OfstedMapping* const kMapping = new OfstedMapping();
  return *kMapping;
}

bool InCategory(v1::OfstedCategory c) {
  return c == v1::OFSTED_CATEGORY_SPECIAL_MEASURES ||
         c == v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT;
}

const char* GradeName(int grade) {
  static constexpr const char* kNames[] = {"not judged", "Outstanding", "Good",
                                           "Requires Improvement", "Inadequate"};
  return grade >= 0 && grade <= 4 ? kNames[grade] : "not judged";
}

const char* CardGradeName(int grade) {
  static constexpr const char* kNames[] = {"not graded",        "exceptional",
                                           "strong standard",   "expected standard",
                                           "needs attention",   "urgent improvement"};
  return grade >= 0 && grade <= 5 ? kNames[grade] : "not graded";
}

std::string CategorySuffix(const OfstedSummary& s) {
  if (!InCategory(s.category)) return "";
  const bool derived = s.published_category == v1::OFSTED_CATEGORY_UNSPECIFIED;
  return absl::StrCat(" (", s.category == v1::OFSTED_CATEGORY_SPECIAL_MEASURES
                                ? "special measures"
                                : "requires significant improvement",
                      derived ? ", derived" : "", ")");
}

// The key judgements that are graded, worst first.
std::vector<int> Graded(const v1::KeyJudgements& k) {
  std::vector<int> grades;
  for (v1::OfstedGrade g : {k.quality_of_education(), k.behaviour_and_attitudes(),
                            k.personal_development(), k.leadership_and_management(),
                            k.early_years(), k.sixth_form()}) {
    if (g != v1::OFSTED_GRADE_UNSPECIFIED) grades.push_back(g);
  }
  std::sort(grades.rbegin(), grades.rend());
  return grades;
}

// Derived from key judgements (docs/ofsted.md): leadership and management inadequate is special
// measures; any other inadequate judgement or safeguarding not effective is requires
// significant improvement.
v1::OfstedCategory DeriveFromKeyJudgements(const v1::KeyJudgements& k) {
  const std::vector<int> grades = Graded(k);
  if (k.leadership_and_management() == v1::OFSTED_GRADE_INADEQUATE)
    return v1::OFSTED_CATEGORY_SPECIAL_MEASURES;
  if ((!grades.empty() && grades.front() == v1::OFSTED_GRADE_INADEQUATE) ||
      k.safeguarding() == v1::SAFEGUARDING_OUTCOME_NOT_MET) {
    return v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT;
  }
  return v1::OFSTED_CATEGORY_NONE;
}

bool HasKeyJudgements(const v1::KeyJudgements& k) {
  return !Graded(k).empty() || k.safeguarding() != v1::SAFEGUARDING_OUTCOME_UNSPECIFIED;
}

// The published category wins; the derived one stands in for a record without one.
void SettleCategory(OfstedSummary& s, v1::OfstedCategory published, v1::OfstedCategory derived) {
  s.published_category = published;
  s.derived_category = derived;
  s.category = published == v1::OFSTED_CATEGORY_UNSPECIFIED ? derived : published;
  s.category_disagreement = published != v1::OFSTED_CATEGORY_UNSPECIFIED && published != derived;
  if (InCategory(s.category)) {
    s.ri_or_worse = true;
    s.good_or_better = false;
  }
}

OfstedSummary ClassifyGraded(const v1::LegacyJudgement& j, const OfstedMapping& m) {
  OfstedSummary s;
  s.framework = OfstedFramework::kGraded;
  s.graded = true;
  const int overall = j.overall();
  s.ri_or_worse = overall >= m.graded_ri_or_worse_from;
  s.good_or_better = overall != 0 && overall <= m.graded_good_or_better_up_to;
  // Graded records always carried their category: unset is none, as it always was read.
  const v1::OfstedCategory published =
      j.category() == v1::OFSTED_CATEGORY_UNSPECIFIED ? v1::OFSTED_CATEGORY_NONE : j.category();
  SettleCategory(s, published,
                 HasKeyJudgements(j.key_judgements()) && overall == v1::OFSTED_GRADE_INADEQUATE
                     ? DeriveFromKeyJudgements(j.key_judgements())
                     : published);
  s.ri_equivalent = overall == v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT;
  s.label = absl::StrCat(overall == 0 ? "Ungraded" : GradeName(overall), CategorySuffix(s));
  return s;
}

OfstedSummary ClassifyUngraded(const v1::UngradedJudgement& j, const OfstedMapping& m) {
  OfstedSummary s;
  s.framework = OfstedFramework::kUngradedOverall;
  s.graded = true;
  const v1::KeyJudgements& k = j.key_judgements();
  const std::vector<int> grades = Graded(k);
  const int worst = grades.empty() ? 0 : grades.front();
  const bool safe = k.safeguarding() == v1::SAFEGUARDING_OUTCOME_MET;
  s.ri_or_worse = worst >= m.ungraded_ri_or_worse_from || !safe;
  s.good_or_better = !grades.empty() && worst <= m.ungraded_good_or_better_up_to && safe;
  SettleCategory(s, j.category(), DeriveFromKeyJudgements(k));
  // DfE: a Requires Improvement judgement for quality of education and/or leadership and
  // management in 2024/25 counts as a headline Requires Improvement.
  s.ri_equivalent = !InCategory(s.category) &&
                    (k.quality_of_education() == v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT ||
                     k.leadership_and_management() == v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT);
  s.label = absl::StrCat("No overall grade: lowest key judgement ", GradeName(worst),
                         ", safeguarding ", safe ? "effective" : "not effective",
                         CategorySuffix(s));
  return s;
}

OfstedSummary ClassifyReportCard(const v1::ReportCard& card, const OfstedMapping& m) {
  OfstedSummary s;
  s.framework = OfstedFramework::kReportCard;
  s.graded = true;
  int worst = 0;
  bool any_urgent = false;
  bool leadership_urgent = false;
  v1::ReportCardGrade leadership = v1::REPORT_CARD_GRADE_UNSPECIFIED;
  for (const v1::AreaGrade& area : card.areas()) {
    worst = std::max<int>(worst, area.grade());
    if (area.area() == v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE) leadership = area.grade();
    if (area.grade() == v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT) {
      any_urgent = true;
      if (area.area() == v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE) leadership_urgent = true;
    }
  }
  const bool safe = card.safeguarding() == v1::SAFEGUARDING_OUTCOME_MET;
  s.ri_or_worse = worst >= m.report_card_ri_or_worse_from || !safe;
  s.good_or_better = card.areas_size() > 0 && worst <= m.report_card_good_or_better_up_to && safe;
  // Derived (domain rulebook section 2): significant improvement when any area is urgent
  // improvement or safeguarding is not met; special measures when leadership and governance is
  // also urgent improvement.
  v1::OfstedCategory derived = v1::OFSTED_CATEGORY_NONE;
  if (any_urgent || !safe) {
    derived = leadership_urgent ? v1::OFSTED_CATEGORY_SPECIAL_MEASURES
                                : v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT;
  }
  SettleCategory(s, card.category(), derived);
  // DfE: under report cards, leadership and governance "needs attention".
  s.ri_equivalent =
      !InCategory(s.category) && leadership == v1::REPORT_CARD_GRADE_NEEDS_ATTENTION;
  s.label = absl::StrCat("Report card: lowest ", CardGradeName(worst), ", safeguarding ",
                         safe ? "met" : "not met", CategorySuffix(s));
  return s;
}

// One `key = value` setting of a mapping file.
absl::Status SetMappingValue(OfstedMapping& m, absl::string_view key, absl::string_view value) {
  struct Key {
    const char* name;
    int OfstedMapping::*field;
    bool report_card;
  };
  static constexpr Key kKeys[] = {
      {"graded.ri_or_worse_from", &OfstedMapping::graded_ri_or_worse_from, false},
      {"graded.good_or_better_up_to", &OfstedMapping::graded_good_or_better_up_to, false},
      {"ungraded.ri_or_worse_from", &OfstedMapping::ungraded_ri_or_worse_from, false},
      {"ungraded.good_or_better_up_to", &OfstedMapping::ungraded_good_or_better_up_to, false},
      {"report_card.ri_or_worse_from", &OfstedMapping::report_card_ri_or_worse_from, true},
      {"report_card.good_or_better_up_to", &OfstedMapping::report_card_good_or_better_up_to,
       true},
  };
  const Key* k = nullptr;
  for (const Key& candidate : kKeys) {
    if (key == candidate.name) k = &candidate;
  }
  if (k == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown setting '", key, "'"));
  const int top = k->report_card ? 5 : 4;
  int grade = 0;
  if (!absl::SimpleAtoi(value, &grade)) {
    const std::string words = absl::AsciiStrToLower(value);
    for (int g = 1; g <= top; ++g) {
      if (words == absl::AsciiStrToLower(k->report_card ? CardGradeName(g) : GradeName(g)))
        grade = g;
    }
  }
  if (grade < 1 || grade > top) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, ": '", value, "' is not a grade of this framework (",
        k->report_card ? "exceptional, strong standard, expected standard, needs attention, "
                         "urgent improvement or 1-5"
                       : "outstanding, good, requires improvement, inadequate or 1-4",
        ")"));
  }
  m.*(k->field) = grade;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<OfstedMapping> ParseOfstedMapping(absl::string_view text) {
  OfstedMapping m;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": expected `setting = grade`"));
    }
    if (absl::Status s = SetMappingValue(m, absl::StripAsciiWhitespace(line.substr(0, eq)),
                                         absl::StripAsciiWhitespace(line.substr(eq + 1)));
        !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", s.message()));
    }
  }
  const std::pair<const char*, bool> kChecks[] = {
      {"graded", m.graded_good_or_better_up_to < m.graded_ri_or_worse_from},
      {"ungraded", m.ungraded_good_or_better_up_to < m.ungraded_ri_or_worse_from},
      {"report_card", m.report_card_good_or_better_up_to < m.report_card_ri_or_worse_from},
  };
  for (const auto& [framework, ok] : kChecks) {
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(framework, ": good_or_better_up_to must be a better grade than "
                                  "ri_or_worse_from (a grade cannot be both)"));
    }
  }
  return m;
}

void InstallOfstedMapping(const OfstedMapping& mapping) { Installed() = mapping; }

const OfstedMapping& InstalledOfstedMapping() { return Installed(); }

OfstedSummary Classify(const Outcome& outcome) { return Classify(outcome, Installed()); }

OfstedSummary Classify(const Outcome& outcome, const OfstedMapping& mapping) {
  switch (outcome.judgement_case()) {
    case Outcome::kLegacy:
      return ClassifyGraded(outcome.legacy(), mapping);
    case Outcome::kUngraded:
      return ClassifyUngraded(outcome.ungraded(), mapping);
    case Outcome::kReportCard:
      return ClassifyReportCard(outcome.report_card(), mapping);
    case Outcome::kMonitoring: {
      OfstedSummary s;
      s.framework = OfstedFramework::kMonitoring;
      s.label = outcome.monitoring().finding().empty()
                    ? "Monitoring inspection (no grade)"
                    : absl::StrCat("Monitoring inspection (no grade): ",
                                   outcome.monitoring().finding());
      return s;
    }
    case Outcome::kRegistration: {
      OfstedSummary s;
      s.framework = OfstedFramework::kRegistration;
      s.graded = true;
      s.good_or_better = outcome.registration() == v1::REGISTRATION_OUTCOME_MET;
      s.ri_or_worse = !s.good_or_better;
      s.label = s.good_or_better ? "Met"
                : outcome.registration() == v1::REGISTRATION_OUTCOME_NOT_MET_WITH_ENFORCEMENT
                    ? "Not met (with enforcement)"
                    : "Not met (with actions)";
      return s;
    }
    case Outcome::JUDGEMENT_NOT_SET:
      break;
  }
  OfstedSummary none;
  none.label = "No judgement";
  return none;
}

OfstedHistoryFlags HistoryFlags(const google::protobuf::RepeatedPtrField<Outcome>& history,
                                const OfstedMapping& mapping) {
  std::vector<OfstedSummary> graded;
  for (const Outcome& o : history) {
    OfstedSummary s = Classify(o, mapping);
    if (s.graded && s.framework != OfstedFramework::kRegistration) graded.push_back(std::move(s));
  }
  OfstedHistoryFlags flags;
  if (graded.size() < 2) return flags;
  const OfstedSummary& latest = graded.back();
  const OfstedSummary& before = graded[graded.size() - 2];
  flags.not_making_necessary_improvements = latest.ri_or_worse && before.ri_or_worse;
  flags.stuck = latest.ri_equivalent && before.ri_or_worse;
  return flags;
}

std::string FrameworkName(OfstedFramework framework) {
  switch (framework) {
    case OfstedFramework::kGraded:
      return "graded";
    case OfstedFramework::kUngradedOverall:
      return "no overall grade (2024/25)";
    case OfstedFramework::kReportCard:
      return "report card";
    case OfstedFramework::kMonitoring:
      return "monitoring";
    case OfstedFramework::kRegistration:
      return "registration (childminder)";
    case OfstedFramework::kNone:
      break;
  }
  return "none";
}

std::string CategoryName(v1::OfstedCategory category) {
  switch (category) {
    case v1::OFSTED_CATEGORY_SPECIAL_MEASURES:
      return "special measures";
    case v1::OFSTED_CATEGORY_REQUIRES_SIGNIFICANT_IMPROVEMENT:
      return "requires significant improvement (formerly serious weaknesses)";
    case v1::OFSTED_CATEGORY_NONE:
      return "none";
    default:
      return "not published";
  }
}

bool SameInspection(const Outcome& a, const Outcome& b) {
  return a.inspection_date() == b.inspection_date() && a.judgement_case() == b.judgement_case();
}

}  // namespace scc::domain
