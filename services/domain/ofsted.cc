#include "services/domain/ofsted.h"

#include "absl/strings/str_cat.h"

namespace scc::domain {
namespace {

const char* CategorySuffix(v1::OfstedCategory category) {
  switch (category) {
    case v1::OFSTED_CATEGORY_SPECIAL_MEASURES:
      return " (special measures)";
    case v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES:
      return " (serious weaknesses)";
    default:
      return "";
  }
}

OfstedSummary ClassifyLegacy(const v1::LegacyJudgement& j) {
  OfstedSummary s;
  s.ri_or_worse = j.overall() == v1::OFSTED_GRADE_REQUIRES_IMPROVEMENT ||
                  j.overall() == v1::OFSTED_GRADE_INADEQUATE;
  s.good_or_better =
      j.overall() == v1::OFSTED_GRADE_OUTSTANDING || j.overall() == v1::OFSTED_GRADE_GOOD;
  s.category = j.category() == v1::OFSTED_CATEGORY_UNSPECIFIED ? v1::OFSTED_CATEGORY_NONE
                                                                : j.category();
  static constexpr const char* kNames[] = {"Ungraded", "Outstanding", "Good",
                                           "Requires Improvement", "Inadequate"};
  const int grade = j.overall();
  s.label = absl::StrCat(grade >= 0 && grade <= 4 ? kNames[grade] : "Ungraded",
                         CategorySuffix(s.category));
  return s;
}

OfstedSummary ClassifyReportCard(const v1::ReportCard& card) {
  OfstedSummary s;
  bool any_below_expected = false;
  bool any_urgent = false;
  bool leadership_urgent = false;
  v1::ReportCardGrade worst = v1::REPORT_CARD_GRADE_EXCEPTIONAL;
  for (const v1::AreaGrade& area : card.areas()) {
    if (area.grade() > worst) worst = area.grade();
    if (area.grade() >= v1::REPORT_CARD_GRADE_NEEDS_ATTENTION) any_below_expected = true;
    if (area.grade() == v1::REPORT_CARD_GRADE_URGENT_IMPROVEMENT) {
      any_urgent = true;
      if (area.area() == v1::EVALUATION_AREA_LEADERSHIP_AND_GOVERNANCE) leadership_urgent = true;
    }
  }
  const bool safeguarding_met = card.safeguarding() == v1::SAFEGUARDING_OUTCOME_MET;
  s.ri_or_worse = any_below_expected || !safeguarding_met;
  s.good_or_better = !any_below_expected && safeguarding_met && card.areas_size() > 0;
  if (any_urgent || !safeguarding_met) {
    s.category = leadership_urgent ? v1::OFSTED_CATEGORY_SPECIAL_MEASURES
                                   : v1::OFSTED_CATEGORY_SERIOUS_WEAKNESSES;
  }
  static constexpr const char* kGrades[] = {"ungraded",           "exceptional",
                                            "strong standard",    "expected standard",
                                            "needs attention",    "urgent improvement"};
  const int w = worst;
  s.label = absl::StrCat("Report card: lowest ", w >= 0 && w <= 5 ? kGrades[w] : "ungraded",
                         ", safeguarding ", safeguarding_met ? "met" : "not met",
                         CategorySuffix(s.category));
  return s;
}

}  // namespace

OfstedSummary Classify(const v1::OfstedOutcomeRecorded& outcome) {
  switch (outcome.judgement_case()) {
    case v1::OfstedOutcomeRecorded::kLegacy:
      return ClassifyLegacy(outcome.legacy());
    case v1::OfstedOutcomeRecorded::kReportCard:
      return ClassifyReportCard(outcome.report_card());
    case v1::OfstedOutcomeRecorded::kRegistration: {
      OfstedSummary s;
      s.good_or_better = outcome.registration() == v1::REGISTRATION_OUTCOME_MET;
      s.ri_or_worse = !s.good_or_better;
      s.label = s.good_or_better ? "Met"
                : outcome.registration() == v1::REGISTRATION_OUTCOME_NOT_MET_WITH_ENFORCEMENT
                    ? "Not met (with enforcement)"
                    : "Not met (with actions)";
      return s;
    }
    case v1::OfstedOutcomeRecorded::JUDGEMENT_NOT_SET:
      break;
  }
  OfstedSummary none;
  none.label = "No judgement";
  return none;
}

}  // namespace scc::domain
